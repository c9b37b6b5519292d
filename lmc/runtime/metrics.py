"""The built-in metrics ``exact_match``, ``f1`` and ``contains``, normalized as DSPy (SQuAD) does.

Each takes a field name and returns ``fn(example, prediction) -> float``. The
gold value may be a list of acceptable answers; the best score over them
counts. Values that are not text are compared through their text: enums by
value, booleans and numbers by ``str``, lists and records by their JSON.
"""

from __future__ import annotations

import enum
import json
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from .types import to_jsonable

__all__ = ["METRICS", "Metric", "contains", "exact_match", "f1", "normalize_text"]

Metric = Callable[[Mapping[str, Any], Mapping[str, Any]], float]

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
