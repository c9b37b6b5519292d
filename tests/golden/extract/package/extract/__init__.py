"""The `extract` package: language-model programs compiled by lmc."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import programs
from ._runtime.errors import AdapterParseError, LMError, ParseError, ProgramError
from ._runtime.lm.client import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS
from .types import Company, Job, Seniority

if TYPE_CHECKING:
    from ._runtime.lm.protocol import LanguageModel
    from .results import ExtractInputs, ExtractResult

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
    programs.extract,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
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


def __getattr__(name: str) -> Any:
    """Program input and result models: loaded from results.py at first use."""
    if name in {"ExtractInputs", "ExtractResult"}:
        from . import results

        return getattr(results, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
