"""The direct client's HTTP/1.1 exchange (``runtime/lm/http1.py``) against servers that write raw bytes.

Each server here reads one request at a time off a connection and answers
with the exact bytes a test gives: the framings a real server may use
(Content-Length, chunked, up to the close, informational responses first)
and the faults one may make (a cut body, a bad status line, endless headers,
a body past the cap). Through ``LM``, a fault is an ``LMError`` naming it.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from lmc.runtime.errors import LMError
from lmc.runtime.lm import openai_compat
from lmc.runtime.lm.client import LM
from lmc.runtime.lm.http1 import Closed, Connection, ProtocolError, TooLarge

HELLO = [{"role": "user", "content": "hello"}]
ANSWER = json.dumps({"choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}]}).encode()


def framed(body: bytes = ANSWER, *head: str, status: str = "200 OK") -> bytes:
    """A response with a Content-Length and the given extra header lines."""
    lines = [f"HTTP/1.1 {status}", "Content-Type: application/json", f"Content-Length: {len(body)}", *head]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def chunked(*parts: bytes, trailer: str = "") -> bytes:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunks = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) for p in parts)
    return head + chunks + b"0\r\n" + trailer.encode() + b"\r\n"


class RawServer:
    """Answers each request with the next of ``replies`` (bytes, or a function of the connection), in order.

    A connection stays open for the next request unless a reply is followed by ``CLOSE``.
    """

    CLOSE = b""

    def __init__(self, replies: Sequence[bytes | Callable[[socket.socket], None]], wrap: ssl.SSLContext | None = None):
        self.replies = list(replies)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.wrap = wrap
        self.connections = 0
        self.requests: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def api_base(self) -> str:
        scheme = "https" if self.wrap else "http"
        return f"{scheme}://127.0.0.1:{self.sock.getsockname()[1]}/v1"

    def _serve(self) -> None:
        while self.replies:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.wrap is not None:
                try:
                    conn = self.wrap.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):  # a client that does not trust the certificate hangs up
                    conn.close()
                    continue
            self.connections += 1
            with conn:
                while self.replies and self._read_request(conn):
                    reply = self.replies.pop(0)
                    reply(conn) if callable(reply) else conn.sendall(reply)
                    if self.replies and self.replies[0] == self.CLOSE:
                        self.replies.pop(0)
                        break

    def _read_request(self, conn: socket.socket) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            more = conn.recv(65536)
            if not more:
                return False
            data += more
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
        )
        while len(body) < length:
            body += conn.recv(65536)
        self.requests.append(data)
        return True

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def lm(server: RawServer, **kw) -> LM:
    return LM("openai/m", api_base=server.api_base, num_retries=0, **kw)


def test_a_kept_alive_connection_carries_every_request_in_one_send():
    with RawServer([framed(), framed(), framed()]) as server:
        client = lm(server)
        assert [client.complete(HELLO) for _ in range(3)] == ["ok", "ok", "ok"]
        assert server.connections == 1
        port = server.sock.getsockname()[1]
    head = server.requests[0].split(b"\r\n\r\n")[0].decode()
    assert head.startswith("POST /v1/chat/completions HTTP/1.1\r\n")
    assert f"Host: 127.0.0.1:{port}" in head and "Accept-Encoding: identity" in head
    assert all(request.count(b"\r\n\r\n") == 1 for request in server.requests)  # head and body in one piece


@pytest.mark.parametrize(
    "reply",
    [
        chunked(ANSWER[:10], ANSWER[10:]),
        chunked(ANSWER, trailer="X-Trailer: yes\r\n"),
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + framed(),
        framed(ANSWER, "X-Folded: one", "  two", "X-Twice: a", "X-Twice: b"),
        b"HTTP/1.0 200 OK\nContent-Type: application/json\n\n" + ANSWER,  # no length, bare LFs: up to the close
    ],
    ids=["chunked", "chunked-trailer", "informational-first", "folded-and-repeated", "http10-to-close"],
)
def test_every_framing_of_the_answer_reads_the_same(reply: bytes):
    with RawServer([reply, RawServer.CLOSE, framed()]) as server:
        client = lm(server)
        assert client.complete(HELLO) == "ok"
        assert client.complete(HELLO) == "ok"  # on the same connection, or a new one after a close


def test_the_head_is_read_as_written():
    with RawServer([framed(ANSWER, "X-Folded: one", "  two", "X-Twice: a", "X-Twice: b", "Retry-After: 7")]) as server:
        conn = Connection("127.0.0.1", server.sock.getsockname()[1], https=False, timeout=5)
        response = conn.exchange("/v1/chat/completions", {"Content-Type": "application/json"}, b"{}", limit=10_000)
        conn.close()
    assert response.status == 200 and response.body == ANSWER and response.keep_alive
    assert response.headers["x-folded"] == "one two" and response.headers["x-twice"] == "a, b"
    assert response.headers["retry-after"] == "7"


def test_an_open_connection_blocks_without_a_timeout_of_its_own():
    """A socket with a timeout polls before each send and receive; the caller's watchdog bounds the exchange."""
    with RawServer([framed()]) as server:
        conn = Connection("127.0.0.1", server.sock.getsockname()[1], https=False, timeout=5)
        sock = conn.open()
        try:
            assert sock.gettimeout() is None
        finally:
            conn.close()


