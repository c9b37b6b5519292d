"""Signatures, modules and one body function per program (sync and async)."""

from ._runtime.program import Context, Program
from ._runtime.signature import Field, ModuleSpec, Signature
from .types import Job

EXTRACT_JOB = Signature(
    name="ExtractJob",
    instructions="Extract the job described in the advertisement.",
    inputs=(Field("text", str, "a short job advertisement"),),
    outputs=(Field("job", Job),),
)

SIGNATURES = {
    "ExtractJob": EXTRACT_JOB,
}

MODULES = {
    "extract.read": ModuleSpec("extract.read", "Predict", EXTRACT_JOB),
}


def _extract(ctx: Context, *, text: str) -> object:
    read = ctx.module("extract.read")
    return read(text=text)


async def _aextract(ctx: Context, *, text: str) -> object:
    read = ctx.module("extract.read")
    return await read.acall(text=text)


extract = Program(
    name="extract",
    inputs=(Field("text", str),),
    outputs=(Field("job", Job),),
    module_paths=("extract.read",),
    modules=MODULES,
    body=_extract,
    abody=_aextract,
)

PROGRAMS = {
    "extract": extract,
}
