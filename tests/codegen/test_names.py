"""Python names for user identifiers: safe, unique and stable."""

from __future__ import annotations

from lmc.codegen.names import Namer, isort_key, pascal_case, upper_snake, usable


def test_namer_renames_keywords_dunders_and_taken_names_by_suffix() -> None:
    namer = Namer({"Program", "len"})
    assert namer.claim("class") == "class_"
    assert namer.claim("Program") == "Program_"
    assert namer.claim("len") == "len_"
    assert namer.claim("__name__") == "u__name__"
    assert namer.claim("answer") == "answer"
    assert namer.claim("answer") == "answer_"
    assert namer.claim("answer") == "answer__"


def test_namer_is_deterministic() -> None:
    names = ["a", "class", "a", "Program", "x"]
    first = [Namer({"Program"}).claim(n) for n in names]
    second = [Namer({"Program"}).claim(n) for n in names]
    assert first == second


def test_usable() -> None:
    assert usable("answer") and usable("_private") and usable("match")
    assert not usable("class") and not usable("None") and not usable("__init__") and not usable("1x")


def test_case_conversions() -> None:
    assert pascal_case("lookup_answer") == "LookupAnswer"
    assert pascal_case("multihop") == "Multihop"
    assert upper_snake("GenerateQuery") == "GENERATE_QUERY"
    assert upper_snake("QA") == "QA"
    assert upper_snake("HTTPRequest") == "HTTP_REQUEST"
    assert upper_snake("Check2Things") == "CHECK2_THINGS"


def test_isort_order_constants_classes_then_others() -> None:
    names = ["classify", "LM", "Sentiment", "PROGRAMS", "configure", "X10", "X2", "ClassifyResult"]
    assert sorted(names, key=isort_key) == [
        "LM",
        "PROGRAMS",
        "X2",
        "X10",
        "ClassifyResult",
        "Sentiment",
        "classify",
        "configure",
    ]
