"""Recording the LM calls of a program run, for the package's parity test.

The driver runs each program of the rendered (optimized) package on a few
inputs through ``RecordingLM``; the resulting ``ParityCase`` values are
rendered into ``tests/parity.json``, and the package's own test replays them.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from ..runtime.lm.protocol import LanguageModel, Messages, Scored
from ..runtime.package import PackagedProgram, scored_response
from ..runtime.types import to_jsonable
from .info import ParityCase


class RecordingLM:
    """Forwards to ``lm`` and keeps every (messages, response) pair, in call order."""

    def __init__(self, lm: LanguageModel) -> None:
        self.lm = lm
        self.model: str = getattr(lm, "model", "recorded")
        self._calls: list[tuple[list[dict[str, Any]], str | dict[str, Any]]] = []
        self._lock = threading.Lock()

    @property
    def calls(self) -> tuple[tuple[list[dict[str, Any]], str | dict[str, Any]], ...]:
        with self._lock:
            return tuple(self._calls)

    def complete(self, messages: Messages) -> str:
        response = self.lm.complete(messages)
        self._keep(messages, response)
        return response

    async def acomplete(self, messages: Messages) -> str:
        response = await self.lm.acomplete(messages)
        self._keep(messages, response)
        return response

    def complete_scored(self, messages: Messages) -> Scored:
        scored = self.lm.complete_scored(messages)
        self._keep(messages, scored_response(scored))
        return scored

    async def acomplete_scored(self, messages: Messages) -> Scored:
        scored = await self.lm.acomplete_scored(messages)
        self._keep(messages, scored_response(scored))
        return scored

    def _keep(self, messages: Sequence[Mapping[str, Any]], response: str | dict[str, Any]) -> None:
        with self._lock:
            self._calls.append(([copy.deepcopy(dict(m)) for m in messages], response))


def record_parity(program: PackagedProgram, inputs: Mapping[str, Any], *, lm: LanguageModel) -> ParityCase:
    """Run a ``PackagedProgram`` of a loaded package once and record its LM calls.

    The inputs are stored as JSON values, as the replay will pass them.
    """
    recorder = RecordingLM(lm)
    program.invoke(inputs, lm=recorder)
    json_inputs = json.loads(json.dumps(to_jsonable(dict(inputs))))
    return ParityCase(program=program.name, inputs=json_inputs, calls=recorder.calls)
