"""Every module's learned instructions and demos, as the optimizer chose them."""

from ._runtime.signature import Params

PARAMS = {
    "multihop.hop": Params(
        instructions="Write a simple search query that will help answer a complex question.",
        demos=(),
        adapter="chat",
    ),
    "multihop.respond": Params(
        instructions="Answer questions with short factoid answers.",
        demos=(),
        adapter="chat",
    ),
    "lookup_answer.respond": Params(
        instructions="Answer questions with short factoid answers.",
        demos=(),
        adapter="chat",
    ),
}
