"""Predict and ChainOfThought: prompts sent, typed outputs, the JSON fallback, errors and traces."""

from __future__ import annotations

import asyncio
import json

import pytest

from lmc.runtime.errors import LMError, ParseError, ProgramError
from lmc.runtime.modules import ChainOfThought, Predict, make_module
from lmc.runtime.program import Program
from lmc.runtime.signature import Field, ModuleSpec, Params
from lmc.runtime.trace import Prediction
from tests.scripted import ScriptedLM, chat_answer

from .samples import QA, REVIEW, YES_NO, Citation, Sentiment


def module(lm, signature=QA, kind="Predict", path="prog.step", **params):
    spec = ModuleSpec(path=path, kind=kind, signature=signature)
    return make_module(spec, Params(instructions=params.pop("instructions", signature.instructions), **params), lm)


REVIEW_ANSWER = chat_answer(
    stars="4",
    confidence="0.8",
    keywords='["warm", "funny"]',
    sentiment="positive",
    source='{"title": "Reel", "year": 2020}',
)


def test_predict_returns_typed_prediction():
    lm = ScriptedLM([REVIEW_ANSWER])
    prediction = module(lm, REVIEW)(review="Warm and funny.", aspects=["tone"])
    assert isinstance(prediction, Prediction)
    assert prediction.stars == 4 and prediction.confidence == 0.8
    assert prediction.sentiment is Sentiment.positive
    assert prediction.source == Citation(title="Reel", year=2020)
    assert len(lm.calls) == 1


def test_prompt_uses_params_instructions_and_demos():
    lm = ScriptedLM([chat_answer(answer="Paris")])
    step = module(lm, instructions="Answer tersely.", demos=({"question": "1+1?", "answer": "2"},))
    step(question="Capital of France?")
    system, demo_user, demo_answer, user = lm.calls[0]
    assert system["content"].endswith("your objective is: \n        Answer tersely.")
    assert demo_user["content"] == "[[ ## question ## ]]\n1+1?"
    assert demo_answer["content"] == "[[ ## answer ## ]]\n2\n\n[[ ## completed ## ]]\n"
    assert user["content"].startswith("[[ ## question ## ]]\nCapital of France?\n\nRespond with")
    assert step.messages({"question": "Capital of France?"}) == lm.calls[0]


def test_chain_of_thought_adds_reasoning_first():
    lm = ScriptedLM([chat_answer(reasoning="Paris is the capital.", answer="Paris")])
    step = module(lm, kind="ChainOfThought")
    assert isinstance(step, ChainOfThought)
    assert [f.name for f in step.signature.outputs] == ["reasoning", "answer"]
    prediction = step(question="Capital of France?")
    assert prediction == {"reasoning": "Paris is the capital.", "answer": "Paris"}
    assert "1. `reasoning` (str): \n2. `answer` (str):" in lm.calls[0][0]["content"]
    assert "starting with the field `[[ ## reasoning ## ]]`, then `[[ ## answer ## ]]`" in lm.calls[0][-1]["content"]


def test_chain_of_thought_rejects_a_reasoning_field():
    sig = QA.prepend_output(Field("reasoning"))
    with pytest.raises(ProgramError, match="already has a field `reasoning`"):
        module(ScriptedLM([]), sig, kind="ChainOfThought")


def test_unparseable_chat_answer_falls_back_to_json_once():
    lm = ScriptedLM(["The answer is Paris.", '{"answer": "Paris"}'])
    assert module(lm)(question="Capital of France?") == {"answer": "Paris"}
    assert len(lm.calls) == 2
    json_request = lm.calls[1]
    assert "Outputs will be a JSON object with the following fields." in json_request[0]["content"]
    assert json_request[-1]["content"].endswith(
        "Respond with a JSON object in the following order of fields: `answer`."
    )


def test_bad_typed_value_also_falls_back():
    lm = ScriptedLM([chat_answer(verdict="perhaps"), '{"verdict": "no"}'])
    assert module(lm, YES_NO)(claim="c", evidence="e") == {"verdict": "no"}
    assert len(lm.calls) == 2


def test_parse_error_carries_path_and_raw_texts():
    raw = ["I think it is Paris.", "Definitely Paris!"]
    lm = ScriptedLM(list(raw))
    with pytest.raises(ParseError) as info:
        module(lm, path="geo.capital")(question="Capital of France?")
    error = info.value
    assert isinstance(error, ProgramError)
    assert error.path == "geo.capital" and error.raw == tuple(raw)
    assert [f.adapter for f in error.failures] == ["ChatAdapter", "JSONAdapter"]
    message = str(error)
    assert message.startswith("module `geo.capital` could not parse the LM's answer")
    assert all(text in message for text in raw) and "`answer`" in message
    assert len(lm.calls) == 2


