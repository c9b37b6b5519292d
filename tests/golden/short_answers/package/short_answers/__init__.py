"""The `short_answers` package: language-model programs compiled by lmc."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import programs
from ._runtime.errors import AdapterParseError, LMError, ParseError, ProgramError
from ._runtime.lm.client import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS

if TYPE_CHECKING:
    from ._runtime.lm.protocol import LanguageModel
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


class BestOfProgram(PackagedProgram["BestOfResult"]):
    """The program `best_of`: its inputs as keyword arguments, a `BestOfResult` back."""

    def __call__(
        self, /, *, country: str, lm: LanguageModel | str | None = None
    ) -> BestOfResult:
        return self.invoke({"country": country}, lm=lm)

    async def acall(
        self, /, *, country: str, lm: LanguageModel | str | None = None
    ) -> BestOfResult:
        return await self.ainvoke({"country": country}, lm=lm)


best_of = BestOfProgram(
    programs.best_of,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
    result="BestOfResult",
    inputs="BestOfInputs",
)


class RefinedProgram(PackagedProgram["RefinedResult"]):
    """The program `refined`: its inputs as keyword arguments, a `RefinedResult` back."""

    def __call__(
        self, /, *, country: str, lm: LanguageModel | str | None = None
    ) -> RefinedResult:
        return self.invoke({"country": country}, lm=lm)

    async def acall(
        self, /, *, country: str, lm: LanguageModel | str | None = None
    ) -> RefinedResult:
        return await self.ainvoke({"country": country}, lm=lm)


refined = RefinedProgram(
    programs.refined,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
    result="RefinedResult",
    inputs="RefinedInputs",
)


class ComparedProgram(PackagedProgram["ComparedResult"]):
    """The program `compared`: its inputs as keyword arguments, a `ComparedResult` back."""

    def __call__(
        self, /, *, country: str, lm: LanguageModel | str | None = None
    ) -> ComparedResult:
        return self.invoke({"country": country}, lm=lm)

    async def acall(
        self, /, *, country: str, lm: LanguageModel | str | None = None
    ) -> ComparedResult:
        return await self.ainvoke({"country": country}, lm=lm)


compared = ComparedProgram(
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
    "AdapterParseError",
    "BestOfInputs",
    "BestOfResult",
    "ComparedInputs",
    "ComparedResult",
    "LMError",
    "ParseError",
    "ProgramError",
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
