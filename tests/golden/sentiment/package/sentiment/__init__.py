"""The `sentiment` package: language-model programs compiled by lmc."""

from typing import TYPE_CHECKING, Any

from . import programs
from ._runtime.lm.client import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS
from .types import Sentiment

if TYPE_CHECKING:
    from .results import ClassifyInputs, ClassifyResult

CONFIG = PackageConfig(
    package="sentiment",
    default_model="local/smollm2",
    default_options={
        "temperature": 0.0,
        "max_tokens": 32,
        "stop": ["[[ ## completed ## ]]"],
    },
)
configure = CONFIG.configure

classify = PackagedProgram(
    programs.classify,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
    result="ClassifyResult",
    inputs="ClassifyInputs",
)

PROGRAMS = {
    "classify": classify,
}

__all__ = [
    "LM",
    "PROGRAMS",
    "ClassifyInputs",
    "ClassifyResult",
    "Sentiment",
    "classify",
    "configure",
]


def __getattr__(name: str) -> Any:
    """Program input and result models: loaded from results.py at first use."""
    if name in {"ClassifyInputs", "ClassifyResult"}:
        from . import results

        return getattr(results, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
