"""Built-in metrics (DSPy's normalization) and built-in functions."""

from __future__ import annotations

import pytest

from lmc.runtime.builtins import BUILTINS, join, length, majority, unique
from lmc.runtime.metrics import contains, exact_match, f1, normalize_text
from lmc.runtime.trace import Prediction

from .samples import Citation, Sentiment


def test_normalize_text():
    assert normalize_text("  The Eiffel   Tower! ") == "eiffel tower"
    assert normalize_text("An apple, a day.") == "apple day"
    assert normalize_text("theatre") == "theatre"  # only whole-word articles go


def test_exact_match():
    metric = exact_match("answer")
    assert metric({"answer": "The Eiffel Tower"}, {"answer": "eiffel tower."}) == 1.0
    assert metric({"answer": "Paris"}, {"answer": "Lyon"}) == 0.0
    assert metric({"answer": ["Paris", "City of Light"]}, {"answer": "city of light"}) == 1.0
    assert metric({"answer": "Paris"}, {}) == 0.0
    assert metric.__name__ == "exact_match_answer"
    with pytest.raises(KeyError, match="no field `answer`"):
        metric({}, {"answer": "x"})


def test_exact_match_compares_enums_by_value_and_structures_by_json():
    assert exact_match("s")({"s": "positive"}, {"s": Sentiment.positive}) == 1.0
    assert exact_match("s")({"s": "negative"}, {"s": Sentiment.positive}) == 0.0
    assert exact_match("ok")({"ok": True}, {"ok": True}) == 1.0
    assert exact_match("n")({"n": 3}, {"n": 3}) == 1.0
    record = {"title": "T", "year": 1999}
    assert exact_match("c")({"c": record}, {"c": Citation(**record)}) == 1.0
    assert exact_match("k")({"k": ["x", "y"]}, {"k": ["x", "y"]}) == 1.0
    assert exact_match("k")({"k": ["x", "y"]}, {"k": ["y", "x"]}) == 0.0


def test_f1():
    metric = f1("answer")
    assert metric({"answer": "the big red dog"}, {"answer": "big red dog"}) == 1.0
    assert metric({"answer": "big red dog"}, {"answer": "big dog barks"}) == pytest.approx(2 / 3)
    assert metric({"answer": "cat"}, {"answer": "dog"}) == 0.0
    assert metric({"answer": ""}, {"answer": ""}) == 0.0


def test_contains():
    metric = contains("answer")
    assert metric({"answer": "Paris"}, {"answer": "It is Paris, of course."}) == 1.0
    assert metric({"answer": "Paris"}, {"answer": "Parisian food"}) == 0.0
    assert metric({"answer": "New York"}, {"answer": "in new york city"}) == 1.0


def test_unique_keeps_first_order_and_handles_unhashables():
    assert unique(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]
    assert unique([{"x": 1}, {"x": 1}, [1], [1]]) == [{"x": 1}, [1]]


def test_len_and_join():
    assert BUILTINS["len"] is length and length(["a", "b"]) == 2
    assert join(["a", Sentiment.neutral, 3]) == "a neutral 3"
    assert join(["a", "b"], sep=", ") == "a, b"


def test_majority():
    assert majority(["Paris", "Lyon", "paris.", "Lyon"]) == "Paris"  # tie: first seen wins
    assert majority(["a", "b", "b"]) == "b"
    assert majority([Sentiment.neutral, "positive", Sentiment.positive]) == "positive"
    predictions = [Prediction(answer="Lyon", n=1), Prediction(answer="Paris", n=2), Prediction(answer="paris", n=3)]
    assert majority(predictions, field="answer") == predictions[1]
    with pytest.raises(ValueError, match="empty"):
        majority([])
    with pytest.raises(ValueError, match="no field `answer`"):
        majority([{"x": 1}], field="answer")
