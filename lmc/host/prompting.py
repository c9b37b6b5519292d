"""The exact messages one module sends, without calling an LM: what ``lmc prompt`` and ``Project.prompt`` show.

The module is called for real, through the generated code, with an LM that
records the request and stops: what comes back is what the LM would receive.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any, NoReturn

from ..runtime.lm.protocol import LanguageModel, Messages


class _Captured(Exception):
    def __init__(self, messages: list[dict[str, str]]) -> None:
        super().__init__("captured")
        self.messages = messages


class CaptureLM:
    """An LM that records the first request, plain or scored, and raises ``_Captured``."""

    model = "capture"

    def complete(self, messages: Messages) -> NoReturn:
        raise _Captured([dict(m) for m in messages])

    async def acomplete(self, messages: Messages) -> NoReturn:
        raise _Captured([dict(m) for m in messages])

    def complete_scored(self, messages: Messages) -> NoReturn:
        raise _Captured([dict(m) for m in messages])

    async def acomplete_scored(self, messages: Messages) -> NoReturn:
        raise _Captured([dict(m) for m in messages])


def module_paths(generated: ModuleType) -> dict[str, Any]:
    """Every predictor path of the package, with its spec: the modules, and the further predictors of
    some kinds (``prog.agent.extract``)."""
    return {path: spec for p in generated.programs.PROGRAMS.values() for path, spec in p.modules.items()}


def module_messages(generated: ModuleType, path: str, inputs: Mapping[str, Any]) -> list[dict[str, str]]:
    """The messages module ``path`` sends for ``inputs`` under the package's baked-in params."""
    # The module is made through its program's context, which holds the tools and metrics some kinds use.
    program = next(p for p in generated.programs.PROGRAMS.values() if path in p.modules)
    lm: LanguageModel = CaptureLM()
    module = program.context(lm, generated.params.PARAMS).module(path)
    try:
        module(**inputs)
    except _Captured as captured:
        return captured.messages
    raise RuntimeError(f"module `{path}` made no LM call")
