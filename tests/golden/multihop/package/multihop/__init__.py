"""The `multihop` package: language-model programs compiled by lmc."""

from typing import TYPE_CHECKING, Any

from . import programs
from ._runtime.lm.client import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS

if TYPE_CHECKING:
    from .results import (
        LookupAnswerInputs,
        LookupAnswerResult,
        MultihopInputs,
        MultihopResult,
    )

CONFIG = PackageConfig(
    package="multihop",
    default_model="local/smollm2",
    default_options={"temperature": 0.0, "max_tokens": 200},
)
configure = CONFIG.configure

multihop = PackagedProgram(
    programs.multihop,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
    result="MultihopResult",
    inputs="MultihopInputs",
)
lookup_answer = PackagedProgram(
    programs.lookup_answer,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
    result="LookupAnswerResult",
    inputs="LookupAnswerInputs",
)

PROGRAMS = {
    "multihop": multihop,
    "lookup_answer": lookup_answer,
}

__all__ = [
    "LM",
    "PROGRAMS",
    "LookupAnswerInputs",
    "LookupAnswerResult",
    "MultihopInputs",
    "MultihopResult",
    "configure",
    "lookup_answer",
    "multihop",
]


def __getattr__(name: str) -> Any:
    """Program input and result models: loaded from results.py at first use."""
    if name in {
        "LookupAnswerInputs",
        "LookupAnswerResult",
        "MultihopInputs",
        "MultihopResult",
    }:
        from . import results

        return getattr(results, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
