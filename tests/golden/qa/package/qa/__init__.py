"""The `qa` package: language-model programs compiled by lmc."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import programs
from ._runtime.errors import AdapterParseError, LMError, ParseError, ProgramError
from ._runtime.lm.client import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS
from .types import Fact

if TYPE_CHECKING:
    from ._runtime.lm.protocol import LanguageModel
    from .results import AskInputs, AskResult, CheckInputs, CheckResult

CONFIG = PackageConfig(
    package="qa",
    default_model="local/smollm2",
    default_options={"temperature": 0.0, "max_tokens": 128},
)
configure = CONFIG.configure


class AskProgram(PackagedProgram["AskResult"]):
    """The program `ask`: its inputs as keyword arguments, a `AskResult` back."""

    def __call__(
        self, /, *, question: str, lm: LanguageModel | str | None = None
    ) -> AskResult:
        return self.invoke({"question": question}, lm=lm)

    async def acall(
        self, /, *, question: str, lm: LanguageModel | str | None = None
    ) -> AskResult:
        return await self.ainvoke({"question": question}, lm=lm)


ask = AskProgram(
    programs.ask,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
    result="AskResult",
    inputs="AskInputs",
)


class CheckProgram(PackagedProgram["CheckResult"]):
    """The program `check`: its inputs as keyword arguments, a `CheckResult` back."""

    def __call__(
        self, /, *, statement: str, lm: LanguageModel | str | None = None
    ) -> CheckResult:
        return self.invoke({"statement": statement}, lm=lm)

    async def acall(
        self, /, *, statement: str, lm: LanguageModel | str | None = None
    ) -> CheckResult:
        return await self.ainvoke({"statement": statement}, lm=lm)


check = CheckProgram(
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
    "AdapterParseError",
    "AskInputs",
    "AskResult",
    "CheckInputs",
    "CheckResult",
    "Fact",
    "LMError",
    "ParseError",
    "ProgramError",
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
