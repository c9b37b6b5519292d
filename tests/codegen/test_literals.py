"""``py_literal``: any supported value, written as Python, reads back equal."""

from __future__ import annotations

import ast
import math

import pytest

from lmc.codegen import CodegenError
from lmc.codegen.literals import CHUNK, py_docstring, py_literal, split_chunks

NASTY = [
    "",
    "plain",
    'say "hi"',
    "it's",
    "'''triple single'''",
    '"""triple double"""',
    "back\\slash \\n not a newline",
    "{{ jinja }} {% block %} {# comment #}",
    "nul\x00byte",
    "windows\r\nline\rold mac",
    "tabs\tand\x0bvertical\x0cfeed",
    "emoji 😀🎬, CJK 中文字幕, RTL עברית \u200f marks",
    "line\u2028separator\u2029paragraph\x85next",
    "x" * 500,
    ("a long line of words " * 30).strip(),
    "ends with newline\n",
    "\n\nleading newlines",
    'ends with a quote"',
]


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_strings_read_back_exactly(text: str) -> None:
    code = py_literal(text)
    assert ast.literal_eval(code) == text
    assert "\n" not in code  # one logical line; ruff lays it out


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_chunks_join_to_the_text(text: str) -> None:
    chunks = split_chunks(text)
    assert "".join(chunks) == text
    assert all(len(c) <= CHUNK + 1 or " " not in c for c in chunks)


def test_long_and_multiline_strings_become_parenthesized_chunks() -> None:
    code = py_literal("first line\nsecond line")
    assert code == "('first line\\n' 'second line')"
    assert py_literal("short") == "'short'"


def test_containers_keep_order_and_types() -> None:
    value = {"z": [1, 2.5, None, True], "a": ({"nested": "x"},), "n": -3, "e": ()}
    code = py_literal(value)
    back = eval(code)  # noqa: S307 - our own output, checked for exactly this
    assert back == value
    assert list(back) == ["z", "a", "n", "e"]
    assert isinstance(back["a"], tuple) and isinstance(back["z"], list)


def test_special_floats() -> None:
    for value in (float("inf"), float("-inf"), -0.0, 1e-300, 0.1):
        assert eval(py_literal(value)) == value  # noqa: S307
    assert math.isnan(eval(py_literal(float("nan"))))  # noqa: S307
    assert math.copysign(1, eval(py_literal(-0.0))) == -1  # noqa: S307


def test_unsupported_values_are_an_error() -> None:
    with pytest.raises(CodegenError, match="set"):
        py_literal({1, 2})


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_docstrings_read_back_exactly(text: str) -> None:
    code = py_docstring(text)
    assert ast.literal_eval(code) == text


def test_plain_docstrings_use_triple_quotes() -> None:
    assert py_docstring("The enum `Sentiment`.") == '"""The enum `Sentiment`."""'
    assert py_docstring('ends with "') != '"""ends with """"'
