"""A module's LM paired with the LM its ``two_step`` adapter fills the fields with.

The program's context makes the pair (``Context.lm_for``) for a module that
names an ``extraction_lm``; the module, and every predictor a kind builds
from it, asks its main requests of ``lm`` and reads ``extraction`` for the
second step. Everything else is ``lm``'s.
"""

from __future__ import annotations

from typing import Any, cast

from .protocol import LanguageModel, Messages, Replaceable, Scored, replaceable


class WithExtraction:
    """Answers as ``lm``; ``extraction`` is the LM a two-step adapter's second request goes to."""

    def __init__(self, lm: LanguageModel, extraction: LanguageModel) -> None:
        self.lm = lm
        self.extraction = extraction

    def complete(self, messages: Messages) -> str:
        return self.lm.complete(messages)

    async def acomplete(self, messages: Messages) -> str:
        return await self.lm.acomplete(messages)

    def complete_scored(self, messages: Messages) -> Scored:
        return self.lm.complete_scored(messages)

    async def acomplete_scored(self, messages: Messages) -> Scored:
        return await self.lm.acomplete_scored(messages)

    def replace(self, **changes: Any) -> LanguageModel:
        """The main LM changed (a response format, a rollout's temperature), with the same extraction LM."""
        if not replaceable(self.lm):
            return self
        return WithExtraction(cast("Replaceable", self.lm).replace(**changes), self.extraction)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.lm, name)


def extraction_lm(lm: LanguageModel) -> LanguageModel:
    """The LM that fills a two-step adapter's fields: the pair's, else the module's own."""
    return lm.extraction if isinstance(lm, WithExtraction) else lm
