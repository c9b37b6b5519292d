"""The LM interface: what a module, an optimizer or a package needs from a language model.

``LM`` (``client.py``) is the real one; every wrapper (counting, metering,
gating, recording, replay) and the tests' scripted LMs have the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ..choices import TokenLogprobs

Messages = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Scored:
    """An answer and, when the provider gave them, each token's top log-probabilities."""

    text: str
    tokens: tuple[TokenLogprobs, ...] | None


class LanguageModel(Protocol):
    """Anything that answers chat messages; calibrated modules also ask for the answer's log-probabilities."""

    def complete(self, messages: Messages) -> str: ...

    async def acomplete(self, messages: Messages) -> str: ...

    # Only modules with ``Params.choice_bias`` call these (``choices.py``).
    def complete_scored(self, messages: Messages) -> Scored: ...

    async def acomplete_scored(self, messages: Messages) -> Scored: ...


@runtime_checkable
class Replaceable(Protocol):
    """An LM that makes copies of itself with some options changed (``LM.replace``; the optimizer's wrappers)."""

    def replace(self, **changes: Any) -> LanguageModel: ...


def replaceable(lm: object) -> bool:
    """``isinstance(lm, Replaceable)`` as the protocol check decides it (a ``replace`` that is not None),
    in one attribute lookup: the protocol's ``isinstance`` costs ~8 µs, and every module of every run asks."""
    return getattr(lm, "replace", None) is not None
