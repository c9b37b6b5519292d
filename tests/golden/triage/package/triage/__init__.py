"""The `triage` package: language-model programs compiled by lmc."""

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
    from .results import TriageInputs, TriageResult
    from .types import Team, Urgency

CONFIG = PackageConfig(
    package="triage",
    default_model="local/smollm2",
    default_options={"temperature": 0.0, "max_tokens": 128},
)
configure = CONFIG.configure


class TriageProgram(PackagedProgram["TriageResult"]):
    """The program `triage`: its inputs as keyword arguments, a `TriageResult` back."""

    def __call__(
        self, /, *, ticket: str, lm: LanguageModel | str | None = None
    ) -> TriageResult:
        return self.invoke({"ticket": ticket}, lm=lm)

    async def acall(
        self, /, *, ticket: str, lm: LanguageModel | str | None = None
    ) -> TriageResult:
        return await self.ainvoke({"ticket": ticket}, lm=lm)


triage = TriageProgram(
    "triage",
    CONFIG,
    package=__name__,
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
    "Team",
    "TriageInputs",
    "TriageResult",
    "Urgency",
    "configure",
    "triage",
]

# The names the import leaves for their first use, with the module that defines each.
_LAZY = {
    "LM": "._runtime.lm.client",
    "PARAMS": ".params",
    "TriageInputs": ".results",
    "TriageResult": ".results",
    "Team": ".types",
    "Urgency": ".types",
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
