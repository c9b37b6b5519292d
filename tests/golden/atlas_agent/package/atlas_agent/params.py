"""Every module's learned instructions and demos, as the optimizer chose them."""

from ._runtime.signature import Params

PARAMS = {
    "atlas.agent": Params(
        instructions=(
            "Answer questions about the countries of the atlas with a short factoid "
            "answer."
        ),
        demos=(),
        adapter="chat",
    ),
    "atlas.agent.extract": Params(
        instructions=(
            "Answer questions about the countries of the atlas with a short factoid "
            "answer."
        ),
        demos=(),
        adapter="chat",
    ),
}
