"""The `word_problems` package: language-model programs compiled by lmc."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import programs
from ._runtime.errors import AdapterParseError, LMError, ParseError, ProgramError
from ._runtime.kinds.sandbox import SandboxError
from ._runtime.lm.client import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS

if TYPE_CHECKING:
    from ._runtime.lm.protocol import LanguageModel
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
    programs.solve,
    PARAMS,
    CONFIG,
    models=f"{__name__}.results",
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


def __getattr__(name: str) -> Any:
    """Program input and result models: loaded from results.py at first use."""
    if name in {"SolveInputs", "SolveResult"}:
        from . import results

        return getattr(results, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
