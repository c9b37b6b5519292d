"""The `atlas_agent` package: language-model programs compiled by lmc."""

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
    "atlas",
    CONFIG,
    package=__name__,
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

# The names the import leaves for their first use, with the module that defines each.
_LAZY = {
    "LM": "._runtime.lm.client",
    "PARAMS": ".params",
    "AtlasInputs": ".results",
    "AtlasResult": ".results",
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
