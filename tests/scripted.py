"""A deterministic scripted LM for unit tests (the runtime's LM interface)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable


class ScriptedLM:
    """Answers from a function of the messages, or from a fixed list in order.

    Records every request in ``calls`` so tests can assert on exact prompts.
    """

    def __init__(self, answers: Callable[[list[dict]], str] | Iterable[str], model: str = "scripted/lm") -> None:
        self.model = model
        self._fn = answers if callable(answers) else None
        self._queue = None if callable(answers) else list(answers)
        self.calls: list[list[dict]] = []
        self._lock = threading.Lock()

    def complete(self, messages: list[dict]) -> str:
        with self._lock:
            self.calls.append([dict(m) for m in messages])
            if self._fn is not None:
                return self._fn(messages)
            if not self._queue:
                raise AssertionError("ScriptedLM ran out of answers")
            return self._queue.pop(0)

    async def acomplete(self, messages: list[dict]) -> str:
        return self.complete(messages)


def chat_answer(**fields: object) -> str:
    """An answer in DSPy's chat format: one marker per field, then completed."""
    parts = [f"[[ ## {name} ## ]]\n{value}" for name, value in fields.items()]
    return "\n\n".join(parts + ["[[ ## completed ## ]]"])