@pytest.mark.parametrize(
    ("reply", "error", "message"),
    [
        (b"SPDY/3 200 OK\r\n\r\n", ProtocolError, "not an HTTP/1.1 status line"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", ProtocolError, "not a header line"),
        (b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 101 + b"\r\n", ProtocolError, "over 100 headers"),
        (b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000, ProtocolError, "head is over 64 KiB"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 12, 13\r\n\r\n", ProtocolError, "conflicting Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", ProtocolError, "not a Content-Length"),
        (b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"cut', ProtocolError, "closed the connection mid-response"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", ProtocolError, "not a chunk size"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", ProtocolError, "does not end"),
        (b"", Closed, "without a response"),
    ],
)
def test_a_broken_response_is_a_protocol_error(reply: bytes, error: type[Exception], message: str):
    with RawServer([reply, RawServer.CLOSE]) as server:
        conn = Connection("127.0.0.1", server.sock.getsockname()[1], https=False, timeout=5)
        with pytest.raises(error, match=message):
            conn.exchange("/v1/chat/completions", {}, b"{}", limit=10_000)
        conn.close()


@pytest.mark.parametrize(
    "reply",
    [
        framed(b"x" * 2000),
        chunked(b"x" * 600, b"x" * 600),
        b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"x" * 2000,
    ],
    ids=["length", "chunked", "to-close"],
)
def test_a_body_past_the_limit_is_refused(reply: bytes):
    with RawServer([reply, RawServer.CLOSE]) as server:
        conn = Connection("127.0.0.1", server.sock.getsockname()[1], https=False, timeout=5)
        with pytest.raises(TooLarge):
            conn.exchange("/v1/chat/completions", {}, b"{}", limit=1000)
        conn.close()


def test_through_the_lm_a_broken_response_is_an_lm_error_that_names_it(monkeypatch):
    with RawServer([b"garbage\r\n\r\n", RawServer.CLOSE]) as server, pytest.raises(LMError) as info:
        lm(server).complete(HELLO)
    assert "connection failed: not an HTTP/1.1 status line" in str(info.value)
    monkeypatch.setattr(openai_compat, "MAX_ANSWER_BYTES", 100)
    with RawServer([chunked(b"x" * 300), RawServer.CLOSE]) as server, pytest.raises(LMError, match="over 0 MiB"):
        lm(server).complete(HELLO)


def test_a_header_that_would_end_early_is_refused_before_sending(monkeypatch):
    monkeypatch.setenv("LMC_TEST_HTTP1_KEY", "sk-abc\r\nX-Injected: yes")
    with RawServer([framed()]) as server:
        with pytest.raises(ValueError, match="Authorization header holds a line break"):
            LM("openai/m", api_base=server.api_base, api_key_env="LMC_TEST_HTTP1_KEY").complete(HELLO)
        assert server.requests == []


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return key, cert


def test_https_is_verified_against_the_trusted_certificates(certificate, monkeypatch):
    key, cert = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trusted: the exchange goes through, twice on one connection
    with RawServer([framed(), framed()], wrap=context) as server:
        client = lm(server)
        assert [client.complete(HELLO), client.complete(HELLO)] == ["ok", "ok"]
        assert server.connections == 1
    monkeypatch.delenv("SSL_CERT_FILE")  # not trusted: refused, never answered
    with RawServer([framed()], wrap=context) as server, pytest.raises(LMError, match="CERTIFICATE_VERIFY_FAILED"):
        lm(server).complete(HELLO)
