"""The `multihop` package: language-model programs compiled by lmc."""

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
    "multihop",
    CONFIG,
    package=__name__,
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
    "lookup_answer",
    CONFIG,
    package=__name__,
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

# The names the import leaves for their first use, with the module that defines each.
_LAZY = {
    "LM": "._runtime.lm.client",
    "PARAMS": ".params",
    "LookupAnswerInputs": ".results",
    "LookupAnswerResult": ".results",
    "MultihopInputs": ".results",
    "MultihopResult": ".results",
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
