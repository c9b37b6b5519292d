"""A module's own LM (ModuleSpec.lm), its extraction LM (two_step) and the settings its parts inherit."""

from __future__ import annotations

from typing import Any

from lmc.runtime.lm.client import DEFAULT_OPTIONS
from lmc.runtime.modules import part_specs
from lmc.runtime.program import Context
from lmc.runtime.signature import ModuleSpec, Params
from tests.scripted import ScriptedLM, chat_answer

from .samples import QA


class Named(ScriptedLM):
    """A scripted LM that makes copies of itself: each copy answers and records as the LM it names."""

    def __init__(self, answers: Any, model: str = "main", log: list[tuple[str, Any]] | None = None) -> None:
        super().__init__(answers, model)
        self.log = log if log is not None else []
        self.changes: dict[str, Any] = {}

    def replace(self, **changes: Any) -> Named:
        copy = Named(self._fn or self._queue, changes.get("model", self.model), self.log)
        copy.changes = {**self.changes, **changes}
        return copy

    def complete(self, messages: list[dict]) -> str:
        self.log.append((self.model, messages))
        return super().complete(messages)


def context(lm: Any, spec: ModuleSpec, params: Params | None = None) -> Context:
    return Context(lm=lm, params={spec.path: params or spec.start_params()}, modules={spec.path: spec})


def test_a_module_on_another_lm_starts_from_that_lms_defaults():
    spec = ModuleSpec("qa.a", "Predict", QA, lm={"model": "openai/strong", "temperature": 0.7})
    module = context(Named(lambda m: chat_answer(answer="x")), spec).module("qa.a")
    assert module.lm.model == "openai/strong"
    assert module.lm.changes == {**DEFAULT_OPTIONS, "model": "openai/strong", "temperature": 0.7}


def test_a_module_with_its_own_options_keeps_the_programs_lm():
    spec = ModuleSpec("qa.a", "Predict", QA, lm={"max_tokens": 9})
    module = context(Named(lambda m: chat_answer(answer="x")), spec).module("qa.a")
    assert (module.lm.model, module.lm.changes) == ("main", {"max_tokens": 9})
    plain = ModuleSpec("qa.b", "Predict", QA)
    lm = Named(lambda m: chat_answer(answer="x"))
    assert context(lm, plain).module("qa.b").lm is lm


def test_an_lm_that_cannot_change_answers_every_module():
    lm = ScriptedLM([chat_answer(answer="x")])
    spec = ModuleSpec("qa.a", "Predict", QA, lm={"model": "openai/strong"})
    assert context(lm, spec).module("qa.a").lm is lm


def test_two_step_extracts_with_the_extraction_lm():
    def answer(messages: list[dict]) -> str:
        if "Your job is to extract the fields" in messages[0]["content"]:
            return chat_answer(answer="Paris")
        return "The capital of France is Paris."

    log: list[tuple[str, Any]] = []
    spec = ModuleSpec("qa.a", "Predict", QA, adapter="two_step", extraction_lm={"model": "openai/small"})
    module = context(Named(answer, log=log), spec).module("qa.a")
    assert module(question="Capital of France?") == {"answer": "Paris"}
    assert [model for model, _ in log] == ["main", "openai/small"]
    assert log[0][1][-1]["content"] == "question: Capital of France?"
    assert log[1][1][-1]["content"].startswith("[[ ## text ## ]]\nThe capital of France is Paris.")


def test_two_step_without_an_extraction_lm_extracts_with_the_modules_own():
    log: list[tuple[str, Any]] = []
    answers = iter(["It is Paris.", "no markers at all", '{"answer": "Paris"}'])
    spec = ModuleSpec("qa.a", "Predict", QA, lm={"model": "openai/strong"}, adapter="two_step")
    module = context(Named(lambda m: next(answers), log=log), spec).module("qa.a")
    assert module(question="Capital of France?") == {"answer": "Paris"}  # chat, then the JSON fallback
    assert [model for model, _ in log] == ["openai/strong"] * 3


def test_a_kinds_further_predictors_take_the_modules_settings():
    spec = ModuleSpec("p.cmp", "MultiChainComparison", QA, {"m": 2}, lm={"max_tokens": 5}, adapter="xml")
    parts = part_specs({spec.path: spec})
    assert parts["p.cmp.attempt"].lm == {"max_tokens": 5} and parts["p.cmp.attempt"].adapter == "xml"
    assert parts["p.cmp.attempt"].start_params().adapter == "xml"


def test_replaceable_decides_as_the_protocol_check_does():
    from lmc.runtime.lm.client import LM
    from lmc.runtime.lm.protocol import Replaceable, replaceable

    class Plain:
        def complete(self, messages):
            return ""

    class Changes(Plain):
        def replace(self, **changes):
            return self

    class Unset(Plain):
        replace = None

    cases = [LM("openai/x", api_base="http://127.0.0.1:9/v1"), Plain(), Changes(), Unset(), None, object()]
    assert [replaceable(lm) for lm in cases] == [isinstance(lm, Replaceable) for lm in cases]
    assert [replaceable(lm) for lm in cases] == [True, False, True, False, False, False]
