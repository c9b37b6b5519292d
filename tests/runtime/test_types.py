"""Type names, notes, value formatting and typed parsing (DSPy's rules, pydantic validation)."""

from __future__ import annotations

import enum
from typing import Literal, Optional

import pydantic
import pytest

from lmc.runtime.adapters import ChatAdapter, JSONAdapter
from lmc.runtime.errors import AdapterParseError
from lmc.runtime.signature import Field
from lmc.runtime.types import (
    allows_none,
    annotation_name,
    format_value,
    output_note,
    parse_value,
    to_jsonable,
    type_adapter,
)

from .samples import Citation, Sentiment, signature


class Color(enum.Enum):  # a plain enum whose values differ from its names
    RED = "r"
    GREEN = "g"


@pytest.mark.parametrize(
    ("annotation", "name"),
    [
        (str, "str"),
        (list[str], "list[str]"),
        (dict[str, int], "dict[str, int]"),
        (Literal["yes", "no"], "Literal['yes', 'no']"),
        (Literal["it's", 'say "hi"'], 'Literal["it\'s", \'say "hi"\']'),
        (Sentiment, "Sentiment"),
        (Citation, "Citation"),
        (list[Citation], "list[Citation]"),
        (Optional[int], "Union[int, NoneType]"),  # noqa: UP045 - the spelling matters here
        (int | None, "Union[int, NoneType]"),  # DSPy 3 names PEP 604 unions like typing.Union
        (list[Citation | None], "list[Union[Citation, NoneType]]"),
    ],
)
def test_annotation_name(annotation, name):
    assert annotation_name(annotation) == name


def test_output_notes():
    assert output_note(str) == ""
    assert output_note(bool) == "must be True or False"
    assert output_note(int) == "must be a single int value"
    assert output_note(Color) == "must be one of: r; g"
    assert output_note(Literal["yes", "no"]) == "must exactly match (no extra characters) one of: yes; no"
    assert output_note(list[int]) == 'must adhere to the JSON schema: {"type": "array", "items": {"type": "integer"}}'


@pytest.mark.parametrize(
    ("text", "annotation", "value"),
    [
        ("42", int, 42),
        (" 42 ", int, 42),
        ("4.0", int, 4),
        ("0.25", float, 0.25),
        ("True", bool, True),
        ("false", bool, False),
        ('["a", "b"]', list[str], ["a", "b"]),
        ("['a', 'b']", list[str], ["a", "b"]),
        ('{"k": 2}', dict[str, int], {"k": 2}),
        ("None", Optional[int], None),  # noqa: UP045
        ("7", int | None, 7),
        ("null", str | None, "null"),  # text is text for `str | None`
        ("  spaced  ", str, "  spaced  "),
        ("g", Color, Color.GREEN),
        ("GREEN", Color, Color.GREEN),  # by name when no value matches
        ('"r"', Color, Color.RED),
        ("neutral", Sentiment, Sentiment.neutral),
        ('{"title": "T", "year": "1999"}', Citation, Citation(title="T", year=1999)),
    ],
)
def test_parse_value(text, annotation, value):
    parsed = parse_value(text, annotation)
    assert parsed == value and type(parsed) is type(value)


@pytest.mark.parametrize(
    ("text", "annotation"),
    [
        ("forty-two", int),
        ("4.5", int),
        ("maybe", bool),
        ('["a", 1', list[str]),
        ("blue", Color),
        ('{"title": "T"}', Citation),
        ("no", Literal["yes"]),
    ],
)
def test_parse_value_rejects(text, annotation):
    with pytest.raises(ValueError):
        parse_value(text, annotation)


def test_parse_json_values_without_text():
    assert parse_value(3, int) == 3
    assert parse_value(3, str) == "3"
    assert parse_value({"title": "T", "year": None}, Citation) == Citation(title="T", year=None)
    with pytest.raises(pydantic.ValidationError):
        parse_value([1, "x"], list[int])


def test_type_adapters_are_cached():
    assert type_adapter(list[str]) is type_adapter(list[str])


