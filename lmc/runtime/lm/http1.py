"""One HTTP/1.1 exchange at a time over a kept-alive socket: what the direct LM client needs, no more.

The runtime's OpenAI-compatible client posts a JSON body and reads one JSON
answer. ``http.client`` did that with the email package's header parser, a
request written in two sends and a buffered file per response: ~0.1 ms of
CPU a call, a third of a build's CPU per LM call at 8 threads (measured
with ``bench/build_scaling.py`` against its 0 ms oracle). A ``Connection``
writes the request in one send and reads the response from the socket into
one buffer: the status line, the headers (at most ``MAX_HEADER_BYTES`` and
``MAX_HEADERS``; informational 1xx responses skipped), then the body by its
``Content-Length``, chunked, or up to the connection's close. A body past
the caller's limit is refused unread (``TooLarge``).

Failures: ``Closed`` when the connection ends before any byte of a response
(a kept-alive connection the server has closed since: worth one fresh
connection), ``ProtocolError`` for bytes that are no HTTP/1.1 response or a
response cut short, and the socket's own ``OSError`` (``TimeoutError`` while
connecting). Once open, the socket blocks: the caller bounds each exchange
(``openai_compat``'s watchdog shuts the socket at the call's deadline).
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass

__all__ = ["Closed", "Connection", "ProtocolError", "Response", "TooLarge"]

MAX_HEADER_BYTES = 64 * 1024  # http.client's line limit, for the whole head here
MAX_HEADERS = 100  # http.client's
_READ = 64 * 1024
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_UNSAFE = re.compile(r"[\r\n\0]")
_STATUS = re.compile(rb"HTTP/1\.([01]) +(\d{3})(?: [^\r\n]*)?\r?")


class ProtocolError(Exception):
    """The server's bytes are no HTTP/1.1 response, or the response was cut short."""


class Closed(ProtocolError):
    """The connection closed before any byte of a response."""


