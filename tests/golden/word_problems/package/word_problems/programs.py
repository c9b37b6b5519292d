"""Signatures, modules and one body function per program (sync and async)."""

from ._runtime.program import Context, Program
from ._runtime.signature import Field, ModuleSpec, Signature

SOLVE = Signature(
    name="Solve",
    instructions="Solve the arithmetic word problem. The answer is a whole number.",
    inputs=(Field("question", str, "a short word problem"),),
    outputs=(Field("answer", int, "the number that answers the question"),),
)

SIGNATURES = {
    "Solve": SOLVE,
}

MODULES = {
    "solve.pot": ModuleSpec("solve.pot", "ProgramOfThought", SOLVE, {"max_iters": 3}),
}


def _solve(ctx: Context, *, question: str) -> object:
    pot = ctx.module("solve.pot")
    return pot(question=question)


async def _asolve(ctx: Context, *, question: str) -> object:
    pot = ctx.module("solve.pot")
    return await pot.acall(question=question)


solve = Program(
    name="solve",
    inputs=(Field("question", str),),
    outputs=(Field("answer", int),),
    module_paths=("solve.pot",),
    modules=MODULES,
    body=_solve,
    abody=_asolve,
)

PROGRAMS = {
    "solve": solve,
}
