"""A loopback OpenAI-compatible chat server for testing ``LM`` without a real provider.

Script it with ``fail(status, times)`` to answer errors before succeeding;
every request's JSON body and headers are kept in ``requests``. A request
with ``"logprobs": true`` gets ``logprobs(body)`` as ``choices[0].logprobs.content``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class StubServer:
    """``with StubServer() as server: LM("openai/x", api_base=server.api_base, ...)``."""

    answer: Callable[[dict[str, Any]], str] = lambda body: "stub answer"
    finish_reason: str = "stop"  # "length" plays an answer cut at max_tokens
    logprobs: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None
    requests: list[Recorded] = field(default_factory=list)
    _failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, status: int, times: int = 1, headers: dict[str, str] | None = None) -> None:
        """Answer the next ``times`` requests with HTTP ``status``."""
        with self._lock:
            self._failures.extend([(status, headers or {})] * times)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    @property
    def api_base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> StubServer:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                with stub._lock:
                    stub.requests.append(Recorded(self.path, dict(self.headers), body))
                    failure = stub._failures.pop(0) if stub._failures else None
                if failure is not None:
                    status, headers = failure
                    self._send(status, {"error": {"message": f"scripted {status}", "type": "stub_error"}}, headers)
                    return
                text = stub.answer(body)
                choice: dict[str, Any] = {
                    "index": 0,
                    "finish_reason": stub.finish_reason,
                    "message": {"role": "assistant", "content": text},
                }
                if body.get("logprobs") and stub.logprobs is not None:
                    choice["logprobs"] = {"content": stub.logprobs(body)}
                self._send(
                    200,
                    {
                        "id": "chatcmpl-stub",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model", "stub"),
                        "choices": [choice],
                        "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
                    },
                )

            def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence request logs
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # Clients keep connections alive: closing must not wait for their handler threads.
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
