"""The `short_answers` package: language-model programs compiled by lmc."""

from __future__ import annotations

from ._runtime.errors import AdapterParseError, LMError, ParseError, ProgramError
from ._runtime.package import PackageConfig, PackagedProgram

# typing.TYPE_CHECKING, without importing typing (~8 ms): the import stays light.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._runtime.lm.client import LM
    from ._runtime.lm.protocol import LanguageModel
    from .params import PARAMS as PARAMS
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
    "best_of",
    CONFIG,
    package=__name__,
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
    "refined",
    CONFIG,
    package=__name__,
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
    "compared",
    CONFIG,
    package=__name__,
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

# The names the import leaves for their first use, with the module that defines each.
_LAZY = {
    "LM": "._runtime.lm.client",
    "PARAMS": ".params",
    "BestOfInputs": ".results",
    "BestOfResult": ".results",
    "ComparedInputs": ".results",
    "ComparedResult": ".results",
    "RefinedInputs": ".results",
    "RefinedResult": ".results",
}


def __getattr__(name: str) -> Any:
    """A name of ``_LAZY``, imported at its first use (PEP 562), then kept."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = globals()[name] = getattr(import_module(module, __name__), name)
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