def test_json_params_adapter_has_no_fallback():
    lm = ScriptedLM(["not json"])
    with pytest.raises(ParseError) as info:
        module(lm, adapter="json")(question="q")
    assert len(lm.calls) == 1 and info.value.raw == ("not json",)
    assert "Outputs will be a JSON object" in lm.calls[0][0]["content"]


def test_lm_errors_propagate_unchanged():
    class DownLM:
        def complete(self, messages):
            raise LMError("down/model", "gave up after 4 attempt(s)")

    with pytest.raises(LMError, match="down/model"):
        module(DownLM())(question="q")


def test_unknown_kind_and_options_and_inputs():
    with pytest.raises(ProgramError, match="kind `TreeOfThought` is not supported by this runtime"):
        module(ScriptedLM([]), kind="TreeOfThought")
    spec = ModuleSpec(path="p.m", kind="Predict", signature=QA, options={"n": 3})
    with pytest.raises(ProgramError, match="Predict takes no options"):
        make_module(spec, Params(instructions="x"), ScriptedLM([]))
    with pytest.raises(ProgramError, match="unknown input\\(s\\) `query`"):
        module(ScriptedLM([]))(query="q")


def test_async_call_matches_sync():
    sync_lm = ScriptedLM(["oops", '{"answer": "Paris"}'])
    async_lm = ScriptedLM(["oops", '{"answer": "Paris"}'])
    expected = module(sync_lm)(question="q")
    assert asyncio.run(module(async_lm).acall(question="q")) == expected
    assert async_lm.calls == sync_lm.calls


def test_program_run_records_jsonable_trace():
    specs = {
        "review.judge": ModuleSpec(path="review.judge", kind="Predict", signature=REVIEW),
        "review.explain": ModuleSpec(path="review.explain", kind="ChainOfThought", signature=QA),
    }

    def body(ctx, review):
        judged = ctx.module("review.judge")(review=review, aspects=["tone"])
        explained = ctx.module("review.explain")(question=f"Why {judged.sentiment.value}?")
        return {"sentiment": judged.sentiment, "why": explained.answer}

    program = Program(
        name="review",
        inputs=(Field("review"),),
        outputs=(Field("sentiment", Sentiment), Field("why")),
        module_paths=tuple(specs),
        modules=specs,
        body=body,
    )
    lm = ScriptedLM([REVIEW_ANSWER, chat_answer(reasoning="It says warm.", answer="Warm words.")])
    run = program.run({"review": "Warm and funny."}, lm=lm, params=program.default_params())
    assert run.outputs == {"sentiment": Sentiment.positive, "why": "Warm words."}
    assert [t.path for t in run.trace] == ["review.judge", "review.explain"]
    judge = run.trace[0]
    assert judge.inputs == {"review": "Warm and funny.", "aspects": ["tone"]}
    assert judge.outputs == {
        "stars": 4,
        "confidence": 0.8,
        "keywords": ["warm", "funny"],
        "sentiment": "positive",
        "source": {"title": "Reel", "year": 2020},
    }
    assert run.trace[1].outputs == {"reasoning": "It says warm.", "answer": "Warm words."}
    json.dumps([t.inputs for t in run.trace] + [t.outputs for t in run.trace])  # plain JSON values only


def test_trace_outputs_replay_as_demos():
    """A traced call, used as a demo, renders the very values the LM gave."""
    lm = ScriptedLM([REVIEW_ANSWER])
    spec = {"p.judge": ModuleSpec(path="p.judge", kind="Predict", signature=REVIEW)}
    program = Program(
        name="p",
        inputs=(Field("review"),),
        outputs=tuple(REVIEW.outputs),
        module_paths=("p.judge",),
        modules=spec,
        body=lambda ctx, review: ctx.module("p.judge")(review=review, aspects=["tone"]),
    )
    run = program.run({"review": "Warm."}, lm=lm, params=program.default_params())
    demo = {**run.trace[0].inputs, **run.trace[0].outputs}
    replay = ScriptedLM([REVIEW_ANSWER])
    module(replay, REVIEW, demos=(demo,))(review="Another.", aspects=[])
    assert replay.calls[0][2]["content"] == REVIEW_ANSWER + "\n"


def test_predict_is_the_default_kind_class():
    assert type(module(ScriptedLM([]))) is Predict


def test_errors_survive_pickling():
    """Optimizers may run examples in worker processes; their errors must come back intact."""
    import pickle

    lm = ScriptedLM(["nope", "still nope"])
    with pytest.raises(ParseError) as info:
        module(lm, path="p.m")(question="q")
    parse_error = info.value
    copy = pickle.loads(pickle.dumps(parse_error))
    assert (type(copy), str(copy), copy.path, copy.raw) == (ParseError, str(parse_error), "p.m", parse_error.raw)
    assert [vars(f) for f in copy.failures] == [vars(f) for f in parse_error.failures]
    lm_error = LMError("m/x", "gave up", attempts=4)
    copy = pickle.loads(pickle.dumps(lm_error))
    assert (type(copy), str(copy), vars(copy)) == (LMError, str(lm_error), vars(lm_error))
