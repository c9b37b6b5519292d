"""Every module's learned instructions and demos, as the optimizer chose them."""

from ._runtime.signature import Params

PARAMS = {
    "best_of.pick": Params(
        instructions="Name the capital city of the country.",
        demos=(),
        adapter="chat",
    ),
    "refined.polish": Params(
        instructions="Name the capital city of the country.",
        demos=(),
        adapter="chat",
    ),
    "compared.cmp": Params(
        instructions="Name the capital city of the country.",
        demos=(),
        adapter="chat",
    ),
    "compared.cmp.attempt": Params(
        instructions="Name the capital city of the country.",
        demos=(),
        adapter="chat",
    ),
}
