"""The one-pass reader: the IR of a correct file, lexed and parsed on the grammar's tables.

It runs lean versions of Lark's basic lexer and LALR loop on the tables of
``lmc.tables`` (Lark's own, as plain data), with the callbacks of
``transform.reducers``, which build the IR as the rules are reduced: no
parse tree, no second walk, and no Lark import. It does no error reporting:
input it cannot read raises ``Invalid``, and ``parse.py`` has Lark's tree
parser say why. ``tests/test_parse_one_pass.py`` holds its tokens and spans
to Lark's.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

from ..diagnostics import catalog
from ..diagnostics.catalog import Filled
from ..diagnostics.core import Diagnostic, Span
from ..ir import nodes as ir
from .builder import ToIR, reducers
from .grammar import START_SIG_STRING
from .newlines import Newlines
from .strings import decode_string
from .tables import Tables
from .tokens import Token

_NEWLINES = Newlines()
_END = Token("$END", "")  # what the parser reads after the last token

# The first syntax problem of a string signature's text: (start, end, its wording), offsets into the text.
Describe = Callable[[str], tuple[int, int, Filled]]


class Invalid(Exception):
    """The text does not lex or parse."""


def tokens(tables: Tables, text: str) -> Iterator[Token]:
    """The tokens of ``text`` before the postlexer, as Lark's basic lexer gives them.

    The terminals' regexes are tried in Lark's order; a keyword is looked up
    in ``tables.keywords`` (Lark matches it again); a character no terminal
    matches raises ``Invalid``. The run of blanks before a token is matched
    with it (``tables.blank``, which no terminal starts with, so Lark would
    skip the same run): one regex match a token.
    """
    if len(tables.patterns) != 1 or not tables.blank:
        yield from _tokens_lark_order(tables, text)
        return
    match = re.compile(f"(?:{tables.blank})?(?:{tables.patterns[0]})", tables.flags).match  # `re` keeps it compiled
    keywords, ignore, newline = tables.keywords, tables.ignore, tables.newline
    new, make = str.__new__, Token
    pos, line, line_start, size = 0, 1, 0, len(text)
    while pos < size:
        found = match(text, pos)
        if found is None:
            raise Invalid
        kind = found.lastgroup
        end = found.end()
        if kind is None:  # only blanks, at the end of the text
            pos = end
            continue
        start = found.start(kind)
        if kind in newline:
            value = text[start:end]
            if "\n" in value:
                start_line, start_col = line, start - line_start + 1
                line += value.count("\n")
                line_start = start + value.rindex("\n") + 1
                if kind not in ignore:
                    yield make(kind, value, start, start_line, start_col, line, end - line_start + 1, end)
                pos = end
                continue
        if kind not in ignore:
            retyped = keywords.get(kind)
            tok = new(make, text[start:end])
            if retyped is not None:
                kind = retyped.get(tok, kind)
            tok.type, tok.start_pos, tok.end_pos = kind, start, end
            tok.line = tok.end_line = line
            tok.column, tok.end_column = start - line_start + 1, end - line_start + 1
            yield tok
        pos = end


def _tokens_lark_order(tables: Tables, text: str) -> Iterator[Token]:
    """``tokens`` for tables with several regexes or no skipped blanks: each regex tried in turn."""
    mres = _compiled(tables.patterns, tables.flags)
    keywords, ignore, newline = tables.keywords, tables.ignore, tables.newline
    pos, line, line_start, size = 0, 1, 0, len(text)
    while pos < size:
        for mre in mres:
            found = mre.match(text, pos)
            if found is not None:
                break
        else:
            raise Invalid
        value, kind = found.group(0), found.lastgroup
        assert kind is not None, "every pattern is a terminal's named group"
        start_line, start_col, end = line, pos - line_start + 1, pos + len(value)
        if kind in newline and "\n" in value:
            line += value.count("\n")
            line_start = pos + value.rindex("\n") + 1
        if kind not in ignore:
            retyped = keywords.get(kind)
            if retyped is not None:
                kind = retyped.get(value, kind)
            yield Token(kind, value, pos, start_line, start_col, line, end - line_start + 1, end)
        pos = end


def _compiled(patterns: tuple[str, ...], flags: int) -> list[re.Pattern[str]]:
    return [re.compile(p, flags) for p in patterns]  # `re` keeps them compiled, process-wide


def token_position(tok: Token, offset: int) -> tuple[int, int]:
    """Line and column of the character ``offset`` places into a token's text."""
    before = str(tok)[:offset]
    newlines = before.count("\n")
    if not newlines:
        return tok.line, tok.column + offset
    return tok.line + newlines, offset - before.rfind("\n")