class TooLarge(Exception):
    """The response's body is longer than the caller reads."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}: the body is over the limit")
        self.status = status


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str]  # names in lower case; a repeated header's values joined by ", "
    body: bytes
    keep_alive: bool  # the connection may carry the next request


class Connection:
    """A socket to one server, opened on first use, kept open between exchanges while the server allows."""

    def __init__(self, host: str, port: int | None, *, https: bool, timeout: float) -> None:
        default = 443 if https else 80
        self.host = host
        self.port = port or default
        self.https = https
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self._buf = bytearray()
        shown = f"[{host}]" if ":" in host else host  # an IPv6 address
        self.host_header = shown if self.port == default else f"{shown}:{self.port}"

    @property
    def fresh(self) -> bool:
        """No socket yet: the next exchange opens one."""
        return self.sock is None

    def open(self) -> socket.socket:
        if self.sock is None:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # the request is one send anyway
            if self.https:
                import ssl  # here: a plain-HTTP run never imports it (~10 ms)

                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
            # Blocking from here on: a socket with a timeout polls before every send and every receive,
            # two more system calls a request and two more hand-overs of the interpreter's lock between
            # threads. The caller bounds each exchange (openai_compat's watchdog shuts the socket).
            sock.settimeout(None)
            self.sock = sock
            self._buf.clear()
        return self.sock

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None
                self._buf.clear()

    def exchange(self, path: str, headers: dict[str, str], body: bytes, *, limit: int) -> Response:
        """POST ``body`` to ``path`` and read the whole response (its body at most ``limit`` bytes)."""
        for name, value in headers.items():
            if _UNSAFE.search(name) or _UNSAFE.search(value):  # it would end the header early: another header
                raise ValueError(f"the {name} header holds a line break or a NUL")
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host_header}", "Accept-Encoding: identity"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        sock = self.open()
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        status, fields, version = self._head(started=False)
        while 100 <= status < 200:  # informational: the real response follows
            status, fields, version = self._head(started=True)
        keep_alive = "close" not in fields.get("connection", "").lower() and (
            version == 1 or "keep-alive" in fields.get("connection", "").lower()
        )
        if status in (204, 304):
            content = b""
        elif "chunked" in fields.get("transfer-encoding", "").lower():
            content = self._chunked(status, limit)
        elif "content-length" in fields:
            content = self._exactly(_length(fields["content-length"]), status, limit)
        else:
            content, keep_alive = self._to_close(status, limit), False
        if self._buf:  # bytes past the response: nothing else was asked for
            keep_alive = False
        if not keep_alive:
            self.close()
        return Response(status, fields, content, keep_alive)

    # ------------------------------------------------------------------ reading

    def _fill(self, started: bool) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(_READ)
        if not chunk:
            raise (
                ProtocolError("the server closed the connection mid-response")
                if started
                else Closed("the server closed the connection without a response")
            )
        self._buf += chunk

    def _head(self, *, started: bool) -> tuple[int, dict[str, str], int]:
        """The status, the headers and the minor version of the next response head in the stream."""
        started = started or bool(self._buf)
        while True:
            end = _HEAD_END.search(self._buf)
            if end is not None:
                break
            if len(self._buf) > MAX_HEADER_BYTES:
                raise ProtocolError(f"the response's head is over {MAX_HEADER_BYTES // 1024} KiB")
            self._fill(started)
            started = True
        raw = bytes(self._buf[: end.start()])
        del self._buf[: end.end()]
        status_line, *rest = raw.split(b"\n")
        matched = _STATUS.fullmatch(status_line)
        if matched is None:
            raise ProtocolError(f"not an HTTP/1.1 status line: {status_line[:80]!r}")
        if len(rest) > MAX_HEADERS:
            raise ProtocolError(f"the response has over {MAX_HEADERS} headers")
        fields: dict[str, str] = {}
        last = ""
        for line in rest:
            text = line.rstrip(b"\r").decode("latin-1")
            if text[:1] in (" ", "\t") and last:  # an obsolete folded line continues the last header
                fields[last] += " " + text.strip()
                continue
            name, colon, value = text.partition(":")
            if not colon or not name.strip():
                raise ProtocolError(f"not a header line: {text[:80]!r}")
            last = name.strip().lower()
            value = value.strip()
            fields[last] = f"{fields[last]}, {value}" if last in fields else value
        return int(matched.group(2)), fields, int(matched.group(1))

    def _exactly(self, size: int, status: int, limit: int) -> bytes:
        if size > limit:
            raise TooLarge(status)
        while len(self._buf) < size:
            self._fill(True)
        content = bytes(self._buf[:size])
        del self._buf[:size]
        return content

    def _line(self) -> bytes:
        while True:
            at = self._buf.find(b"\n")
            if at >= 0:
                line = bytes(self._buf[:at]).rstrip(b"\r")
                del self._buf[: at + 1]
                return line
            if len(self._buf) > MAX_HEADER_BYTES:
                raise ProtocolError("a chunk's size line is too long")
            self._fill(True)

    def _chunked(self, status: int, limit: int) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            size_text = self._line().split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise ProtocolError(f"not a chunk size: {size_text[:40]!r}") from None
            if size == 0:
                break
            total += size
            if total > limit:
                raise TooLarge(status)
            parts.append(self._exactly(size, status, limit))
            if self._line():
                raise ProtocolError("a chunk does not end where its size says")
        while self._line():  # trailers, up to the empty line
            pass
        return b"".join(parts)

    def _to_close(self, status: int, limit: int) -> bytes:
        assert self.sock is not None
        while len(self._buf) <= limit:
            chunk = self.sock.recv(_READ)
            if not chunk:
                content = bytes(self._buf)
                self._buf.clear()
                return content
            self._buf += chunk
        raise TooLarge(status)


def _length(value: str) -> int:
    """A Content-Length: one whole number (repeated equal values, joined by ", ", are one)."""
    values = {v.strip() for v in value.split(",")}
    if len(values) != 1:
        raise ProtocolError(f"conflicting Content-Length values: {value[:80]!r}")
    (text,) = values
    if not text.isdigit() or not text.isascii():
        raise ProtocolError(f"not a Content-Length: {text[:40]!r}")
    return int(text)
