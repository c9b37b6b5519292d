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

from ..runtime.lm.protocol import LanguageModel, Messages, Replaceable, Scored
from ..runtime.package import PackagedProgram
from ..runtime.replay import scored_response
from ..runtime.types import to_jsonable
from .info import ParityCall, ParityCase


class RecordingLM:
    """Forwards to ``lm`` and keeps every (messages, response) pair, in call order.

    Its copies (``replace``: a module on another lm, at its own temperature,
    with a response format) record into the same list, each request with the
    changes its LM was asked for.
    """

    def __init__(
        self, lm: LanguageModel, changes: Mapping[str, Any] | None = None, *, into: _Calls | None = None
    ) -> None:
        self.lm = lm
        self.model: str = getattr(lm, "model", "recorded")
        self.changes = dict(changes or {})
        self._into = into if into is not None else _Calls()

    @property
    def calls(self) -> tuple[ParityCall, ...]:
        return self._into.snapshot()

    def replace(self, **changes: Any) -> RecordingLM:
        inner = self.lm.replace(**changes) if isinstance(self.lm, Replaceable) else self.lm
        return RecordingLM(inner, {**self.changes, **changes}, into=self._into)

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
        kept = [copy.deepcopy(dict(m)) for m in messages]
        if self.changes:
            self._into.add((kept, response, json.loads(json.dumps(self.changes, default=repr))))
        else:
            self._into.add((kept, response))


class _Calls:
    """The requests of one recording, in call order (shared by a recorder and its copies)."""

    def __init__(self) -> None:
        self._calls: list[ParityCall] = []
        self._lock = threading.Lock()

    def add(self, call: ParityCall) -> None:
        with self._lock:
            self._calls.append(call)

    def snapshot(self) -> tuple[ParityCall, ...]:
        with self._lock:
            return tuple(self._calls)


def record_parity(program: PackagedProgram, inputs: Mapping[str, Any], *, lm: LanguageModel) -> ParityCase:
    """Run a ``PackagedProgram`` of a loaded package once and record its LM calls.

    The inputs are stored as JSON values, as the replay will pass them.
    """
    recorder = RecordingLM(lm)
    program.invoke(inputs, lm=recorder)
    json_inputs = json.loads(json.dumps(to_jsonable(dict(inputs))))
    return ParityCase(program=program.name, inputs=json_inputs, calls=recorder.calls)
