"""Signatures, modules and one body function per program (sync and async)."""

from ._ext import rewards
from ._runtime.program import Context, Program
from ._runtime.signature import Field, ModuleSpec, Signature

CAPITAL = Signature(
    name="Capital",
    instructions="Name the capital city of the country.",
    inputs=(Field("country", str),),
    outputs=(Field("capital", str, "the city's name only"),),
)

SIGNATURES = {
    "Capital": CAPITAL,
}

MODULES = {
    "best_of.pick": ModuleSpec(
        "best_of.pick",
        "BestOfN",
        CAPITAL,
        {"n": 3, "reward": "brief", "threshold": 1.0},
    ),
    "refined.polish": ModuleSpec(
        "refined.polish",
        "Refine",
        CAPITAL,
        {"n": 2, "reward": "brief", "threshold": 1.0},
    ),
    "compared.cmp": ModuleSpec(
        "compared.cmp", "MultiChainComparison", CAPITAL, {"m": 3}
    ),
}

METRICS = {
    "brief": rewards.brief,
}


def _best_of(ctx: Context, *, country: str) -> object:
    pick = ctx.module("best_of.pick")
    return pick(country=country)


async def _abest_of(ctx: Context, *, country: str) -> object:
    pick = ctx.module("best_of.pick")
    return await pick.acall(country=country)


best_of = Program(
    name="best_of",
    inputs=(Field("country", str),),
    outputs=(Field("capital", str),),
    module_paths=("best_of.pick",),
    modules=MODULES,
    body=_best_of,
    abody=_abest_of,
    metrics=METRICS,
)


def _refined(ctx: Context, *, country: str) -> object:
    polish = ctx.module("refined.polish")
    return polish(country=country)


async def _arefined(ctx: Context, *, country: str) -> object:
    polish = ctx.module("refined.polish")
    return await polish.acall(country=country)


refined = Program(
    name="refined",
    inputs=(Field("country", str),),
    outputs=(Field("capital", str),),
    module_paths=("refined.polish",),
    modules=MODULES,
    body=_refined,
    abody=_arefined,
    metrics=METRICS,
)


def _compared(ctx: Context, *, country: str) -> object:
    cmp = ctx.module("compared.cmp")
    return cmp(country=country)


async def _acompared(ctx: Context, *, country: str) -> object:
    cmp = ctx.module("compared.cmp")
    return await cmp.acall(country=country)


compared = Program(
    name="compared",
    inputs=(Field("country", str),),
    outputs=(Field("capital", str),),
    module_paths=("compared.cmp", "compared.cmp.attempt"),
    modules=MODULES,
    body=_compared,
    abody=_acompared,
    metrics=METRICS,
)

PROGRAMS = {
    "best_of": best_of,
    "refined": refined,
    "compared": compared,
}
