"""The `atlas_agent` package: language-model programs compiled by lmc."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import programs
from ._runtime.errors import AdapterParseError, LMError, ParseError, ProgramError
from ._runtime.lm.client import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS

if TYPE_CHECKING:
    from ._runtime.lm.protocol import LanguageModel
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


class AtlasProgram(PackagedProgram["AtlasResult"]):
    """The program `atlas`: its inputs as keyword arguments, a `AtlasResult` back."""

    def __call__(
        self, /, *, question: str, lm: LanguageModel | str | None = None
    ) -> AtlasResult:
        return self.invoke({"question": question}, lm=lm)

    async def acall(
        self, /, *, question: str, lm: LanguageModel | str | None = None
    ) -> AtlasResult:
        return await self.ainvoke({"question": question}, lm=lm)


atlas = AtlasProgram(
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

__all__ = [
    "LM",
    "PROGRAMS",
    "AdapterParseError",
    "AtlasInputs",
    "AtlasResult",
    "LMError",
    "ParseError",
    "ProgramError",
    "atlas",
    "configure",
]


def __getattr__(name: str) -> Any:
    """Program input and result models: loaded from results.py at first use."""
    if name in {"AtlasInputs", "AtlasResult"}:
        from . import results

        return getattr(results, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
