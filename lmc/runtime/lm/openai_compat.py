"""A direct client for OpenAI-compatible chat endpoints (``openai/MODEL`` with an ``api_base``).

A self-hosted or loopback server (vLLM, llama.cpp's server, LM Studio, a
test stub) speaks OpenAI's ``/chat/completions`` protocol. For those, the
runtime posts the request itself over a kept-alive connection
(``http1.py``: one send, one buffer, no email parser) instead of going
through litellm: it needs no import of litellm (seconds) and no per-call
translation layers (milliseconds), and sends the same JSON body litellm
would. Hosted providers, and ``openai/`` models without an ``api_base``,
still go through litellm, which knows their endpoints, quirks and prices.

Failures are raised as :class:`HTTPFailure` with the status (None for a
connection failure or timeout) and the server's ``Retry-After``; ``client.py``
decides what is worth another try.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..choices import TokenLogprobs, parse_openai_logprobs

if TYPE_CHECKING:
    from .http1 import Connection

__all__ = ["Completion", "HTTPFailure", "OpenAICompatClient", "is_direct", "token_count"]

PREFIX = "openai/"
# The whole request's deadline, seconds (the lm option `timeout` sets it): a server that answers a byte
# at a time cannot hold a call past it. Long enough for a long answer from a slow hosted model.
DEFAULT_TIMEOUT = 180.0
# The most an answer may weigh: a larger one is the server's fault, never read whole, cached or quoted.
MAX_ANSWER_BYTES = 8 * 1024 * 1024
_USER_AGENT = "lmc-runtime"


def is_direct(model: str, api_base: str | None) -> bool:
    """Whether ``model`` is served by an OpenAI-compatible endpoint the runtime can call itself."""
    return bool(api_base) and model.startswith(PREFIX) and urlsplit(api_base).scheme in ("http", "https")


# The names OpenAI's SDK gives these failures, so messages read the same on both paths.
_KINDS = {400: "BadRequestError", 401: "AuthenticationError", 403: "PermissionDeniedError", 404: "NotFoundError"}


class HTTPFailure(Exception):
    """A request that got no usable answer: an HTTP error status, or no response at all (status None)."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status_code = status
        self.retry_after = retry_after

    @property
    def kind(self) -> str:
        if self.status_code is None:
            return "APIConnectionError"
        if self.status_code == 429:
            return "RateLimitError"
        if self.status_code >= 500:
            return "InternalServerError"
        return _KINDS.get(self.status_code, "APIStatusError")


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    cost: float = 0.0  # self-hosted endpoints have no price list
    logprobs: tuple[TokenLogprobs, ...] | None = None  # when the request asked for them


class OpenAICompatClient:
    """POSTs chat completions to ``{api_base}/chat/completions``; one connection per thread."""

    def __init__(self, api_base: str, timeout: float | None = None) -> None:
        parts = urlsplit(api_base.rstrip("/"))
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "localhost"
        self._port = parts.port
        self._path = f"{parts.path}/chat/completions"
        self._timeout = timeout or DEFAULT_TIMEOUT
        self._local = threading.local()

    def complete(self, body: Mapping[str, Any], api_key: str | None) -> Completion:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": _USER_AGENT}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        status, raw, retry_after = self._post(payload, headers)
        if status != 200:
            raise HTTPFailure(_error_message(raw), status, retry_after)
        return _completion(raw)

    def _post(self, payload: bytes, headers: dict[str, str]) -> tuple[int, bytes, float | None]:
        """Send and read the answer within the deadline: a watchdog shuts the socket when it passes."""
        from .http1 import ProtocolError, TooLarge  # here: it (with socket) costs ~4 ms of a package's import

        # A kept-alive connection may have been closed by the server since the
        # last call: one fresh reconnect is part of sending, not a retry.
        while True:
            conn = self._connection()
            reused = not conn.fresh
            watchdog = _Watchdog(self._timeout)
            try:
                watchdog.watch(conn.open())
                response = conn.exchange(self._path, headers, payload, limit=MAX_ANSWER_BYTES)
                if watchdog.fired:  # the read ended because the socket was shut: what came is not the whole
                    raise TimeoutError
            except TooLarge as exc:
                conn.close()
                size = MAX_ANSWER_BYTES // (1024 * 1024)
                raise HTTPFailure(f"the server's answer is over {size} MiB; it was not read", exc.status) from exc
            except (ConnectionError, ProtocolError) as exc:
                conn.close()
                if watchdog.fired:
                    raise HTTPFailure(f"no whole answer within {self._timeout:g} s (the lm's `timeout`)") from exc
                if reused:
                    continue
                raise HTTPFailure(f"connection failed: {exc}") from exc
            except OSError as exc:  # TimeoutError too
                conn.close()
                if watchdog.fired:
                    raise HTTPFailure(f"no whole answer within {self._timeout:g} s (the lm's `timeout`)") from exc
                raise HTTPFailure(f"connection failed: {type(exc).__name__}: {exc}") from exc
            finally:
                watchdog.cancel()
            return response.status, response.body, _seconds(response.headers.get("retry-after"))

    def _connection(self) -> Connection:
        from .http1 import Connection

        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = Connection(self._host, self._port, https=self._https, timeout=self._timeout)
        return conn


