"""``LM`` against a loopback OpenAI-compatible server: requests, retries, errors, cache, usage."""

from __future__ import annotations

import asyncio
import time

import pytest

from lmc.runtime.errors import LMError
from lmc.runtime.lm.cache import Cache
from lmc.runtime.lm.client import LM

from .stub_server import StubServer

KEY_ENV = "LMC_TEST_STUB_KEY"
SECRET = "sk-test-not-a-real-key"
HELLO = [{"role": "user", "content": "Say hello."}]


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv(KEY_ENV, SECRET)
    with StubServer(answer=lambda body: f"echo: {body['messages'][-1]['content']}") as stub:
        yield stub


def stub_lm(server, **options) -> LM:
    options.setdefault("backoff", 0.01)
    return LM("openai/stub-model", api_base=server.api_base, api_key_env=KEY_ENV, **options)


def test_complete_sends_the_request_and_counts_usage(server):
    lm = stub_lm(server, temperature=0.0, max_tokens=32, stop=["\n\n"])
    assert lm.complete(HELLO) == "echo: Say hello."
    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.body["model"] == "stub-model" and request.body["messages"] == HELLO
    assert request.body["temperature"] == 0.0 and request.body["max_tokens"] == 32
    assert request.body["stop"] == ["\n\n"]
    assert request.headers["Authorization"] == f"Bearer {SECRET}"
    usage = lm.usage
    assert (usage.calls, usage.cache_hits, usage.prompt_tokens, usage.completion_tokens) == (1, 0, 11, 7)
    assert SECRET not in repr(lm) and SECRET not in str(vars(lm))


def test_answers_cut_at_max_tokens_are_counted(server):
    lm = stub_lm(server, max_tokens=4)
    lm.complete(HELLO)
    server.finish_reason = "length"
    lm.complete([{"role": "user", "content": "Say more."}])
    assert (lm.usage.calls, lm.usage.truncated) == (2, 1)


def test_transient_errors_are_retried_with_backoff(server):
    server.fail(429, times=1)
    server.fail(503, times=1)
    lm = stub_lm(server, backoff=0.05)
    start = time.perf_counter()
    assert lm.complete(HELLO) == "echo: Say hello."
    elapsed = time.perf_counter() - start
    assert server.count == 3
    # Jittered delays of at least half of 0.05 s, then half of 0.10 s.
    assert elapsed >= 0.075
    assert lm.usage.calls == 1


def test_retry_after_header_is_honoured(server):
    server.fail(429, times=1, headers={"Retry-After": "0.3"})
    start = time.perf_counter()
    stub_lm(server, max_backoff=1.0).complete(HELLO)
    assert time.perf_counter() - start >= 0.3
    assert server.count == 2


def test_retries_are_bounded(server):
    server.fail(500, times=10)
    with pytest.raises(LMError, match=r"gave up after 3 attempt\(s\).*HTTP 500") as info:
        stub_lm(server, num_retries=2).complete(HELLO)
    assert info.value.attempts == 3 and server.count == 3


def test_auth_error_fails_fast(server):
    server.fail(401, times=5)
    with pytest.raises(LMError, match=r"request failed: AuthenticationError \(HTTP 401\)"):
        stub_lm(server).complete(HELLO)
    assert server.count == 1


def test_missing_credentials_are_not_retried(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    lm = LM("openai/gpt-4o-mini", num_retries=3, backoff=5.0)
    with pytest.raises(LMError) as caught:
        lm.complete(HELLO)
    assert caught.value.attempts == 1 and "credentials" in str(caught.value).lower()


def test_missing_key_variable_fails_before_any_request(server, monkeypatch):
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(LMError, match=f"environment variable `{KEY_ENV}`"):
        stub_lm(server).complete(HELLO)
    assert server.count == 0


def test_unknown_provider_fails_fast():
    with pytest.raises(LMError, match="request failed"):
        LM("no-such-provider/some-model", num_retries=3, backoff=5.0).complete(HELLO)


def test_async_complete_retries_too(server):
    server.fail(429, times=2)
    lm = stub_lm(server)
    assert asyncio.run(lm.acomplete(HELLO)) == "echo: Say hello."
    assert server.count == 3 and lm.usage.calls == 1


def test_cache_answers_identical_requests_without_a_call(server, tmp_path, monkeypatch):
    cache = Cache(tmp_path)
    lm = stub_lm(server, temperature=0.0, cache=cache)
    first = lm.complete(HELLO)
    assert lm.complete(HELLO) == first
    assert server.count == 1
    assert (lm.usage.calls, lm.usage.cache_hits) == (2, 1)

    # The key holds no secret: a different key in the environment still hits the cache...
    monkeypatch.setenv(KEY_ENV, "sk-another-key")
    assert stub_lm(server, temperature=0.0, cache=cache).complete(HELLO) == first
    assert server.count == 1
    # ...and the secret is nowhere in the cache file.
    cache.close()
    assert SECRET.encode() not in b"".join(p.read_bytes() for p in tmp_path.iterdir())

    # A different option is a different request.
    stub_lm(server, temperature=0.7, cache=cache).complete(HELLO)
    assert server.count == 2
    stub_lm(server, temperature=0.0, cache=cache).complete([{"role": "user", "content": "Other."}])
    assert server.count == 3


def test_cache_key_covers_the_request_but_no_secret(server):
    lm = stub_lm(server, temperature=0.0)
    request = lm.request(HELLO)
    assert request == {
        "model": "openai/stub-model",
        "messages": HELLO,
        "temperature": 0.0,
        "api_base": server.api_base,
    }
    assert Cache.key(request) != Cache.key(lm.replace(temperature=1.0).request(HELLO))
    assert Cache.key(request) == Cache.key(dict(reversed(list(request.items()))))


def test_failed_calls_are_not_cached(server, tmp_path):
    cache = Cache(tmp_path)
    server.fail(401)
    with pytest.raises(LMError):
        stub_lm(server, cache=cache).complete(HELLO)
    assert len(cache) == 0
    stub_lm(server, cache=cache).complete(HELLO)
    assert len(cache) == 1


def test_replace_keeps_options_and_rejects_unknown():
    lm = LM("openai/x", temperature=0.0, max_tokens=10)
    hotter = lm.replace(temperature=0.9)
    assert (hotter.model, hotter.temperature, hotter.max_tokens) == ("openai/x", 0.9, 10)
    with pytest.raises(TypeError, match="temprature"):
        lm.replace(temprature=1.0)
