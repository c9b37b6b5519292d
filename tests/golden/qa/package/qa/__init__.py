"""The `qa` package: language-model programs compiled by lmc."""

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
    from .results import AskInputs, AskResult, CheckInputs, CheckResult
    from .types import Fact

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
    "ask",
    CONFIG,
    package=__name__,
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
    "check",
    CONFIG,
    package=__name__,
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

# The names the import leaves for their first use, with the module that defines each.
_LAZY = {
    "LM": "._runtime.lm.client",
    "PARAMS": ".params",
    "AskInputs": ".results",
    "AskResult": ".results",
    "CheckInputs": ".results",
    "CheckResult": ".results",
    "Fact": ".types",
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
