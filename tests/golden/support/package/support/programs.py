"""Signatures, modules and one body function per program (sync and async)."""

from ._runtime.program import Context, Program
from ._runtime.signature import Field, ModuleSpec, Signature
from .types import Route

SUMMARIZE = Signature(
    name="Summarize",
    instructions="Summarize a customer's support email in one short sentence.",
    inputs=(Field("email", str),),
    outputs=(Field("summary", str, "one sentence, at most 20 words"),),
)

LABEL = Signature(
    name="Label",
    instructions=(
        "Route a support email to the team that handles it: billing for "
        "payments,\n"
        "invoices and refunds; tech for bugs, crashes and log-in trouble; other "
        "for the rest."
    ),
    inputs=(
        Field("email", str),
        Field("summary", str),
    ),
    outputs=(Field("route", Route),),
)

SIGNATURES = {
    "Summarize": SUMMARIZE,
    "Label": LABEL,
}

MODULES = {
    "triage.summarize": ModuleSpec(
        "triage.summarize", "Predict", SUMMARIZE, lm={"max_tokens": 64}
    ),
    "triage.label": ModuleSpec(
        "triage.label",
        "Predict",
        LABEL,
        lm={"model": "local/smollm2", "temperature": 0.0, "max_tokens": 48},
        adapter="json",
    ),
}


def _triage(ctx: Context, *, email: str) -> object:
    summarize = ctx.module("triage.summarize")
    label = ctx.module("triage.label")
    s = summarize(email=email).summary
    r = label(email=email, summary=s)
    return {"route": r.route, "summary": s}


async def _atriage(ctx: Context, *, email: str) -> object:
    summarize = ctx.module("triage.summarize")
    label = ctx.module("triage.label")
    s = (await summarize.acall(email=email)).summary
    r = await label.acall(email=email, summary=s)
    return {"route": r.route, "summary": s}


triage = Program(
    name="triage",
    inputs=(Field("email", str),),
    outputs=(
        Field("route", Route),
        Field("summary", str),
    ),
    module_paths=("triage.label", "triage.summarize"),
    modules=MODULES,
    body=_triage,
    abody=_atriage,
)

PROGRAMS = {
    "triage": triage,
}
