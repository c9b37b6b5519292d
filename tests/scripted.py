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


class ScoredLM(ScriptedLM):
    """A scripted LM that also answers ``complete_scored`` (choice scoring).

    ``answers`` returns ``(text, tokens)``: the answer and its tokens with their
    top alternatives (``runtime.choices.TokenLogprobs``); ``complete`` gives the text alone.
    Scored requests are recorded in ``scored_calls`` as well as in ``calls``.
    """

    def __init__(self, answers: Callable[[list[dict]], tuple], model: str = "scripted/scored") -> None:
        super().__init__(lambda messages: answers(messages)[0], model)
        self._scored = answers
        self.scored_calls: list[list[dict]] = []

    def complete_scored(self, messages: list[dict], top_logprobs: int = 20):
        from lmc.runtime.lm.protocol import Scored

        with self._lock:
            self.calls.append([dict(m) for m in messages])
            self.scored_calls.append([dict(m) for m in messages])
        return Scored(*self._scored(messages))

    async def acomplete_scored(self, messages: list[dict], top_logprobs: int = 20):
        return self.complete_scored(messages, top_logprobs)


def scored_chat_answer(field: str, logprobs: dict[str, float], written: str | None = None):
    """A chat answer for one choice field whose value token has ``logprobs`` as its alternatives.

    The text holds ``written`` (default: the most likely value), as a greedy model would write it.
    """
    from lmc.runtime.choices import TokenLogprobs

    ranked = sorted(logprobs.items(), key=lambda kv: -kv[1])
    value = written if written is not None else ranked[0][0]
    head, tail = f"[[ ## {field} ## ]]\n", "\n\n[[ ## completed ## ]]"
    tokens = (
        TokenLogprobs(head, ((head, 0.0),)),
        TokenLogprobs(value, tuple(ranked)),
        TokenLogprobs(tail, ((tail, 0.0),)),
    )
    return head + value + tail, tokens
