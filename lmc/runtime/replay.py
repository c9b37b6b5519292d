"""``ReplayLM``: recorded LM calls answered again, each request checked byte for byte.

A package's parity test (``tests/test_parity.py``) replays the calls its
build recorded with it, so the package proves it sends the prompts lmc
scored; ``scored_response`` is how a choice-scored answer is recorded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from .choices import TokenLogprobs
from .lm.protocol import Scored

__all__ = ["ReplayLM", "scored_response"]


class ReplayLM:
    """Answers with recorded responses, after checking each request is the recorded one.

    ``calls`` is a list of ``{"messages": [...], "response": "..."}`` in call
    order, with ``"lm"`` for a request made through a changed LM (the changes
    ``LM.replace`` was given: a module on another lm, at its own temperature,
    with a response format). Any difference in the messages, byte for byte,
    or in the LM asked, fails with a diff.
    """

    model = "replay"

    def __init__(self, calls: Sequence[Mapping[str, Any]], changes: Mapping[str, Any] | None = None) -> None:
        self._calls = [
            (json.loads(json.dumps(c["messages"])), c["response"], json.loads(json.dumps(c.get("lm", {}))))
            for c in calls
        ]
        self._changes: Mapping[str, Any] = json.loads(json.dumps(dict(changes or {}), default=repr))
        self._next = [0]
        self._lock = threading.Lock()

    def replace(self, **changes: Any) -> ReplayLM:
        """The same recording, answering for a changed LM: each request must be recorded with these changes."""
        view = object.__new__(ReplayLM)
        view._calls, view._next, view._lock = self._calls, self._next, self._lock
        view._changes = json.loads(json.dumps({**self._changes, **changes}, default=repr))
        return view

    def complete(self, messages: Sequence[Mapping[str, Any]]) -> str:
        index, response = self._replay(messages)
        if not isinstance(response, str):
            raise AssertionError(
                f"LM call {index + 1} was recorded with log-probabilities (choice scoring); none were asked"
            )
        return response

    async def acomplete(self, messages: Sequence[Mapping[str, Any]]) -> str:
        return self.complete(messages)

    def complete_scored(self, messages: Sequence[Mapping[str, Any]]) -> Scored:
        index, response = self._replay(messages)
        if isinstance(response, str):
            raise AssertionError(f"LM call {index + 1} was recorded without log-probabilities; they were asked")
        return Scored(response["text"], tuple(TokenLogprobs.from_json(t) for t in response["logprobs"]))

    async def acomplete_scored(self, messages: Sequence[Mapping[str, Any]]) -> Scored:
        return self.complete_scored(messages)

    def _replay(self, messages: Sequence[Mapping[str, Any]]) -> tuple[int, Any]:
        """The next recorded call's index and response, after checking its messages byte for byte."""
        with self._lock:
            index = self._next[0]
            self._next[0] += 1
        if index >= len(self._calls):
            raise AssertionError(f"LM call {index + 1} was not recorded (the recorded run made {len(self._calls)})")
        expected, response, changes = self._calls[index]
        actual = json.loads(json.dumps([dict(m) for m in messages]))
        if actual != expected:
            raise AssertionError(_message_diff(index, expected, actual))
        if changes != self._changes:
            raise AssertionError(
                f"LM call {index + 1} went to another LM than the recorded one: recorded with "
                f"{json.dumps(changes, sort_keys=True)}, sent with {json.dumps(self._changes, sort_keys=True)}"
            )
        return index, response

    def assert_done(self) -> None:
        if self._next[0] != len(self._calls):
            raise AssertionError(f"the run made {self._next[0]} LM call(s); the recorded run made {len(self._calls)}")


def scored_response(scored: Scored) -> dict[str, Any]:
    """A choice-scored answer as a parity case records it (JSON)."""
    return {"text": scored.text, "logprobs": [t.to_json() for t in scored.tokens or ()]}


def _message_diff(index: int, expected: list[Any], actual: list[Any]) -> str:
    import difflib  # only a failing parity test needs it

    head = f"LM call {index + 1} differs from the recorded one"
    if len(expected) != len(actual):
        head += f" ({len(actual)} messages instead of {len(expected)})"
    for i, (want, got) in enumerate(zip(expected, actual, strict=False)):
        if want != got:
            lines = difflib.unified_diff(
                json.dumps(want, indent=1, ensure_ascii=False).splitlines(),
                json.dumps(got, indent=1, ensure_ascii=False).splitlines(),
                "recorded",
                "sent",
                lineterm="",
            )
            return f"{head}; message {i + 1}:\n" + "\n".join(list(lines)[:60])
    return head
