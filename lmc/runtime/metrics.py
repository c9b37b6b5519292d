"""Metrics: what a metric may return (:func:`as_score`), and the built-ins ``exact_match``, ``f1``, ``contains``.

A metric returns a number, a bool (1 or 0), or a score with feedback: a
mapping ``{"score": 0.5, "feedback": "..."}`` or any object with those
attributes (DSPy's ``dspy.Prediction(score=..., feedback=...)``).
:func:`as_score` reads every one of them as a :class:`Score`; only its
number counts as the score, and the feedback travels beside it for the
optimizers that read it. Every user of a metric (evaluations, bootstrapping,
a module's reward, in the build and in a package) goes through it.

The built-ins are normalized as DSPy (SQuAD) does. Each takes a field name
and returns ``fn(example, prediction) -> float``. The gold value may be a
list of acceptable answers; the best score over them counts. Values that are
not text are compared through their text: enums by value, booleans and
numbers by ``str``, lists and records by their JSON.
"""

from __future__ import annotations

import enum
import json
import math
import numbers
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .types import to_jsonable

__all__ = [
    "METRICS",
    "Metric",
    "MetricValueError",
    "Score",
    "as_score",
    "contains",
    "exact_match",
    "f1",
    "normalize_text",
]

Metric = Callable[[Mapping[str, Any], Mapping[str, Any]], float]


@dataclass(frozen=True, slots=True)
class Score:
    """What one metric call said: the score (a bool read as 1.0 or 0.0) and the feedback, if it gave any."""

    score: float
    feedback: str | None = None


class MetricValueError(ValueError):
    """A metric returned something that is not a score: the message shows the value."""


_SHAPES = 'a number, a bool, or a score with feedback ({"score": 0.5, "feedback": "..."})'


def as_score(value: Any, what: str = "the metric") -> Score:
    """A metric's return value as a :class:`Score`; :class:`MetricValueError` for anything else.

    ``what`` names the metric in the message (``the reward `brief```).

    - a bool: 1.0 or 0.0; a real number (not NaN): itself;
    - a mapping with a ``score`` key, or an object with a ``score`` attribute
      (``dspy.Prediction``): that score, read as above, and its ``feedback``
      (a string, or missing / None); other keys are ignored.
    """
    if isinstance(value, Score):
        return value
    returned = f"{what} returned {_shown(value)}"
    if isinstance(value, (bool, numbers.Real)):
        return Score(_number(value, returned))
    if isinstance(value, Mapping):
        if "score" not in value:
            raise MetricValueError(f"{returned}, which has no `score`; expected {_SHAPES}")
        score, feedback = value["score"], value.get("feedback")
    elif isinstance(value, (str, bytes)) or value is None or not hasattr(value, "score"):
        raise MetricValueError(f"{returned}; expected {_SHAPES}")
    else:
        score, feedback = value.score, getattr(value, "feedback", None)
    if not isinstance(score, (bool, numbers.Real)):
        raise MetricValueError(f"{returned}, whose `score` is {_shown(score)}; expected a number or a bool")
    if feedback is not None and not isinstance(feedback, str):
        raise MetricValueError(f"{returned}, whose `feedback` is {_shown(feedback)}; expected a string or none")
    return Score(_number(score, returned), feedback)


def _number(score: bool | numbers.Real, returned: str) -> float:
    if isinstance(score, bool):
        return 1.0 if score else 0.0
    number = float(score)
    if math.isnan(number):
        raise MetricValueError(f"{returned}: a score cannot be NaN")
    return number


def _shown(value: Any, width: int = 200) -> str:
    """``value``'s repr, cut at ``width`` characters (a metric may return a whole document)."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = frozenset(string.punctuation)


def normalize_text(text: str) -> str:
    """Lowercase, drop punctuation and the articles a/an/the, collapse whitespace."""
    text = unicodedata.normalize("NFD", text).lower()
    text = "".join(ch for ch in text if ch not in _PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def as_text(value: Any) -> str:
    """The text a metric compares: strings as is, enums by value, structures as JSON."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, (bool, int, float)):
        return str(value)
    return json.dumps(to_jsonable(value), ensure_ascii=False, sort_keys=True)


def exact_match_score(prediction: str, gold: str) -> float:
    return float(normalize_text(prediction) == normalize_text(gold))


def f1_score(prediction: str, gold: str) -> float:
    """Token-level F1 of the normalized texts; 0 when they share no token (or both are empty)."""
    predicted = normalize_text(prediction).split()
    expected = normalize_text(gold).split()
    same = sum((Counter(predicted) & Counter(expected)).values())
    if same == 0:
        return 0.0
    precision = same / len(predicted)
    recall = same / len(expected)
    return 2 * precision * recall / (precision + recall)


def contains_score(prediction: str, gold: str) -> float:
    """1 when the normalized gold appears in the normalized prediction as whole tokens."""
    needle = normalize_text(gold).split()
    haystack = normalize_text(prediction).split()
    if not needle:
        return 0.0
    n = len(needle)
    return float(any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1)))


def _field_metric(name: str, field: str, score: Callable[[str, str], float]) -> Metric:
    def metric(example: Mapping[str, Any], prediction: Mapping[str, Any]) -> float:
        if field not in example:
            raise KeyError(f"metric {name}({field}): the example has no field `{field}`")
        if field not in prediction:
            return 0.0
        gold = example[field]
        golds = gold if isinstance(gold, list) and not isinstance(prediction[field], list) else [gold]
        predicted = as_text(prediction[field])
        return max((score(predicted, as_text(g)) for g in golds), default=0.0)

    metric.__name__ = metric.__qualname__ = f"{name}_{field}"
    metric.__doc__ = f"{name}({field}): {score.__doc__ or name}"
    return metric


def exact_match(field: str) -> Metric:
    """1.0 when the prediction's ``field`` equals the example's, after normalization."""
    return _field_metric("exact_match", field, exact_match_score)


def f1(field: str) -> Metric:
    """Token F1 between the prediction's ``field`` and the example's."""
    return _field_metric("f1", field, f1_score)


def contains(field: str) -> Metric:
    """1.0 when the prediction's ``field`` contains the example's (as whole normalized tokens)."""
    return _field_metric("contains", field, contains_score)


METRICS: Mapping[str, Callable[[str], Metric]] = {"exact_match": exact_match, "f1": f1, "contains": contains}
