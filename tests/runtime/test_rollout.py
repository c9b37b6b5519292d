"""Rollouts through the real LM client: temperature 1.0, one cache entry per rollout id, nothing sent extra."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from lmc.runtime.lm.cache import Cache
from lmc.runtime.lm.client import LM
from lmc.runtime.lm.rollout import current_rollout, rollout

from .stub_server import StubServer

KEY_ENV = "LMC_TEST_STUB_KEY"
HELLO = [{"role": "user", "content": "Say hello."}]


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-test-not-a-real-key")
    numbers = itertools.count()
    with StubServer(answer=lambda body: f"sample {next(numbers)}") as stub:
        yield stub


def stub_lm(server, **options) -> LM:
    return LM("openai/stub-model", api_base=server.api_base, api_key_env=KEY_ENV, backoff=0.01, **options)


def test_a_rollout_samples_at_temperature_one_and_sends_no_rollout_id(server):
    lm = stub_lm(server, temperature=0.0)
    lm.complete(HELLO)
    with rollout(3):
        assert lm.request(HELLO)["temperature"] == 1.0
        lm.complete(HELLO)
    assert lm.request(HELLO)["temperature"] == 0.0
    first, second = (r.body for r in server.requests)
    assert first["temperature"] == 0.0 and second["temperature"] == 1.0
    assert not any("rollout" in key for key in second)


def test_each_rollout_has_its_own_cache_entry(server, tmp_path):
    lm = stub_lm(server, temperature=0.0, cache=Cache(tmp_path))
    plain = lm.complete(HELLO)
    samples = []
    for i in (0, 1, 0, 1):
        with rollout(i):
            samples.append(lm.complete(HELLO))
    assert plain == "sample 0"
    assert samples == ["sample 1", "sample 2", "sample 1", "sample 2"]
    assert server.count == 3 and lm.usage.cache_hits == 2
    assert lm.complete(HELLO) == plain  # the ordinary entry is untouched


def test_the_rollout_follows_async_calls_and_ends_with_its_block(server):
    lm = stub_lm(server)

    async def sample() -> str:
        with rollout(7):
            assert current_rollout() == 7
            return await lm.acomplete(HELLO)

    asyncio.run(sample())
    assert current_rollout() is None
    assert server.requests[0].body["temperature"] == 1.0
