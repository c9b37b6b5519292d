"""Choice scoring: read a choice field's answer from the LM's log-probabilities.

A field whose type is a closed set of values (an enum, a literal union,
``bool``) can be answered by comparing the model's log-probability of each
value where the value starts, instead of by the text the model happened to
write. With a per-value ``bias`` learned by the ``Calibrate`` optimizer this
is calibrated choice decoding: a small model that leans towards one label
(SmolLM2-135M answers ``positive`` to almost any sentence) still ranks the
sentences in the right order, and a bias moves the cut to where the labels
part.

The request is the one the module always sends plus ``logprobs`` and
``top_logprobs`` (so it is cached and replayed like any other), and the
chat format is unchanged: the value's position is found after the field's
``[[ ## name ## ]]`` marker in the answer. When the answer has no such
marker, or none of the top tokens there starts a value, the parsed text
stands. At bias 0 the chosen value is the greedy one.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

__all__ = ["TOP_LOGPROBS", "TokenLogprobs", "choice_values", "decide", "parse_openai_logprobs", "score_field"]

# OpenAI's largest allowed ``top_logprobs``; other providers accept it or fewer.
TOP_LOGPROBS = 20


@dataclass(frozen=True, slots=True)
class TokenLogprobs:
    """One generated token and its most likely alternatives (token text, log-probability), best first."""

    token: str
    top: tuple[tuple[str, float], ...]

    def to_json(self) -> list[Any]:
        return [self.token, [[t, lp] for t, lp in self.top]]

    @classmethod
    def from_json(cls, data: Sequence[Any]) -> TokenLogprobs:
        return cls(str(data[0]), tuple((str(t), float(lp)) for t, lp in data[1]))


def parse_openai_logprobs(logprobs: Any) -> tuple[TokenLogprobs, ...] | None:
    """``choices[0].logprobs`` of an OpenAI-shaped answer (dicts or litellm objects); None when absent.

    Raises ``ValueError`` when they are there but not of that shape: a server's fault, never scores.
    """
    content = _get(logprobs, "content")
    if not content:
        return None
    if not isinstance(content, Sequence) or isinstance(content, (str, bytes)):
        raise ValueError(f"logprobs content is {type(content).__name__}, not a list")
    tokens = []
    for entry in content:
        top = tuple((_token(t), _logprob(t)) for t in _get(entry, "top_logprobs") or ())
        tokens.append(TokenLogprobs(_token(entry), top))
    return tuple(tokens)


def _token(obj: Any) -> str:
    token = _get(obj, "token")
    if not isinstance(token, str):
        raise ValueError(f"a logprobs token is {token!r}")
    return token


def _logprob(obj: Any) -> float:
    value = _get(obj, "logprob")
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or math.isnan(value) or value == math.inf:  # -inf: a token the model rules out
        raise ValueError(f"a log-probability is {value!r}")
    return float(value)


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def choice_values(annotation: Any) -> tuple[str, ...] | None:
    """The values a field of this type can take, as the model writes them; None for an open type."""
    if annotation is bool:
        return ("True", "False")
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return tuple(str(m.value) for m in annotation)
    if get_origin(annotation) is Literal:
        return tuple(str(v) for v in get_args(annotation))
    return None


def score_field(
    text: str, tokens: Sequence[TokenLogprobs], field: str, values: Sequence[str]
) -> dict[str, float] | None:
    """Each value's log-probability where ``field``'s value starts in the answer; None when unknown.

    A value scores the best alternative token there that starts it and starts
    no other value (a token shared by two values tells them apart no better
    than chance). A value with no such alternative among the top tokens
    scores the lowest log-probability seen there: an upper bound of its own.
    """
    marker = f"[[ ## {field} ## ]]"
    at = text.find(marker)
    if at < 0:
        return None
    start = at + len(marker)
    while start < len(text) and text[start].isspace():
        start += 1
    position = _token_at(tokens, start)
    if position is None:
        return None
    top = tokens[position].top
    scores: dict[str, float] = {}
    for alternative, logprob in top:
        piece = alternative.strip()
        starts = [v for v in values if piece and v.startswith(piece)]
        if len(starts) == 1 and logprob > scores.get(starts[0], float("-inf")):
            scores[starts[0]] = logprob
    if not scores:
        return None
    floor = min(lp for _, lp in top)
    return {v: scores.get(v, floor) for v in values}


def _token_at(tokens: Sequence[TokenLogprobs], offset: int) -> int | None:
    """The index of the token whose text covers character ``offset`` of the answer."""
    position = 0
    for index, token in enumerate(tokens):
        end = position + len(token.token)
        if position <= offset < end:
            return index
        position = end
    return None


def decide(scores: Mapping[str, float], bias: Mapping[str, float]) -> str:
    """The value with the highest biased score (the first declared one on a tie)."""
    return max(scores, key=lambda v: scores[v] + bias.get(v, 0.0))
