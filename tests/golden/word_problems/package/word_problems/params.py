"""Every module's learned instructions and demos, as the optimizer chose them."""

from ._runtime.signature import Params

PARAMS = {
    "solve.pot": Params(
        instructions="Solve the arithmetic word problem. The answer is a whole number.",
        demos=(),
        adapter="chat",
    ),
}
