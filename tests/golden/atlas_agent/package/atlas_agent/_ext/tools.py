"""The tools of the atlas agent: a lookup in a small table of invented countries, and a calculator.

The countries are made up, so the model cannot answer from memory: it has to
call `lookup`. Both functions return text or numbers an agent can read; bad
input raises, and the ReAct module shows the error to the agent as the
observation of that turn. This file runs from the sample folder (when lmc
optimizes the program) and from a built package (as `atlas_agent/_ext/tools.py`).
"""

from __future__ import annotations

import ast
import operator

ATLAS = {
    "varno": ("Varno", "Tesk", 412_000, "Varnish"),
    "ollin": ("Ollin", "Marrow", 95_000, "Ollic"),
    "kessa": ("Kessa", "Dunmere", 1_250_000, "Kessan"),
    "tarrow isles": ("Tarrow Isles", "Port Elm", 38_000, "Varnish"),
    "brenn": ("Brenn", "Hallow", 603_000, "Brennic"),
}

_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.USub: operator.neg,
}


def lookup(country: str) -> str:
    """The atlas entry of one country: its capital, population and language."""
    row = ATLAS.get(" ".join(country.split()).casefold())
    if row is None:
        known = ", ".join(name for name, *_ in ATLAS.values())
        return f"The atlas has no country called {country!r}. Its countries are: {known}."
    name, capital, population, language = row
    return f"{name}: capital {capital}; population {population}; language {language}."


def calculate(expression: str) -> float:
    """The value of an arithmetic expression of numbers, + - * / and parentheses."""
    return _evaluate(ast.parse(expression, mode="eval").body)


def _evaluate(node: ast.expr) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.operand))
    raise ValueError(f"only numbers and + - * / are allowed, not {ast.unparse(node)!r}")
