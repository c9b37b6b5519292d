"""The `extract` package: language-model programs compiled by lmc."""

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
    from .results import ExtractInputs, ExtractResult
    from .types import Company, Job, Seniority

CONFIG = PackageConfig(
    package="extract",
    default_model="local/smollm2",
    default_options={"temperature": 0.0, "max_tokens": 256},
)
configure = CONFIG.configure


class ExtractProgram(PackagedProgram["ExtractResult"]):
    """The program `extract`: its inputs as keyword arguments, a `ExtractResult` back."""

    def __call__(
        self, /, *, text: str, lm: LanguageModel | str | None = None
    ) -> ExtractResult:
        return self.invoke({"text": text}, lm=lm)

    async def acall(
        self, /, *, text: str, lm: LanguageModel | str | None = None
    ) -> ExtractResult:
        return await self.ainvoke({"text": text}, lm=lm)


extract = ExtractProgram(
    "extract",
    CONFIG,
    package=__name__,
    result="ExtractResult",
    inputs="ExtractInputs",
)

PROGRAMS = {
    "extract": extract,
}

__all__ = [
    "LM",
    "PROGRAMS",
    "AdapterParseError",
    "Company",
    "ExtractInputs",
    "ExtractResult",
    "Job",
    "LMError",
    "ParseError",
    "ProgramError",
    "Seniority",
    "configure",
    "extract",
]

# The names the import leaves for their first use, with the module that defines each.
_LAZY = {
    "LM": "._runtime.lm.client",
    "PARAMS": ".params",
    "ExtractInputs": ".results",
    "ExtractResult": ".results",
    "Company": ".types",
    "Job": ".types",
    "Seniority": ".types",
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
