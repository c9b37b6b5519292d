"""The `sentiment` package: language-model programs compiled by lmc."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import programs
from ._runtime.errors import AdapterParseError, LMError, ParseError, ProgramError
from ._runtime.lm.client import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS
from .types import Sentiment

if TYPE_CHECKING:
    from ._runtime.lm.protocol import LanguageModel
    from .results import ClassifyInputs, ClassifyResult

CONFIG = PackageConfig(
    package="sentiment",
    default_model="local/smollm2",
    default_options={
        "temperature": 0.0,
        "max_tokens": 32,
        "stop": ["[[ ## completed ## ]]"],
    },
)
configure = CONFIG.configure


class ClassifyProgram(PackagedProgram["ClassifyResult"]):
    """The program `classify`: its inputs as keyword arguments, a `ClassifyResult` back."""

    def __call__(
        self, /, *, sentence: str, lm: LanguageModel | str | None = None
    ) -> ClassifyResult:
        return self.invoke({"sentence": sentence}, lm=lm)

    async def acall(
        self, /, *, sentence: str, lm: LanguageModel | str | None = None
    ) -> ClassifyResult:
        return await self.ainvoke({"sentence": sentence}, lm=lm)


classify = ClassifyProgram(
    programs.classify,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
    result="ClassifyResult",
    inputs="ClassifyInputs",
)

PROGRAMS = {
    "classify": classify,
}

__all__ = [
    "LM",
    "PROGRAMS",
    "AdapterParseError",
    "ClassifyInputs",
    "ClassifyResult",
    "LMError",
    "ParseError",
    "ProgramError",
    "Sentiment",
    "classify",
    "configure",
]


def __getattr__(name: str) -> Any:
    """Program input and result models: loaded from results.py at first use."""
    if name in {"ClassifyInputs", "ClassifyResult"}:
        from . import results

        return getattr(results, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
