"""The `support` package: language-model programs compiled by lmc."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import programs
from ._runtime.errors import AdapterParseError, LMError, ParseError, ProgramError
from ._runtime.lm.client import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS
from .types import Route

if TYPE_CHECKING:
    from ._runtime.lm.protocol import LanguageModel
    from .results import TriageInputs, TriageResult

CONFIG = PackageConfig(
    package="support",
    default_model="local/smollm2",
    default_options={"temperature": 0.0, "max_tokens": 128},
)
configure = CONFIG.configure


class TriageProgram(PackagedProgram["TriageResult"]):
    """The program `triage`: its inputs as keyword arguments, a `TriageResult` back."""

    def __call__(
        self, /, *, email: str, lm: LanguageModel | str | None = None
    ) -> TriageResult:
        return self.invoke({"email": email}, lm=lm)

    async def acall(
        self, /, *, email: str, lm: LanguageModel | str | None = None
    ) -> TriageResult:
        return await self.ainvoke({"email": email}, lm=lm)


triage = TriageProgram(
    programs.triage,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
    result="TriageResult",
    inputs="TriageInputs",
)

PROGRAMS = {
    "triage": triage,
}

__all__ = [
    "LM",
    "PROGRAMS",
    "AdapterParseError",
    "LMError",
    "ParseError",
    "ProgramError",
    "Route",
    "TriageInputs",
    "TriageResult",
    "configure",
    "triage",
]


def __getattr__(name: str) -> Any:
    """Program input and result models: loaded from results.py at first use."""
    if name in {"TriageInputs", "TriageResult"}:
        from . import results

        return getattr(results, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
