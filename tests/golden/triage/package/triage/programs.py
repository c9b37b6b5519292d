"""Signatures, modules and one body function per program (sync and async)."""

from ._runtime.program import Context, Program
from ._runtime.signature import Field, ModuleSpec, Signature
from .types import Team, Urgency

ROUTE = Signature(
    name="Route",
    instructions="Choose the team that should handle a customer support ticket.",
    inputs=(Field("ticket", str),),
    outputs=(Field("team", Team),),
)

RATE = Signature(
    name="Rate",
    instructions="Rate how urgent a customer support ticket is.",
    inputs=(
        Field("ticket", str),
        Field("team", Team, "the team that handles it"),
    ),
    outputs=(Field("urgency", Urgency),),
)

SIGNATURES = {
    "Route": ROUTE,
    "Rate": RATE,
}

MODULES = {
    "triage.route": ModuleSpec("triage.route", "Predict", ROUTE),
    "triage.rate": ModuleSpec("triage.rate", "Predict", RATE),
}


def _triage(ctx: Context, *, ticket: str) -> object:
    route = ctx.module("triage.route")
    rate = ctx.module("triage.rate")
    team = route(ticket=ticket).team
    return {"team": team, "urgency": rate(ticket=ticket, team=team).urgency}


async def _atriage(ctx: Context, *, ticket: str) -> object:
    route = ctx.module("triage.route")
    rate = ctx.module("triage.rate")
    team = (await route.acall(ticket=ticket)).team
    return {
        "team": team,
        "urgency": (await rate.acall(ticket=ticket, team=team)).urgency,
    }


triage = Program(
    name="triage",
    inputs=(Field("ticket", str),),
    outputs=(
        Field("team", Team),
        Field("urgency", Urgency),
    ),
    module_paths=("triage.rate", "triage.route"),
    modules=MODULES,
    body=_triage,
    abody=_atriage,
)

PROGRAMS = {
    "triage": triage,
}