def _relocated(stream: Iterator[Token], locate: Callable[[int], tuple[int, int]]) -> Iterator[Token]:
    """Tokens of a string literal's text, moved to where they stand in the file."""
    for tok in stream:
        line, col = locate(tok.start_pos)
        end_line, end_col = locate(tok.end_pos)
        yield Token(tok.type, str(tok), tok.start_pos, line, col, end_line, end_col, tok.end_pos)


class Reader:
    """Reads one file's IR, string signatures included.

    ``read`` raises ``Invalid`` when the text does not read. A string
    signature that does not read adds its E007 to ``problems`` (its message
    from ``describe``; a bad escape is E005, reported apart) and clears
    ``readable``: the IR is then not to be used.
    """

    def __init__(self, tables: Tables, path: str, describe: Describe) -> None:
        self.tables = tables
        self.path = path
        self.describe = describe
        self.problems: list[Diagnostic] = []
        self.readable = True
        self._reductions = reducers(tables.rules, ToIR(path, self._string_signature))

    def read(self, text: str, start: str, locate: Callable[[int], tuple[int, int]] | None = None) -> Any:
        stream = _NEWLINES.process(tokens(self.tables, text))
        return self._run(stream if locate is None else _relocated(stream, locate), start)

    def _run(self, stream: Iterator[Token], start: str) -> Any:
        """Lark's LALR loop (``lalr_parser_state.ParserState.feed_token``) over ``stream``, then the end."""
        actions, reductions = self.tables.actions, self._reductions
        states = [self.tables.start_states[start]]
        end_state = self.tables.end_states[start]
        values: list[Any] = []
        for tok in itertools.chain(stream, (_END,)):
            kind = tok.type
            while True:
                action = actions[states[-1]].get(kind)
                if action is None:  # a token the parser cannot take in its state
                    raise Invalid
                shift, arg = action
                if shift:
                    states.append(arg)
                    values.append(tok)
                    break
                reduce, size, made = reductions[arg]
                if reduce is None:  # a rule that hands its one item up: only the state changes
                    states[-1] = actions[states[-2]][made][1]
                else:
                    if size:
                        items = values[-size:]
                        del states[-size:]
                        del values[-size:]
                    else:
                        items = []
                    values.append(reduce(items))
                    states.append(actions[states[-1]][made][1])
                if tok is _END and states[-1] == end_state:
                    return values[-1][0]
        raise Invalid  # the tables never shift the end: it completes the parse or is unexpected

    def _string_signature(self, literal_tok: Token) -> tuple[ir.FieldDecl, ...]:
        """The fields of ``signature X = "a -> b"``, with spans inside the literal."""
        literal = decode_string(str(literal_tok))
        if literal.problems:
            self.readable = False  # a bad escape, already reported as E005
            return ()

        def locate(offset: int) -> tuple[int, int]:
            return token_position(literal_tok, literal.offsets[min(max(offset, 0), len(literal.offsets) - 1)])

        hash_at = literal.decoded.find("#")
        if hash_at >= 0:  # the lexer would take the rest for a comment
            at = locate(hash_at)
            self._problem(catalog.SIGNATURE_HASH.fill(), Span(self.path, *at, at[0], at[1] + 1))
            return ()
        try:
            fields: tuple[ir.FieldDecl, ...] = self.read(literal.decoded, START_SIG_STRING, locate)
            return fields
        except Invalid:
            start, end, text = self.describe(literal.decoded)
        self._problem(text, Span(self.path, *locate(start), *locate(max(end, start))))
        return ()

    def _problem(self, text: Filled, span: Span) -> None:
        self.problems.append(text.at(span))
        self.readable = False
