"""The `multihop` package: language-model programs compiled by lmc."""

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
        LookupAnswerInputs,
        LookupAnswerResult,
        MultihopInputs,
        MultihopResult,
    )

CONFIG = PackageConfig(
    package="multihop",
    default_model="local/smollm2",
    default_options={"temperature": 0.0, "max_tokens": 200},
)
configure = CONFIG.configure


class MultihopProgram(PackagedProgram["MultihopResult"]):
    """The program `multihop`: its inputs as keyword arguments, a `MultihopResult` back."""

    def __call__(
        self, /, *, question: str, lm: LanguageModel | str | None = None
    ) -> MultihopResult:
        return self.invoke({"question": question}, lm=lm)

    async def acall(
        self, /, *, question: str, lm: LanguageModel | str | None = None
    ) -> MultihopResult:
        return await self.ainvoke({"question": question}, lm=lm)


multihop = MultihopProgram(
    programs.multihop,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
    result="MultihopResult",
    inputs="MultihopInputs",
)


class LookupAnswerProgram(PackagedProgram["LookupAnswerResult"]):
    """The program `lookup_answer`: its inputs as keyword arguments, a `LookupAnswerResult` back."""

    def __call__(
        self, /, *, question: str, title: str, lm: LanguageModel | str | None = None
    ) -> LookupAnswerResult:
        return self.invoke({"question": question, "title": title}, lm=lm)

    async def acall(
        self, /, *, question: str, title: str, lm: LanguageModel | str | None = None
    ) -> LookupAnswerResult:
        return await self.ainvoke({"question": question, "title": title}, lm=lm)


lookup_answer = LookupAnswerProgram(
    programs.lookup_answer,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
    result="LookupAnswerResult",
    inputs="LookupAnswerInputs",
)

PROGRAMS = {
    "multihop": multihop,
    "lookup_answer": lookup_answer,
}

__all__ = [
    "LM",
    "PROGRAMS",
    "AdapterParseError",
    "LMError",
    "LookupAnswerInputs",
    "LookupAnswerResult",
    "MultihopInputs",
    "MultihopResult",
    "ParseError",
    "ProgramError",
    "configure",
    "lookup_answer",
    "multihop",
]


def __getattr__(name: str) -> Any:
    """Program input and result models: loaded from results.py at first use."""
    if name in {
        "LookupAnswerInputs",
        "LookupAnswerResult",
        "MultihopInputs",
        "MultihopResult",
    }:
        from . import results

        return getattr(results, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
