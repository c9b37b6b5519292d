"""Every module's learned instructions and demos, as the optimizer chose them."""

from ._runtime.signature import Params

PARAMS = {
    "ask.think": Params(
        instructions="Given the fields `question`, produce the fields `answer`.",
        demos=(),
        adapter="chat",
    ),
    "check.judge": Params(
        instructions=(
            "Judge whether a statement of general knowledge is true.\n"
            "Say unsure when the statement is about something nobody could look up."
        ),
        demos=(),
        adapter="chat",
    ),
}
