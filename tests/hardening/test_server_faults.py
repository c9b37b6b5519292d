"""A server's fault is never an answer: malformed answers, endless trickles, huge bodies, echoed keys.

Each fault is an ``LMError`` naming what went wrong, never cached, never a
``ValueError``/``AttributeError``/``OverflowError`` crash, and never shows
the API key.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from lmc.runtime.errors import LMError
from lmc.runtime.lm import openai_compat
from lmc.runtime.lm.cache import Cache
from lmc.runtime.lm.client import LM
from tests.hardening.fault_server import FaultServer, body

HI = [{"role": "user", "content": "hi"}]
KEY = "sk-very-secret-0123456789"


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (body(content=42), "its content is int, not text"),
        (body(content=["a", "list"]), "its content is list, not text"),
        (body(content={"a": "dict"}), "its content is dict, not text"),
        (body(usage={"prompt_tokens": "abc"}), "a token count is 'abc'"),
        (body(usage={"prompt_tokens": 1e400}), "a token count is inf"),
        (body(usage={"completion_tokens": -3}), "a token count is -3"),
        (body(usage=[1, 2]), "its usage is list, not an object"),
        (body(logprobs={"content": "nonsense"}), "not a chat completion"),
        (b'{"choices": []}', "not a chat completion"),
        (b"not json at all", "not a chat completion"),
    ],
)
def test_a_malformed_answer_is_an_lm_error_and_is_not_cached(tmp_path, answer: bytes, why: str):
    cache = Cache(tmp_path)
    with FaultServer(lambda headers: (200, [answer], 0.0)) as server:
        lm = LM("openai/stub", api_base=server.api_base, cache=cache, num_retries=2)
        with pytest.raises(LMError, match="not a chat completion|malformed") as info:
            lm.complete(HI)
        assert why in str(info.value)
        assert server.count == 1, "a malformed answer is the server's verdict: not retried"
    assert len(cache) == 0


def test_a_trickling_server_cannot_hold_a_call_past_its_timeout():
    trickle = [b"{"] + [b" "] * 100  # one byte every 0.2 s: each read is quick, the whole is 20 s
    with FaultServer(lambda headers: (200, trickle, 0.2)) as server:
        lm = LM("openai/stub", api_base=server.api_base, timeout=1.0, num_retries=0)
        with pytest.raises(LMError, match=r"no whole answer within 1 s"):
            lm.complete(HI)


@pytest.mark.parametrize("accepts", [True, False], ids=["accepts-then-silent", "never-accepts"])
def test_a_silent_server_cannot_hold_a_call_past_its_timeout(accepts: bool):
    """The connection's socket blocks once open: the call's own deadline ends a wait for bytes that never come."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        held: list[socket.socket] = []
        if accepts:
            threading.Thread(target=lambda: held.append(listener.accept()[0]), daemon=True).start()
        lm = LM("openai/stub", api_base=f"http://127.0.0.1:{listener.getsockname()[1]}/v1", timeout=0.5, num_retries=0)
        started = time.monotonic()
        with pytest.raises(LMError, match=r"no whole answer within 0.5 s"):
            lm.complete(HI)
        assert time.monotonic() - started < 5
        for conn in held:
            conn.close()


def test_an_answer_over_the_cap_is_not_read(monkeypatch):
    monkeypatch.setattr(openai_compat, "MAX_ANSWER_BYTES", 1000)
    with FaultServer(lambda headers: (200, [body(content="x" * 5000)], 0.0)) as server:
        lm = LM("openai/stub", api_base=server.api_base, num_retries=3)
        with pytest.raises(LMError, match="answer is over"):
            lm.complete(HI)
        assert server.count == 1


def test_an_error_that_echoes_the_request_never_shows_the_key(monkeypatch):
    monkeypatch.setenv("LMC_TEST_FAULT_KEY", KEY)

    def echo(headers: dict[str, str]):
        error = {"error": {"message": f"bad request; headers were {json.dumps(headers)} key={KEY}"}}
        return 400, [json.dumps(error).encode()], 0.0

    with FaultServer(echo) as server:
        lm = LM("openai/stub", api_base=server.api_base, api_key_env="LMC_TEST_FAULT_KEY")
        with pytest.raises(LMError) as info:
            lm.complete(HI)
    message = str(info.value)
    assert "bad request" in message and KEY not in message and "Bearer [redacted]" in message
