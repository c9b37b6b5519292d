"""The `short_answers` package: language-model programs compiled by lmc."""

from typing import TYPE_CHECKING, Any

from . import programs
from ._runtime.lm.client import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS

if TYPE_CHECKING:
    from .results import (
        BestOfInputs,
        BestOfResult,
        ComparedInputs,
        ComparedResult,
        RefinedInputs,
        RefinedResult,
    )

CONFIG = PackageConfig(
    package="short_answers",
    default_model="local/smollm2",
    default_options={
        "temperature": 0.0,
        "max_tokens": 160,
        "stop": ["[[ ## completed ## ]]"],
    },
)
configure = CONFIG.configure

best_of = PackagedProgram(
    programs.best_of,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
    result="BestOfResult",
    inputs="BestOfInputs",
)
refined = PackagedProgram(
    programs.refined,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
    result="RefinedResult",
    inputs="RefinedInputs",
)
compared = PackagedProgram(
    programs.compared,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
    result="ComparedResult",
    inputs="ComparedInputs",
)

PROGRAMS = {
    "best_of": best_of,
    "refined": refined,
    "compared": compared,
}

__all__ = [
    "LM",
    "PROGRAMS",
    "BestOfInputs",
    "BestOfResult",
    "ComparedInputs",
    "ComparedResult",
    "RefinedInputs",
    "RefinedResult",
    "best_of",
    "compared",
    "configure",
    "refined",
]


def __getattr__(name: str) -> Any:
    """Program input and result models: loaded from results.py at first use."""
    if name in {
        "BestOfInputs",
        "BestOfResult",
        "ComparedInputs",
        "ComparedResult",
        "RefinedInputs",
        "RefinedResult",
    }:
        from . import results

        return getattr(results, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
