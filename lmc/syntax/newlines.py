"""Significant newlines: the postlexer between the lexer and the LALR parser.

The lexer emits ``_NL`` for every line break; ``Newlines`` keeps only those
that separate statements, declarations and block entries, and adds the ones
a closing ``}`` and the end of the input imply (the rules are at the top of
``grammar/lmp.lark``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

AnyToken = Any  # a token of Lark's or of ``lmc.tokens``: both have ``type``, positions and their text


_OPENERS = {"(": ")", "[": "]", "{": "}"}
# A line that ends with one of these goes on on the next line.
_OPEN_ENDED = frozenset(
    {",", "=", ":", "->", "|", ".", "+", "-", "==", "!=", "<", ">", "<=", ">=", "and", "or", "not", "(", "[", "{"}
)
# A line that starts with one of these continues the line before it.
_CONTINUATIONS = frozenset({"else", ",", "->", "|"})
_WORDLIKE = frozenset({"NAME", "STRING", "NUMBER"})
NL = "_NL"


def _symbol(tok: AnyToken) -> str | None:
    """The text of a punctuation or keyword token (the token itself: a ``str``); None for names, strings, numbers."""
    return None if tok.type in _WORDLIKE else tok


def _marker(at: AnyToken, *, after: bool) -> AnyToken:
    """A zero-width ``_NL`` the postlexer adds, before or after ``at`` (a token of ``at``'s kind)."""
    make = type(at)
    if after:
        return make(NL, "", at.end_pos, at.end_line, at.end_column, at.end_line, at.end_column, at.end_pos)
    return make(NL, "", at.start_pos, at.line, at.column, at.line, at.column, at.start_pos)


class Newlines:
    """Makes newlines significant only where they separate statements or entries.

    See the comment at the top of ``grammar/lmp.lark`` for the rules. Each call
    of ``process`` keeps its state in local variables, so one instance serves
    every parse. It serves Lark's tree parser as its ``postlex`` (which needs
    ``process`` and ``always_accept``) and the one-pass reader alike, on the
    tokens of either.
    """

    always_accept: tuple[str, ...] = ()

    def process(self, stream: Iterator[AnyToken]) -> Iterator[AnyToken]:
        brackets: list[str] = []
        prev: AnyToken | None = None
        pending: AnyToken | None = None
        for tok in stream:
            if tok.type == NL:
                if (
                    prev is None
                    or prev.type == NL
                    or pending is not None
                    or (brackets and brackets[-1] != "{")
                    or _symbol(prev) in _OPEN_ENDED
                ):
                    continue
                pending = tok
                continue
            sym = None if tok.type in _WORDLIKE else tok  # _symbol(tok), inline: once per token
            if pending is not None:
                if sym not in _CONTINUATIONS:
                    yield pending
                    prev = pending
                pending = None
            if sym == "}" and brackets and brackets[-1] == "{":
                if prev is not None and prev.type != NL and _symbol(prev) not in ("{", ","):
                    prev = _marker(tok, after=False)
                    yield prev
            if sym in _OPENERS:
                brackets.append(sym)
            elif sym in (")", "]", "}") and brackets and _OPENERS[brackets[-1]] == sym:
                brackets.pop()
            yield tok
            prev = tok
        if pending is not None:
            yield pending
        elif prev is not None and prev.type != NL:
            yield _marker(prev, after=True)
