"""Signatures, modules and one body function per program (sync and async)."""

from pathlib import Path
from typing import Any

from ._ext import tools
from ._runtime import builtins
from ._runtime.program import Context, Program
from ._runtime.retrieve import BM25Retriever
from ._runtime.signature import Field, ModuleSpec, Signature
from ._runtime.tools import Tool, ToolParam

DATA_DIR = Path(__file__).parent / "data"

GENERATE_QUERY = Signature(
    name="GenerateQuery",
    instructions="Write a simple search query that will help answer a complex question.",
    inputs=(
        Field("context", list[str], "may contain relevant facts"),
        Field("question", str),
    ),
    outputs=(Field("query", str),),
)

GENERATE_ANSWER = Signature(
    name="GenerateAnswer",
    instructions="Answer questions with short factoid answers.",
    inputs=(
        Field("context", list[str], "may contain relevant facts"),
        Field("question", str),
    ),
    outputs=(Field("answer", str, "often between 1 and 5 words"),),
)

SIGNATURES = {
    "GenerateQuery": GENERATE_QUERY,
    "GenerateAnswer": GENERATE_ANSWER,
}

MODULES = {
    "multihop.hop": ModuleSpec("multihop.hop", "ChainOfThought", GENERATE_QUERY),
    "multihop.respond": ModuleSpec(
        "multihop.respond", "ChainOfThought", GENERATE_ANSWER
    ),
    "lookup_answer.respond": ModuleSpec(
        "lookup_answer.respond", "ChainOfThought", GENERATE_ANSWER
    ),
}

TOOLS = {
    "lookup": Tool(
        "lookup",
        tools.lookup,
        params=(ToolParam("title", str),),
        desc="Return the passage with this exact title.",
        returns=str,
    ),
}

RETRIEVERS = {
    "wiki": BM25Retriever(
        DATA_DIR / "wiki.bm25", DATA_DIR / "corpus.jsonl", text_field="text", k=3
    ),
}


def _multihop(ctx: Context, *, question: str) -> object:
    hop = ctx.module("multihop.hop")
    respond = ctx.module("multihop.respond")
    context: list[Any] = []
    for _ in range(2):
        q = hop(context=context, question=question).query
        context = builtins.unique(context + ctx.retriever("wiki")(q))
    return respond(context=context, question=question)


async def _amultihop(ctx: Context, *, question: str) -> object:
    hop = ctx.module("multihop.hop")
    respond = ctx.module("multihop.respond")
    context: list[Any] = []
    for _ in range(2):
        q = (await hop.acall(context=context, question=question)).query
        context = builtins.unique(context + ctx.retriever("wiki")(q))
    return await respond.acall(context=context, question=question)


multihop = Program(
    name="multihop",
    inputs=(Field("question", str),),
    outputs=(Field("answer", str),),
    module_paths=("multihop.hop", "multihop.respond"),
    modules=MODULES,
    body=_multihop,
    abody=_amultihop,
    tools=TOOLS,
    retrievers=RETRIEVERS,
)


def _lookup_answer(ctx: Context, *, question: str, title: str) -> object:
    respond = ctx.module("lookup_answer.respond")
    return respond(context=[ctx.tool("lookup")(title=title)], question=question)


async def _alookup_answer(ctx: Context, *, question: str, title: str) -> object:
    respond = ctx.module("lookup_answer.respond")
    return await respond.acall(
        context=[ctx.tool("lookup")(title=title)], question=question
    )


lookup_answer = Program(
    name="lookup_answer",
    inputs=(
        Field("question", str),
        Field("title", str),
    ),
    outputs=(Field("answer", str),),
    module_paths=("lookup_answer.respond",),
    modules=MODULES,
    body=_lookup_answer,
    abody=_alookup_answer,
    tools=TOOLS,
    retrievers=RETRIEVERS,
)

PROGRAMS = {
    "multihop": multihop,
    "lookup_answer": lookup_answer,
}
