"""LM wrappers: an optimizer's counting, metering, gating and memo LMs, and what they read of an LM.

Each wrapper is a :class:`Forwarding`: a ``LanguageModel`` that sends the
protocol's four requests on to the LM it wraps, except those it overrides
(to count, meter, gate or remember them), and reads every other attribute
from that LM, so that a wrapped ``runtime.lm.LM`` still shows its ``model``,
``usage``, ``cache`` and ``request`` to code that looks for them.

Those attributes are not part of the protocol (a test double has none of
them): code that needs one reads it with a default, and :func:`replaced`
asks for a copy with other options (``LM.replace``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...runtime.lm.protocol import LanguageModel, Messages, Scored


class Forwarding:
    """An LM wrapper that sends every request on to ``self.lm``, and forwards every other attribute to it."""

    def __init__(self, lm: LanguageModel) -> None:
        self.lm = lm
        if getattr(lm, "replace", None) is None:
            # An LM that cannot change its options (a test double, a host's own object): neither can its
            # wrapper, so a module with its own settings is answered by it as it is (``runtime.program.lm_for``).
            self.__dict__["replace"] = None

    def complete(self, messages: Messages) -> str:
        return self.lm.complete(messages)

    async def acomplete(self, messages: Messages) -> str:
        return await self.lm.acomplete(messages)

    def complete_scored(self, messages: Messages) -> Scored:
        return self.lm.complete_scored(messages)

    async def acomplete_scored(self, messages: Messages) -> Scored:
        return await self.lm.acomplete_scored(messages)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.lm, name)


def innermost(lm: LanguageModel) -> LanguageModel:
    """The LM under any :class:`Forwarding` wrappers: the one that answers and keeps the usage counters."""
    while isinstance(lm, Forwarding):
        lm = lm.lm
    return lm


def replaced(lm: LanguageModel, **changes: Any) -> LanguageModel:
    """A copy of ``lm`` with some options changed (``runtime.lm.LM.replace``: same cache, another temperature).

    Raises ``AttributeError`` for an LM that cannot change its options (a test double without ``replace``).
    """
    replace: Callable[..., LanguageModel] | None = getattr(lm, "replace", None)
    if replace is None:
        raise AttributeError(f"'{type(innermost(lm)).__name__}' object has no attribute 'replace'")
    return replace(**changes)
