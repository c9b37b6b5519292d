"""``lmc prompt``: print the exact messages one module sends.

The module is called for real, through the generated code, with an LM that
records the request and stops: what is printed is what the LM would receive.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from ..runtime.lm.protocol import LanguageModel, Messages

if TYPE_CHECKING:
    from ..host.session import Session


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


def module_messages(session: Session, path: str, inputs: dict[str, Any]) -> list[dict[str, str]]:
    """The messages module ``path`` sends for ``inputs`` under the baked-in params."""
    generated = session.generated
    # The module is made through its program's context, which holds the tools and metrics some kinds use.
    program = next(p for p in generated.programs.PROGRAMS.values() if path in p.modules)
    lm: LanguageModel = CaptureLM()
    module = program.context(lm, generated.params.PARAMS).module(path)
    try:
        module(**inputs)
    except _Captured as captured:
        return captured.messages
    raise RuntimeError(f"module `{path}` made no LM call")


def format_messages(messages: list[dict[str, str]]) -> str:
    blocks = []
    for m in messages:
        blocks.append(f"----- {m['role']} -----\n{m['content']}")
    return "\n\n".join(blocks) + "\n"


def print_prompt(session: Session, target: str, pairs: Sequence[str]) -> int:
    from ..exitcodes import EXIT_DIAGNOSTICS, EXIT_OK
    from .inputs import parse_inputs
    from .output import fail

    # Every predictor path: the modules, and the further predictors of some kinds (`prog.agent.extract`).
    modules = {path: spec for p in session.generated.programs.PROGRAMS.values() for path, spec in p.modules.items()}
    if target not in modules:
        known = ", ".join(sorted(modules)) or "none"
        print(f"lmc: error: no module `{target}` (modules: {known})", file=sys.stderr)
        return EXIT_DIAGNOSTICS
    fields = modules[target].signature.inputs
    inputs = parse_inputs(pairs, fields)
    if isinstance(inputs, str):
        return fail(inputs)
    for f in fields:  # placeholders show where each missing input goes
        inputs.setdefault(f.name, "{" + f.name + "}")
    sys.stdout.write(format_messages(module_messages(session, target, inputs)))
    return EXIT_OK
