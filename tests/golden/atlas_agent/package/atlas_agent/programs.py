"""Signatures, modules and one body function per program (sync and async)."""

from ._ext import tools
from ._runtime.program import Context, Program
from ._runtime.signature import Field, ModuleSpec, Signature
from ._runtime.tools import Tool, ToolParam

ANSWER_FROM_ATLAS = Signature(
    name="AnswerFromAtlas",
    instructions=(
        "Answer questions about the countries of the atlas with a short factoid answer."
    ),
    inputs=(Field("question", str),),
    outputs=(Field("answer", str, "a name, or a whole number without separators"),),
)

SIGNATURES = {
    "AnswerFromAtlas": ANSWER_FROM_ATLAS,
}

MODULES = {
    "atlas.agent": ModuleSpec(
        "atlas.agent",
        "ReAct",
        ANSWER_FROM_ATLAS,
        {"tools": ["lookup", "calculate"], "max_iters": 4, "tool_timeout": 5.0},
    ),
}

TOOLS = {
    "lookup": Tool(
        "lookup",
        tools.lookup,
        params=(ToolParam("country", str),),
        desc=(
            "Return the atlas entry of one country: its capital, population and "
            "language."
        ),
        returns=str,
    ),
    "calculate": Tool(
        "calculate",
        tools.calculate,
        params=(ToolParam("expression", str),),
        desc="Evaluate an arithmetic expression such as 412000 + 95000.",
        returns=float,
    ),
}


def _atlas(ctx: Context, *, question: str) -> object:
    agent = ctx.module("atlas.agent")
    return agent(question=question)


async def _aatlas(ctx: Context, *, question: str) -> object:
    agent = ctx.module("atlas.agent")
    return await agent.acall(question=question)


atlas = Program(
    name="atlas",
    inputs=(Field("question", str),),
    outputs=(Field("answer", str),),
    module_paths=("atlas.agent", "atlas.agent.extract"),
    modules=MODULES,
    body=_atlas,
    abody=_aatlas,
    tools=TOOLS,
)

PROGRAMS = {
    "atlas": atlas,
}
