"""The tokens the one-pass reader makes: Lark's ``Token`` fields, without importing Lark.

A ``Token`` is its text (a ``str``) with its terminal's name in ``type``, its
offsets ``start_pos``/``end_pos``, and 1-based ``line``/``column`` where
``end_column`` is one past the end, as in Lark. Its constructor takes Lark's
``Token`` arguments in Lark's order, so code that makes tokens from another
token (``type(tok)(...)``) serves both kinds.
"""

from __future__ import annotations


class Token(str):
    __slots__ = ("type", "start_pos", "line", "column", "end_line", "end_column", "end_pos")

    type: str
    start_pos: int
    line: int
    column: int
    end_line: int
    end_column: int
    end_pos: int

    def __new__(
        cls,
        type: str,  # noqa: A002  (Lark's name for it)
        value: str,
        start_pos: int = 0,
        line: int = 1,
        column: int = 1,
        end_line: int = 1,
        end_column: int = 1,
        end_pos: int = 0,
    ) -> Token:
        tok = str.__new__(cls, value)
        tok.type = type
        tok.start_pos = start_pos
        tok.line = line
        tok.column = column
        tok.end_line = end_line
        tok.end_column = end_column
        tok.end_pos = end_pos
        return tok
