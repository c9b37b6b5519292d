"""Test doubles that make an optimizer's behaviour fully observable.

``FakeModule`` stands in for a runtime module: it reads its parameters from
``ctx.params``, sends one request to ``ctx.lm`` (a JSON document holding the
path, instructions, demos and inputs), parses the JSON answer and records a
``TraceEntry`` like a real module. ``FakeLM`` decodes those requests, so a
test can answer from them and later assert exactly which demos each call saw.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lmc.data.datasets import Example
from lmc.runtime.errors import ProgramError
from lmc.runtime.program import Context, Program
from lmc.runtime.signature import Field, ModuleSpec, Params, Signature
from lmc.runtime.trace import Prediction, TraceEntry, record


@dataclass(frozen=True)
class Request:
    path: str
    instructions: str
    demos: tuple[dict[str, Any], ...]
    inputs: dict[str, Any]
    adapter: str = "chat"  # the module's Params.adapter (sent only when it is not chat)


class FakeModule:
    def __init__(self, ctx: Context, path: str, outputs: Sequence[str]) -> None:
        self.ctx = ctx
        self.path = path
        self.outputs = tuple(outputs)

    def __call__(self, **inputs: Any) -> Prediction:
        params = self.ctx.params[self.path]
        request = {
            "path": self.path,
            "instructions": params.instructions,
            "demos": [dict(d) for d in params.demos],
            "inputs": inputs,
        }
        if params.adapter != "chat":
            request["adapter"] = params.adapter
        text = self.ctx.lm.complete([{"role": "user", "content": json.dumps(request)}])
        try:
            outputs = json.loads(text)
        except json.JSONDecodeError:
            raise ProgramError(f"{self.path}: cannot parse {text!r}") from None
        if not isinstance(outputs, dict) or set(outputs) != set(self.outputs):
            raise ProgramError(f"{self.path}: expected fields {self.outputs}, got {text!r}")
        record(TraceEntry(self.path, dict(inputs), dict(outputs)))
        return Prediction(outputs)


Answer = Callable[[Request], "Mapping[str, Any] | str"]


class FakeLM:
    """The LM interface, answering ``answer(request)`` (a dict is sent as JSON, a str as is).

    Unlike ``ScriptedLM`` it answers outside its lock, so concurrent calls
    really overlap; ``requests`` lists every decoded request in arrival order.
    """

    def __init__(self, answer: Answer, name: str = "fake") -> None:
        self.model = name
        self._answer = answer
        self._lock = threading.Lock()
        self._requests: list[Request] = []

    def complete(self, messages: list[dict]) -> str:
        request = decode(messages)
        with self._lock:
            self._requests.append(request)
        value = self._answer(request)
        return value if isinstance(value, str) else json.dumps(value)

    async def acomplete(self, messages: list[dict]) -> str:
        return self.complete(messages)

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def __repr__(self) -> str:
        return f"FakeLM({self.model!r})"


def decode(messages: list[dict]) -> Request:
    data = json.loads(messages[-1]["content"])
    return Request(
        data["path"], data["instructions"], tuple(data["demos"]), data["inputs"], data.get("adapter", "chat")
    )


# ----------------------------------------------------------------- programs


def _spec(path: str, inputs: Sequence[str], outputs: Sequence[str]) -> ModuleSpec:
    signature = Signature(
        name=path.split(".")[-1].title(),
        instructions=f"Instructions of {path}.",
        inputs=tuple(Field(n) for n in inputs),
        outputs=tuple(Field(n) for n in outputs),
    )
    return ModuleSpec(path=path, kind="Predict", signature=signature)


def classify_program() -> Program:
    """``classify(sentence) -> (label)`` with one module, ``classify.judge``."""
    spec = _spec("classify.judge", ["sentence"], ["label"])

    def body(ctx: Context, *, sentence: str) -> Prediction:
        return FakeModule(ctx, spec.path, ["label"])(sentence=sentence)

    return Program(
        name="classify",
        inputs=(Field("sentence"),),
        outputs=(Field("label"),),
        module_paths=(spec.path,),
        modules={spec.path: spec},
        body=body,
    )


def pipeline_program() -> Program:
    """``pipe(question) -> (answer)``: ``pipe.draft`` writes a draft, ``pipe.finish`` answers from it."""
    draft = _spec("pipe.draft", ["question"], ["draft"])
    finish = _spec("pipe.finish", ["question", "draft"], ["answer"])

    def body(ctx: Context, *, question: str) -> dict[str, Any]:
        d = FakeModule(ctx, draft.path, ["draft"])(question=question).draft
        return {"answer": FakeModule(ctx, finish.path, ["answer"])(question=question, draft=d).answer}

    return Program(
        name="pipe",
        inputs=(Field("question"),),
        outputs=(Field("answer"),),
        module_paths=(draft.path, finish.path),
        modules={draft.path: draft, finish.path: finish},
        body=body,
    )


def loop_program(times: int = 3) -> Program:
    """``loop(sentence) -> (label)``: one module called ``times`` times per run (shared parameters)."""
    spec = _spec("loop.step", ["sentence", "turn"], ["label"])

    def body(ctx: Context, *, sentence: str) -> Prediction:
        step = FakeModule(ctx, spec.path, ["label"])
        result = None
        for turn in range(times):
            result = step(sentence=sentence, turn=turn)
        return result

    return Program(
        name="loop",
        inputs=(Field("sentence"),),
        outputs=(Field("label"),),
        module_paths=(spec.path,),
        modules={spec.path: spec},
        body=body,
    )


# --------------------------------------------------------------------- data


def label_of(i: int) -> str:
    return "positive" if i % 2 == 0 else "negative"


def sentences(n: int, prefix: str = "s") -> tuple[Example, ...]:
    """Examples ``{"sentence": "s0", "label": ...}`` with ``sentence`` as the input."""
    return tuple(Example({"sentence": f"{prefix}{i}", "label": label_of(i)}, {"sentence"}) for i in range(n))


def questions(n: int) -> tuple[Example, ...]:
    """Examples ``{"question": "q0", "label": ...}`` with ``question`` as the input."""
    return tuple(Example({"question": f"q{i}", "label": label_of(i)}, {"question"}) for i in range(n))


def index_of(sentence: str) -> int:
    return int(sentence.lstrip("abcdefghijklmnopqrstuvwxyz"))


def correct_label(sentence: str) -> str:
    return label_of(index_of(sentence))


def label_match(example: Example, outputs: Mapping[str, Any]) -> bool:
    return outputs["label"] == example["label"]


def default_params(program: Program) -> dict[str, Params]:
    return program.default_params()
