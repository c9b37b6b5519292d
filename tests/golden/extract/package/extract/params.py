"""Every module's learned instructions and demos, as the optimizer chose them."""

from ._runtime.signature import Params

PARAMS = {
    "extract.read": Params(
        instructions="Extract the job described in the advertisement.",
        demos=(),
        adapter="chat",
    ),
}
