"""The `extract` package: language-model programs compiled by lmc."""

from typing import TYPE_CHECKING, Any

from . import programs
from ._runtime.lm.client import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS
from .types import Company, Job, Seniority

if TYPE_CHECKING:
    from .results import ExtractInputs, ExtractResult

CONFIG = PackageConfig(
    package="extract",
    default_model="local/smollm2",
    default_options={"temperature": 0.0, "max_tokens": 256},
)
configure = CONFIG.configure

extract = PackagedProgram(
    programs.extract,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
    result="ExtractResult",
    inputs="ExtractInputs",
)

PROGRAMS = {
    "extract": extract,
}

__all__ = [
    "LM",
    "PROGRAMS",
    "Company",
    "ExtractInputs",
    "ExtractResult",
    "Job",
    "Seniority",
    "configure",
    "extract",
]


def __getattr__(name: str) -> Any:
    """Program input and result models: loaded from results.py at first use."""
    if name in {"ExtractInputs", "ExtractResult"}:
        from . import results

        return getattr(results, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
