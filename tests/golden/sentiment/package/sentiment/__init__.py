"""The `sentiment` package: language-model programs compiled by lmc."""

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
    from .results import ClassifyInputs, ClassifyResult
    from .types import Sentiment

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
    "classify",
    CONFIG,
    package=__name__,
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

# The names the import leaves for their first use, with the module that defines each.
_LAZY = {
    "LM": "._runtime.lm.client",
    "PARAMS": ".params",
    "ClassifyInputs": ".results",
    "ClassifyResult": ".results",
    "Sentiment": ".types",
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
