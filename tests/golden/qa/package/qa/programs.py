"""Signatures, modules and one body function per program (sync and async)."""

from typing import Literal

from ._runtime.program import Context, Program
from ._runtime.signature import Field, ModuleSpec, Signature
from .types import Fact

QA = Signature(
    name="QA",
    instructions="Given the fields `question`, produce the fields `answer`.",
    inputs=(Field("question", str),),
    outputs=(Field("answer", str),),
)

CHECK = Signature(
    name="Check",
    instructions=(
        "Judge whether a statement of general knowledge is true.\n"
        "Say unsure when the statement is about something nobody could look up."
    ),
    inputs=(Field("statement", str),),
    outputs=(
        Field("verdict", Literal["true", "false", "unsure"]),
        Field("fact", Fact),
    ),
)

SIGNATURES = {
    "QA": QA,
    "Check": CHECK,
}

MODULES = {
    "ask.think": ModuleSpec("ask.think", "ChainOfThought", QA),
    "check.judge": ModuleSpec("check.judge", "Predict", CHECK),
}


def _ask(ctx: Context, *, question: str) -> object:
    think = ctx.module("ask.think")
    return think(question=question)


async def _aask(ctx: Context, *, question: str) -> object:
    think = ctx.module("ask.think")
    return await think.acall(question=question)


ask = Program(
    name="ask",
    inputs=(Field("question", str),),
    outputs=(Field("answer", str),),
    module_paths=("ask.think",),
    modules=MODULES,
    body=_ask,
    abody=_aask,
)


def _check(ctx: Context, *, statement: str) -> object:
    judge = ctx.module("check.judge")
    return judge(statement=statement)


async def _acheck(ctx: Context, *, statement: str) -> object:
    judge = ctx.module("check.judge")
    return await judge.acall(statement=statement)


check = Program(
    name="check",
    inputs=(Field("statement", str),),
    outputs=(
        Field("verdict", Literal["true", "false", "unsure"]),
        Field("fact", Fact),
    ),
    module_paths=("check.judge",),
    modules=MODULES,
    body=_check,
    abody=_acheck,
)

PROGRAMS = {
    "ask": ask,
    "check": check,
}
