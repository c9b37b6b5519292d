"""The `qa` package: language-model programs compiled by lmc."""

from typing import TYPE_CHECKING, Any

from . import programs
from ._runtime.lm.client import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS
from .types import Fact

if TYPE_CHECKING:
    from .results import AskInputs, AskResult, CheckInputs, CheckResult

CONFIG = PackageConfig(
    package="qa",
    default_model="local/smollm2",
    default_options={"temperature": 0.0, "max_tokens": 128},
)
configure = CONFIG.configure

ask = PackagedProgram(
    programs.ask,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
    result="AskResult",
    inputs="AskInputs",
)
check = PackagedProgram(
    programs.check,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
    result="CheckResult",
    inputs="CheckInputs",
)

PROGRAMS = {
    "ask": ask,
    "check": check,
}

__all__ = [
    "LM",
    "PROGRAMS",
    "AskInputs",
    "AskResult",
    "CheckInputs",
    "CheckResult",
    "Fact",
    "ask",
    "check",
    "configure",
]


def __getattr__(name: str) -> Any:
    """Program input and result models: loaded from results.py at first use."""
    if name in {"AskInputs", "AskResult", "CheckInputs", "CheckResult"}:
        from . import results

        return getattr(results, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
