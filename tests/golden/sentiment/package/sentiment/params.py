"""Every module's learned instructions and demos, as the optimizer chose them."""

from ._runtime.signature import Params

PARAMS = {
    "classify.judge": Params(
        instructions=(
            "Classify the sentiment of a sentence from a movie review.\n"
            "Answer positive if the writer liked the film and negative if they did "
            "not.\n"
            'Read negations carefully: "not bad at all" is positive.'
        ),
        demos=(),
        adapter="chat",
    ),
}
