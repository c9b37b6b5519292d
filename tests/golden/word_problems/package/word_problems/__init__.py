"""The `word_problems` package: language-model programs compiled by lmc."""

from __future__ import annotations

from ._runtime.errors import AdapterParseError, LMError, ParseError, ProgramError
from ._runtime.package import PackageConfig, PackagedProgram

# typing.TYPE_CHECKING, without importing typing (~8 ms): the import stays light.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._runtime.kinds.sandbox import SandboxError
    from ._runtime.lm.client import LM
    from ._runtime.lm.protocol import LanguageModel
    from .params import PARAMS as PARAMS
    from .results import SolveInputs, SolveResult

CONFIG = PackageConfig(
    package="word_problems",
    default_model="local/smollm2",
    default_options={
        "temperature": 0.0,
        "max_tokens": 256,
        "stop": ["[[ ## completed ## ]]"],
    },
)
configure = CONFIG.configure


class SolveProgram(PackagedProgram["SolveResult"]):
    """The program `solve`: its inputs as keyword arguments, a `SolveResult` back."""

    def __call__(
        self, /, *, question: str, lm: LanguageModel | str | None = None
    ) -> SolveResult:
        return self.invoke({"question": question}, lm=lm)

    async def acall(
        self, /, *, question: str, lm: LanguageModel | str | None = None
    ) -> SolveResult:
        return await self.ainvoke({"question": question}, lm=lm)


solve = SolveProgram(
    "solve",
    CONFIG,
    package=__name__,
    result="SolveResult",
    inputs="SolveInputs",
)

PROGRAMS = {
    "solve": solve,
}

__all__ = [
    "LM",
    "PROGRAMS",
    "AdapterParseError",
    "LMError",
    "ParseError",
    "ProgramError",
    "SandboxError",
    "SolveInputs",
    "SolveResult",
    "configure",
    "solve",
]

# The names the import leaves for their first use, with the module that defines each.
_LAZY = {
    "SandboxError": "._runtime.kinds.sandbox",
    "LM": "._runtime.lm.client",
    "PARAMS": ".params",
    "SolveInputs": ".results",
    "SolveResult": ".results",
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
