"""Signatures, modules and one body function per program (sync and async)."""

from ._runtime.program import Context, Program
from ._runtime.signature import Field, ModuleSpec, Signature
from .types import Sentiment

CLASSIFY = Signature(
    name="Classify",
    instructions=(
        "Classify the sentiment of a sentence from a movie review.\n"
        "Answer positive if the writer liked the film and negative if they did "
        "not.\n"
        'Read negations carefully: "not bad at all" is positive.'
    ),
    inputs=(Field("sentence", str, "one sentence from a movie review"),),
    outputs=(
        Field(
            "sentiment", Sentiment, "the opinion the sentence expresses about the film"
        ),
    ),
)

SIGNATURES = {
    "Classify": CLASSIFY,
}

MODULES = {
    "classify.judge": ModuleSpec("classify.judge", "Predict", CLASSIFY),
}


def _classify(ctx: Context, *, sentence: str) -> object:
    judge = ctx.module("classify.judge")
    return judge(sentence=sentence)


async def _aclassify(ctx: Context, *, sentence: str) -> object:
    judge = ctx.module("classify.judge")
    return await judge.acall(sentence=sentence)


classify = Program(
    name="classify",
    inputs=(Field("sentence", str),),
    outputs=(Field("sentiment", Sentiment),),
    module_paths=("classify.judge",),
    modules=MODULES,
    body=_classify,
    abody=_aclassify,
)

PROGRAMS = {
    "classify": classify,
}
