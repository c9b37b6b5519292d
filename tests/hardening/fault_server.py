"""A loopback OpenAI-compatible server that misbehaves on purpose, one way per test.

``FaultServer(reply)``: ``reply(headers)`` returns ``(status, body_chunks,
pause)``; the server sends the chunks one by one, ``pause`` seconds apart
(a trickling server), then closes. ``body(**message)`` builds a chat
completion whose fields can be anything the test wants.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = tuple[int, Sequence[bytes], float]


def body(content: Any = "an answer", usage: Any = None, **choice: Any) -> bytes:
    data: dict[str, Any] = {"choices": [{"message": {"role": "assistant", "content": content}, **choice}]}
    if usage is not None:
        data["usage"] = usage
    return json.dumps(data).encode("utf-8")


class FaultServer:
    def __init__(self, reply: Callable[[dict[str, str]], Reply]) -> None:
        self.reply = reply
        self.count = 0
        self._lock = threading.Lock()

    def __enter__(self) -> FaultServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with server._lock:
                    server.count += 1
                status, chunks, pause = server.reply(dict(self.headers))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(sum(len(c) for c in chunks)))
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for chunk in chunks:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        time.sleep(pause)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up: what the test wants to see

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence request logs
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def api_base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
