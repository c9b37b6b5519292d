"""Every module's learned instructions and demos, as the optimizer chose them."""

from ._runtime.signature import Params

PARAMS = {
    "triage.summarize": Params(
        instructions="Summarize a customer's support email in one short sentence.",
        demos=(),
        adapter="chat",
    ),
    "triage.label": Params(
        instructions=(
            "Route a support email to the team that handles it: billing for "
            "payments,\n"
            "invoices and refunds; tech for bugs, crashes and log-in trouble; other "
            "for the rest."
        ),
        demos=(),
        adapter="json",
    ),
}
