"""Which transport an ``LM`` uses, and the direct OpenAI-compatible client's connection handling.

``openai/MODEL`` with an ``api_base`` is posted directly (no litellm); every
other model id goes through litellm. Both paths retry the same failures.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import threading

import pytest

from lmc.runtime.errors import LMError
from lmc.runtime.lm.client import LM
from lmc.runtime.lm.openai_compat import is_direct

from .stub_server import StubServer

HELLO = [{"role": "user", "content": "Say hello."}]


def test_direct_path_is_chosen_for_openai_compatible_endpoints_only():
    assert is_direct("openai/my-model", "http://127.0.0.1:8000/v1")
    assert is_direct("openai/my-model", "https://example.test/v1")
    assert not is_direct("openai/gpt-4o-mini", None)
    assert not is_direct("hosted_vllm/my-model", "http://127.0.0.1:8000/v1")
    assert not is_direct("local/smollm2", None)


def test_direct_path_never_imports_litellm():
    script = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, sys.argv[1])
        from tests.runtime.stub_server import StubServer
        from lmc.runtime.lm.client import LM
        with StubServer(answer=lambda body: "hi") as server:
            assert LM("openai/m", api_base=server.api_base).complete([{"role": "user", "content": "x"}]) == "hi"
        print("litellm" in sys.modules)
        """
    )
    root = str(__import__("pathlib").Path(__file__).resolve().parents[2])
    out = subprocess.run([sys.executable, "-c", script, root], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_litellm_path_answers_and_retries_like_the_direct_one():
    with StubServer(answer=lambda body: f"model={body['model']}") as server:
        server.fail(503, times=1)
        lm = LM("hosted_vllm/stub-model", api_base=server.api_base, backoff=0.01)
        assert lm.complete(HELLO) == "model=stub-model"
        assert server.count == 2 and lm.usage.calls == 1


def test_no_authorization_header_without_api_key_env():
    with StubServer() as server:
        LM("openai/m", api_base=server.api_base).complete(HELLO)
        assert "Authorization" not in server.requests[0].headers


class OneShotServer:
    """Answers one request per connection, then closes it without saying so (a stale keep-alive)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = int(
                    [line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")][0].split(b":")[
                        1
                    ]
                )
                while len(body) < length:
                    body += conn.recv(65536)
                answer = json.dumps({"choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}]}).encode()
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                    % (len(answer), answer)
                )

    def close(self) -> None:
        self.sock.close()


def test_a_connection_closed_by_the_server_is_reopened_without_a_retry():
    server = OneShotServer()
    try:
        lm = LM("openai/m", api_base=server.api_base, num_retries=0)
        assert [lm.complete(HELLO) for _ in range(3)] == ["ok", "ok", "ok"]
        assert server.connections == 3 and lm.usage.calls == 3
    finally:
        server.close()


def test_a_refused_connection_is_retried_then_reported():
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]
    lm = LM("openai/m", api_base=f"http://127.0.0.1:{port}/v1", num_retries=1, backoff=0.01)
    with pytest.raises(LMError, match=r"gave up after 2 attempt\(s\): APIConnectionError"):
        lm.complete(HELLO)


def test_an_answer_that_is_not_a_chat_completion_fails_at_once():
    class Garbage(OneShotServer):
        def _serve(self) -> None:
            while True:
                try:
                    conn, _ = self.sock.accept()
                except OSError:
                    return
                with conn:
                    conn.recv(65536)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot json!")

    server = Garbage()
    try:
        lm = LM("openai/m", api_base=server.api_base, backoff=0.01)
        with pytest.raises(
            LMError, match=r"request failed: APIStatusError \(HTTP 200\): the server's answer is not a chat completion"
        ):
            lm.complete(HELLO)
    finally:
        server.close()


@pytest.mark.parametrize(
    ("model", "variable"),
    [
        ("openai/gpt-4o-mini", "OPENAI_API_KEY"),
        ("anthropic/claude-3-5-haiku-latest", "ANTHROPIC_API_KEY"),
        ("gemini/gemini-1.5-flash", "GEMINI_API_KEY"),
    ],
)
def test_a_missing_api_key_names_the_variable_to_set_at_once(model: str, variable: str, monkeypatch):
    """Each provider's client words it differently (an HTTP 401, a 500, a connection error): none is retried."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    lm = LM(model, num_retries=3, backoff=60.0)  # a retry would wait a minute
    with pytest.raises(LMError) as info:
        lm.complete([{"role": "user", "content": "hi"}])
    message = str(info.value)
    assert f"no API key for this model: set `{variable}`" in message or f"`{variable}` in the environment" in message
    assert 'api_key_env: "NAME"' in message and "Traceback" not in message
    assert lm.usage.calls == 0
