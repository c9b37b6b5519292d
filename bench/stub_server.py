"""A loopback OpenAI-compatible chat server with a fixed latency and a canned answer.

Run as its own process, so that serving requests does not compete for the
client's GIL in a timing benchmark::

    python bench/stub_server.py [--latency-ms 0] [--answer TEXT]

It prints one line, ``READY <api_base>``, once it listens on 127.0.0.1 (a
free port unless ``--port`` is given), then serves until stdin closes (the
parent that holds the pipe exits) or it gets SIGTERM; with ``--forever`` it
ignores stdin (for use by hand, in the background). Every ``POST .../chat/completions`` is answered, after
``--latency-ms``, with ``--answer`` as the assistant message. ``GET /stats``
returns the number of requests served, the User-Agent headers seen (how a
benchmark tells which HTTP client a library really used) and the body of the
last request; ``POST /reset`` clears them. Stdlib only: it runs under any interpreter.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

logger = logging.getLogger("bench.stub_server")

CHAT_ANSWER = "[[ ## sentiment ## ]]\npositive\n\n[[ ## completed ## ]]"


class Server(ThreadingHTTPServer):
    """A threading server with a provider's listen backlog: socketserver's default of 5 drops the
    connections a client opens at once past the fifth, and each then waits a second for TCP to retry."""

    request_queue_size = 1024


class Stats:
    """Requests served and the clients that sent them; shared by the handler threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.user_agents: collections.Counter[str] = collections.Counter()
        self.last_request: dict[str, Any] | None = None

    def add(self, user_agent: str, request: dict[str, Any]) -> None:
        with self._lock:
            self.requests += 1
            self.user_agents[user_agent] += 1
            self.last_request = request

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"requests": self.requests, "user_agents": dict(self.user_agents), "last_request": self.last_request}

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.user_agents.clear()
            self.last_request = None


def make_handler(answer: str, latency_s: float, stats: Stats) -> type[BaseHTTPRequestHandler]:
    completion_template = {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 0,
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": answer}}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 12, "total_tokens": 132},
    }

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real providers do
        disable_nagle_algorithm = True  # headers and body are two writes

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path.rstrip("/").endswith("/reset"):
                stats.reset()
                self._send(200, {"ok": True})
                return
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            request = json.loads(body or b"{}")
            stats.add(self.headers.get("User-Agent", "?"), request)
            if latency_s:
                time.sleep(latency_s)
            self._send(200, {**completion_template, "model": request.get("model", "stub")})

        def do_GET(self) -> None:  # noqa: N802
            if self.path.rstrip("/").endswith("/stats"):
                self._send(200, stats.snapshot())
            else:
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
            logger.debug(format, *args)

    return Handler


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)


def serve(*, port: int, latency_ms: float, answer: str, forever: bool = False) -> None:
    stats = Stats()
    server = Server(("127.0.0.1", port), make_handler(answer, latency_ms / 1000.0, stats))
    server.daemon_threads = True
    host, bound = server.server_address[:2]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    signal.signal(signal.SIGTERM, _exit_on_signal)
    sys.stdout.write(f"READY http://{host}:{bound}/v1\n")
    sys.stdout.flush()
    try:
        if forever:
            threading.Event().wait()
        else:
            sys.stdin.read()  # the parent holds the pipe: its exit ends the server
    finally:
        server.shutdown()
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    ap.add_argument("--latency-ms", type=float, default=0.0, help="delay before each answer (default 0)")
    ap.add_argument("--answer", default=CHAT_ANSWER, help="the assistant message of every completion")
    ap.add_argument("--forever", action="store_true", help="serve until SIGTERM or Ctrl-C, not until stdin closes")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    serve(port=args.port, latency_ms=args.latency_ms, answer=args.answer, forever=args.forever)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
