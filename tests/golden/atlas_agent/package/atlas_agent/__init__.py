"""The `atlas_agent` package: language-model programs compiled by lmc."""

from typing import TYPE_CHECKING, Any

from . import programs
from ._runtime.lm.client import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS

if TYPE_CHECKING:
    from .results import AtlasInputs, AtlasResult

CONFIG = PackageConfig(
    package="atlas_agent",
    default_model="local/smollm2",
    default_options={
        "temperature": 0.0,
        "max_tokens": 200,
        "stop": ["[[ ## completed ## ]]"],
    },
)
configure = CONFIG.configure

atlas = PackagedProgram(
    programs.atlas,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
    result="AtlasResult",
    inputs="AtlasInputs",
)

PROGRAMS = {
    "atlas": atlas,
}

__all__ = ["LM", "PROGRAMS", "AtlasInputs", "AtlasResult", "atlas", "configure"]


def __getattr__(name: str) -> Any:
    """Program input and result models: loaded from results.py at first use."""
    if name in {"AtlasInputs", "AtlasResult"}:
        from . import results

        return getattr(results, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
