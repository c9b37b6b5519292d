"""Every module's learned instructions and demos, as the optimizer chose them."""

from ._runtime.signature import Params

PARAMS = {
    "triage.route": Params(
        instructions="Choose the team that should handle a customer support ticket.",
        demos=(),
        adapter="chat",
    ),
    "triage.rate": Params(
        instructions="Rate how urgent a customer support ticket is.",
        demos=(),
        adapter="chat",
    ),
}
