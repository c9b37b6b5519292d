"""A prompt model for optimizer tests: answers DSPy-format proposal requests from a function.

``ProposerLM`` decodes each chat request (the output fields asked for, the
input sections, the temperature it was asked at) into a :class:`Proposal`
and answers ``propose(proposal)``: a dict of output values (sent in the chat
format) or a str (sent as is, e.g. to test an answer that does not parse).
``replace(temperature=...)`` gives a copy sharing the log, like
``runtime.lm.LM.replace``; answers depend on the request only, as a cached
LM's do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.optimize.fakes import FakeLM
from tests.scripted import chat_answer

_SECTION = re.compile(r"^\[\[ ## (\w+) ## \]\]$", re.MULTILINE)
_OUTPUT = re.compile(r"^\d+\. `(\w+)`", re.MULTILINE)
_REQUEST_TAIL = "\n\nRespond with the corresponding output fields"


@dataclass(frozen=True)
class Proposal:
    outputs: tuple[str, ...]
    inputs: Mapping[str, str]
    system: str
    temperature: float | None


def decode_chat(messages: list[dict], temperature: float | None) -> Proposal:
    system = messages[0]["content"]
    outputs = tuple(_OUTPUT.findall(system.split("Your output fields are:")[1].split("All interactions")[0]))
    user = messages[-1]["content"].split(_REQUEST_TAIL)[0]
    parts = _SECTION.split(user)
    inputs = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts), 2)}
    return Proposal(outputs, inputs, system, temperature)


class ProposerLM:
    def __init__(
        self,
        propose: Callable[[Proposal], Mapping[str, Any] | str],
        temperature: float | None = None,
        log: list[Proposal] | None = None,
    ) -> None:
        self.model = "proposer"
        self.temperature = temperature
        self._propose = propose
        self.log: list[Proposal] = [] if log is None else log

    def replace(self, **changes: Any) -> ProposerLM:
        return ProposerLM(self._propose, changes.get("temperature", self.temperature), self.log)

    def complete(self, messages: list[dict]) -> str:
        proposal = decode_chat(messages, self.temperature)
        self.log.append(proposal)
        answer = self._propose(proposal)
        return answer if isinstance(answer, str) else chat_answer(**answer)

    async def acomplete(self, messages: list[dict]) -> str:
        return self.complete(messages)


class SharedLM:
    """One LM for both roles: program requests go to ``task``, proposal requests to ``prompt``."""

    def __init__(self, task: FakeLM, prompt: ProposerLM) -> None:
        self.model = "shared"
        self.task = task
        self.prompt = prompt

    def replace(self, **changes: Any) -> SharedLM:
        return SharedLM(self.task, self.prompt.replace(**changes))

    def complete(self, messages: list[dict]) -> str:
        if messages[0]["role"] == "system":
            return self.prompt.complete(messages)
        return self.task.complete(messages)

    async def acomplete(self, messages: list[dict]) -> str:
        return self.complete(messages)
