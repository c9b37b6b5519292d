"""Choice scoring: values read from log-probabilities, biases, and the fallbacks to the parsed text."""

from __future__ import annotations

import asyncio
from typing import Literal

from lmc.runtime.choices import TokenLogprobs, choice_values, decide, parse_openai_logprobs, score_field
from lmc.runtime.modules import ChainOfThought, Predict, make_module
from lmc.runtime.signature import Field, ModuleSpec, Params, Signature
from lmc.runtime.trace import capture_trace
from tests.scripted import ScoredLM, ScriptedLM, chat_answer, scored_chat_answer

from .samples import YES_NO, Sentiment

MOOD = Signature("Mood", "Say the mood.", (Field("text", str),), (Field("sentiment", Sentiment, "the mood"),))


def module(lm, signature=MOOD, kind="Predict", **params):
    spec = ModuleSpec(path="prog.judge", kind=kind, signature=signature)
    return make_module(spec, Params(instructions=signature.instructions, **params), lm)


def test_choice_values_of_enums_literals_and_bools():
    assert choice_values(Sentiment) == ("positive", "negative", "neutral")
    assert choice_values(Literal["yes", "no"]) == ("yes", "no")
    assert choice_values(bool) == ("True", "False")
    assert choice_values(str) is None and choice_values(list[str]) is None


def test_score_field_reads_the_token_where_the_value_starts():
    text, tokens = scored_chat_answer("sentiment", {"positive": -0.2, "negative": -1.9, "neutral": -3.0})
    assert score_field(text, tokens, "sentiment", ("positive", "negative", "neutral")) == {
        "positive": -0.2,
        "negative": -1.9,
        "neutral": -3.0,
    }


def test_a_value_token_with_leading_space_and_a_missing_value_scoring_the_floor():
    tokens = (
        TokenLogprobs("[[ ## verdict ## ]]", ()),
        TokenLogprobs(" yes", ((" yes", -0.1), (" maybe", -2.5), ("```", -4.0))),
        TokenLogprobs("\n", ()),
    )
    text = "[[ ## verdict ## ]] yes\n"
    # `no` is not among the top tokens: it scores the lowest seen there, an upper bound of its own.
    assert score_field(text, tokens, "verdict", ("yes", "no")) == {"yes": -0.1, "no": -4.0}


def test_a_token_that_starts_two_values_tells_nothing():
    tokens = (TokenLogprobs("[[ ## grade ## ]]\n", ()), TokenLogprobs("very", (("very", -0.1), ("ok", -3.0))))
    scores = score_field("[[ ## grade ## ]]\nvery_good", tokens, "grade", ("very_good", "very_bad", "ok"))
    assert scores == {"very_good": -3.0, "very_bad": -3.0, "ok": -3.0}


def test_no_marker_or_no_value_token_gives_no_scores():
    text, tokens = scored_chat_answer("sentiment", {"positive": -0.1})
    assert score_field(text, tokens, "mood", ("positive", "negative")) is None
    tokens = (TokenLogprobs("[[ ## sentiment ## ]]\n", ()), TokenLogprobs("I", (("I", -0.1), ("The", -1.0))))
    assert score_field("[[ ## sentiment ## ]]\nI", tokens, "sentiment", ("positive", "negative")) is None


def test_decide_adds_the_bias_and_keeps_declared_order_on_ties():
    scores = {"positive": -0.3, "negative": -1.5}
    assert decide(scores, {}) == "positive"
    assert decide(scores, {"negative": 1.5}) == "negative"
    assert decide({"positive": -1.0, "negative": -1.0}, {}) == "positive"


def test_openai_shaped_logprobs_are_read_from_dicts():
    content = {
        "content": [
            {"token": "yes", "logprob": -0.1, "top_logprobs": [{"token": "yes", "logprob": -0.1}]},
            {"token": "\n", "logprob": -0.5, "top_logprobs": []},
        ]
    }
    assert parse_openai_logprobs(content) == (TokenLogprobs("yes", (("yes", -0.1),)), TokenLogprobs("\n", ()))
    assert parse_openai_logprobs(None) is None and parse_openai_logprobs({"content": None}) is None


def test_a_biased_module_answers_the_best_biased_value_and_records_the_scores():
    lm = ScoredLM(lambda messages: scored_chat_answer("sentiment", {"positive": -0.4, "negative": -1.2}))
    judge = module(lm, choice_bias={"sentiment": {"negative": 1.0}})
    with capture_trace() as trace:
        prediction = judge(text="Not a single wasted scene.")
    # The model wrote `positive`; with the learned bias `negative` wins (-1.2 + 1.0 > -0.4).
    assert prediction.sentiment is Sentiment.negative
    assert trace[0].outputs == {"sentiment": "negative"}
    assert trace[0].scores == {"sentiment": {"positive": -0.4, "negative": -1.2, "neutral": -1.2}}
    assert len(lm.scored_calls) == 1


def test_zero_bias_keeps_the_greedy_answer_and_async_agrees():
    lm = ScoredLM(lambda messages: scored_chat_answer("sentiment", {"positive": -0.4, "negative": -1.2}))
    judge = module(lm, choice_bias={"sentiment": {}})
    assert judge(text="x").sentiment is Sentiment.positive
    biased = module(lm, choice_bias={"sentiment": {"negative": 2.0}})
    assert asyncio.run(biased.acall(text="x")).sentiment is Sentiment.negative


def test_without_choice_bias_the_plain_request_is_sent():
    lm = ScoredLM(lambda messages: scored_chat_answer("sentiment", {"positive": -0.4, "negative": -1.2}))
    assert module(lm)(text="x").sentiment is Sentiment.positive
    assert lm.scored_calls == [] and len(lm.calls) == 1


def test_chain_of_thought_scores_the_value_after_its_reasoning():
    head = "[[ ## reasoning ## ]]\nIt hedges.\n\n[[ ## verdict ## ]]\n"
    tokens = (
        TokenLogprobs(head, ()),
        TokenLogprobs("yes", (("yes", -0.2), ("no", -0.9))),
        TokenLogprobs("\n\n[[ ## completed ## ]]", ()),
    )
    lm = ScoredLM(lambda messages: (head + "yes\n\n[[ ## completed ## ]]", tokens))
    step = module(lm, YES_NO, kind="ChainOfThought", choice_bias={"verdict": {"no": 0.8}})
    assert isinstance(step, ChainOfThought)
    prediction = step(claim="c", evidence="e")
    assert prediction.verdict == "no" and prediction.reasoning == "It hedges."


def test_an_unscorable_answer_keeps_its_parsed_value():
    text = chat_answer(sentiment="negative")
    tokens = (TokenLogprobs(text, ()),)  # one token for the whole answer: no alternatives at the value
    lm = ScoredLM(lambda messages: (text, tokens))
    judge = module(lm, choice_bias={"sentiment": {"positive": 5.0}})
    with capture_trace() as trace:
        assert judge(text="x").sentiment is Sentiment.negative
    assert trace[0].scores == {}


def test_a_json_adapter_module_is_never_scored():
    lm = ScriptedLM(['{"sentiment": "neutral"}'])
    judge = module(lm, adapter="json", choice_bias={"sentiment": {"positive": 5.0}})
    assert isinstance(judge, Predict) and judge.choice_bias == {}
    assert judge(text="x").sentiment is Sentiment.neutral


def test_choice_bias_round_trips_through_json_and_is_left_out_when_empty():
    params = Params(instructions="i", choice_bias={"sentiment": {"negative": 1.25}})
    assert Params.from_json(params.to_json()) == params
    assert "choice_bias" not in Params(instructions="i").to_json()