def test_format_value():
    assert format_value(str, "plain") == "plain"
    assert format_value(str, []) == "N/A"
    assert format_value(str, ["only"]) == "«only»"
    assert format_value(list[str], ["a", "b"]) == '["a", "b"]'
    assert format_value(Sentiment, Sentiment.negative) == "negative"
    assert format_value(bool, True) == "True"
    assert format_value(Citation, Citation(title="Été", year=None)) == '{"title": "Été", "year": null}'
    assert format_value(dict[str, int], {"b": 1, "a": 2}) == '{"b": 1, "a": 2}'


@pytest.mark.parametrize(
    "value",
    ["x", "", "a\udc80", 0, -5, 10**30, True, False, None, 1.5, -0.0, 1e300, float("inf"), float("nan")],
    ids=repr,
)
def test_plain_values_serialize_as_pydantic_writes_them(value):
    """Text, whole numbers, booleans, None and finite floats skip pydantic; the result is what its JSON mode gives."""
    from lmc.runtime.types import serialize_for_json

    expected = pydantic.TypeAdapter(type(value)).dump_python(value, mode="json")
    got = serialize_for_json(value)
    assert type(got) is type(expected)
    assert got == expected or (got != got and expected != expected)  # nan


def test_a_prompt_of_text_never_loads_pydantic():
    """Formatting a call with text inputs and an enum output: pydantic (~65 ms to import) stays unloaded."""
    import subprocess
    import sys

    code = (
        "import enum, sys\n"
        "from lmc.runtime.adapters import ChatAdapter\n"
        "from lmc.runtime.signature import Field, Signature\n"
        "class Label(str, enum.Enum):\n"
        "    good = 'good'\n"
        "    bad = 'bad'\n"
        "sig = Signature('S', 'Classify.', (Field('text', str), Field('n', int)), (Field('label', Label),))\n"
        "ChatAdapter().format(sig, [], {'text': 'fine', 'n': 3})\n"
        "assert 'pydantic' not in sys.modules, 'pydantic was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_to_jsonable():
    value = {"s": Sentiment.positive, "c": Citation(title="T", year=1), "l": (Color.RED, 2.5), "n": None}
    assert to_jsonable(value) == {"s": "positive", "c": {"title": "T", "year": 1}, "l": ["r", 2.5], "n": None}


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [(int | None, True), (Optional[Citation], True), (type(None), True), (int, False), (list[int | None], False)],  # noqa: UP045
)
def test_allows_none(annotation, expected):
    assert allows_none(annotation) is expected


OPTIONAL_OUT = signature("Opt", (Field("q"),), (Field("a", int), Field("b", Citation | None), Field("c", str | None)))


@pytest.mark.parametrize(
    ("adapter", "answer"),
    [(ChatAdapter(), "[[ ## a ## ]]\n3\n\n[[ ## completed ## ]]"), (JSONAdapter(), '{"a": 3}')],
)
def test_missing_optional_outputs_read_as_none(adapter, answer):
    assert adapter.parse(OPTIONAL_OUT, answer) == {"a": 3, "b": None, "c": None}


@pytest.mark.parametrize(
    ("adapter", "answer"),
    [(ChatAdapter(), "[[ ## b ## ]]\nnull\n\n[[ ## completed ## ]]"), (JSONAdapter(), '{"c": "x"}')],
)
def test_a_missing_required_output_is_still_an_error(adapter, answer):
    with pytest.raises(AdapterParseError, match="lacks the output field\\(s\\) `a`"):
        adapter.parse(OPTIONAL_OUT, answer)


def test_a_pydantic_module_another_thread_is_still_importing_is_read_as_not_loaded(monkeypatch):
    """The runtime asks about pydantic without importing it, through ``sys.modules``; a module another
    thread is importing sits there half made (no ``BaseModel`` yet): no model exists yet, so no error."""
    import sys
    import types

    from lmc.runtime.types import describe_error, is_model

    monkeypatch.setitem(sys.modules, "pydantic.main", types.ModuleType("pydantic.main"))
    monkeypatch.setitem(sys.modules, "pydantic_core", types.ModuleType("pydantic_core"))
    assert is_model({"a": 1}) is False
    assert describe_error(ValueError("not a number")) == "not a number"