def request_body(model: str, messages: Sequence[Mapping[str, Any]], options: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body for ``model`` (``openai/`` stripped) with the sampling options that are set."""
    body: dict[str, Any] = {"model": model[len(PREFIX) :], "messages": [dict(m) for m in messages]}
    for key in ("temperature", "max_tokens", "top_p", "stop", "response_format", "logprobs", "top_logprobs"):
        if options.get(key) is not None:
            body[key] = options[key]
    return body


class _Watchdog:
    """Shuts the watched socket once ``seconds`` pass, so a read blocked on a trickling server ends.

    One thread per process keeps every request's deadline (:class:`_Deadlines`):
    a request costs a heap push and a dictionary delete, not a thread of its own.
    """

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._sock: Any = None
        self._lock = threading.Lock()
        self._ticket = _DEADLINES.add(seconds, self._fire)

    def watch(self, sock: Any) -> None:
        with self._lock:
            self._sock = sock
            if self.fired:
                self._shut()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            self._shut()

    def _shut(self) -> None:
        import socket

        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        _DEADLINES.cancel(self._ticket)


class _Deadlines:
    """Calls each registered function once its deadline passes, from one daemon thread started at first use."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """No deadlines and no thread: at creation, and in a forked child (the thread is gone there)."""
        self._condition = threading.Condition()
        self._heap: list[tuple[float, int]] = []  # (deadline, ticket); cancelled tickets are skipped when popped
        self._pending: dict[int, tuple[float, Callable[[], None]]] = {}
        self._tickets = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, seconds: float, fire: Callable[[], None]) -> int:
        import heapq

        with self._condition:
            ticket = next(self._tickets)
            deadline = time.monotonic() + seconds
            self._pending[ticket] = (deadline, fire)
            heapq.heappush(self._heap, (deadline, ticket))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lmc-deadlines", daemon=True)
                self._thread.start()
            elif self._heap[0][1] == ticket:
                self._condition.notify()  # the earliest deadline is this one: the thread sleeps too long
        return ticket

    def cancel(self, ticket: int) -> None:
        import heapq

        with self._condition:
            self._pending.pop(ticket, None)
            if len(self._heap) > 64 and len(self._heap) > 4 * len(self._pending):
                # Most entries are cancelled requests far from their deadline: drop them now, not in minutes.
                self._heap = [(deadline, t) for t, (deadline, _) in self._pending.items()]
                heapq.heapify(self._heap)

    def _run(self) -> None:
        import heapq

        while True:
            with self._condition:
                while self._heap and self._heap[0][1] not in self._pending:
                    heapq.heappop(self._heap)  # cancelled
                if not self._heap:
                    self._condition.wait()
                    continue
                deadline, ticket = self._heap[0]
                remaining = deadline - time.monotonic()
                if remaining > 0:
                    self._condition.wait(remaining)
                    continue
                heapq.heappop(self._heap)
                _, fire = self._pending.pop(ticket)
            fire()  # outside the lock: it takes the watchdog's own


_DEADLINES = _Deadlines()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_DEADLINES.reset)


def _completion(raw: bytes) -> Completion:
    """The answer read from a 200 response; anything else than a well-formed chat completion is the server's
    fault (``HTTPFailure``, status 200): never an answer, so never cached or scored."""
    try:
        data = json.loads(raw)
        choice = data["choices"][0]
        text = choice["message"].get("content")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise TypeError(f"its content is {type(text).__name__}, not text")
        usage = data.get("usage") or {}
        if not isinstance(usage, Mapping):
            raise TypeError(f"its usage is {type(usage).__name__}, not an object")
        finish = choice.get("finish_reason")
        return Completion(
            text=text,
            finish_reason=finish if isinstance(finish, str) else None,
            prompt_tokens=token_count(usage.get("prompt_tokens")),
            completion_tokens=token_count(usage.get("completion_tokens")),
            logprobs=parse_openai_logprobs(choice.get("logprobs")),
        )
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, OverflowError) as exc:
        shown = raw[:200].decode("utf-8", "replace")
        raise HTTPFailure(f"the server's answer is not a chat completion ({exc}): {shown!r}", status=200) from exc


def token_count(value: Any) -> int:
    """A token count: a whole number, 0 when absent; anything else makes the answer malformed."""
    if value is None:
        return 0
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole or not 0 <= value < 2**53:
        raise ValueError(f"a token count is {value!r}")
    return int(value)


def _error_message(raw: bytes) -> str:
    try:
        error = json.loads(raw).get("error")
        if isinstance(error, Mapping) and error.get("message"):
            return str(error["message"])
        if isinstance(error, str):
            return error
    except (ValueError, AttributeError):
        pass
    return raw[:300].decode("utf-8", "replace") or "(empty body)"


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
