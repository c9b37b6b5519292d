"""The grammar as plain data: what the one-pass reader needs, cached so a correct file never imports Lark.

Lark builds the grammar's LALR tables and lexer (``grammar.parser()``); the
reader needs only their data: the actions per state, the shape of each rule,
the lexer's regex, the keywords and which terminals are skipped or hold line
breaks. ``load()`` reads them from a ``marshal`` file in the user's cache
folder (``$XDG_CACHE_HOME/lmc``, else ``~/.cache/lmc``) that holds the
grammar's text too, so it serves that very grammar only; on a miss, a corrupt or
unreadable file, it builds them with Lark and writes the file anew (whole,
through a rename). ``marshal`` holds data only: reading a file runs no code.
"""

from __future__ import annotations

import functools
import marshal
import os
import sys
import zlib
from dataclasses import astuple
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..records import record
from ..version import __version__
from .grammar import cache_folder, grammar_text

if TYPE_CHECKING:
    from lark import Lark

TABLES_FORMAT = 2  # bump when the fields below change


@record
class Symbol:
    name: str
    is_term: bool
    filter_out: bool  # a terminal the tree leaves out (a keyword or punctuation)


@record
class RuleShape:
    """What a reduction of one grammar rule does with its stack items (Lark's tree-building options)."""

    name: str  # its alias, template or own name: the ``ToIR`` method
    origin: str  # the rule it makes
    expansion: tuple[Symbol, ...]
    keep_all_tokens: bool  # `!rule`
    expand1: bool  # `?rule`
    aliased: bool
    empty_indices: tuple[bool, ...]  # where absent `[item]`s stand (``maybe_placeholders``)


@record
class Tables:
    actions: dict[int, dict[str, tuple[bool, int]]]  # state -> symbol -> (shift?, next state or rule index)
    start_states: dict[str, int]
    end_states: dict[str, int]
    rules: tuple[RuleShape, ...]
    patterns: tuple[str, ...]  # the lexer's regexes: a named group per terminal, tried in Lark's order
    flags: int
    ignore: frozenset[str]  # terminals the lexer skips
    newline: frozenset[str]  # terminals that may hold a line break
    keywords: dict[str, dict[str, str]]  # per terminal, the texts that are another terminal (`lm` -> LM)
    string: str  # the regex of STRING
    comment: str  # the regex of COMMENT
    blank: str  # the regex of the skipped run of blanks (`[\t ]+`), which no other terminal starts with; "" if none


@functools.cache
def load() -> Tables:
    """The grammar's tables, from the cache file when it holds them, else built (and cached).

    The file holds the grammar's text beside the tables and is used only
    for the very same text; its name (a CRC of the text, the format, lmc's
    and Python's versions) keeps versions apart without ``hashlib``'s import.
    """
    grammar = grammar_text()
    key = f"{grammar}\0{TABLES_FORMAT}\0{__version__}\0{sys.version_info[:2]}"
    folder = cache_folder()
    path = None if folder is None else folder / f"lmp-tables-{zlib.crc32(key.encode()):08x}"
    if path is not None:
        try:
            cached_grammar, data = marshal.loads(path.read_bytes())
            if cached_grammar == grammar:
                return _decode(data)
        except Exception:  # missing, unreadable, corrupt or of another shape: build it again
            pass
    from .grammar import parser  # Lark, only now

    tables = from_lark(parser())
    if path is not None:
        _write(path, marshal.dumps((grammar, _encode(tables))))
    return tables


def _write(path: Path, data: bytes) -> None:
    """Write the whole file or nothing: a reader never sees half of it."""
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # an unwritable cache costs the next run the build, nothing else


def from_lark(lark: Lark) -> Tables:
    """The tables of a Lark LALR parser built with the basic lexer.

    Every name becomes a plain ``str``: a Lark built from the grammar's text
    (not from its cache) names things with its ``Token``s, which ``marshal``
    does not write.
    """
    from lark import Token
    from lark.parsers.lalr_analysis import Shift

    index = {id(rule): i for i, rule in enumerate(lark.rules)}
    table = lark.parser.parser.parser.parse_table
    lexer = lark.parser.lexer.lexer
    scanner = lexer.scanner  # builds the lexer's regexes and its keyword callbacks
    texts = [str(t.pattern.value) for t in lark.terminals if t.pattern.type == "str"]
    keywords = {}
    for kind, callback in lexer.callback.items():  # Lark's `UnlessCallback`: a string terminal's text is that terminal
        retyped = {text: str(callback(Token(kind, text)).type) for text in texts}
        keywords[str(kind)] = {text: new for text, new in retyped.items() if new != kind}
    return Tables(
        actions={
            int(state): {
                str(kind): (True, int(arg)) if action is Shift else (False, index[id(arg)])
                for kind, (action, arg) in row.items()
            }
            for state, row in table.states.items()
        },
        start_states={str(k): int(v) for k, v in table.start_states.items()},
        end_states={str(k): int(v) for k, v in table.end_states.items()},
        rules=tuple(
            RuleShape(
                name=str(rule.alias or rule.options.template_source or rule.origin.name),
                origin=str(rule.origin.name),
                expansion=tuple(
                    Symbol(str(s.name), bool(s.is_term), bool(getattr(s, "filter_out", False))) for s in rule.expansion
                ),
                keep_all_tokens=bool(rule.options.keep_all_tokens),
                expand1=bool(rule.options.expand1),
                aliased=bool(rule.alias),
                empty_indices=tuple(bool(b) for b in rule.options.empty_indices or ()),
            )
            for rule in lark.rules
        ),
        patterns=tuple(str(mre.pattern) for mre in scanner._mres),
        flags=int(scanner._mres[0].flags),
        ignore=frozenset(str(t) for t in lexer.ignore_types),
        newline=frozenset(str(t) for t in lexer.newline_types),
        keywords=keywords,
        string=str(lark.get_terminal("STRING").pattern.to_regexp()),
        comment=str(lark.get_terminal("COMMENT").pattern.to_regexp()),
        blank=_blank(lark, lexer.ignore_types),
    )


def _blank(lark: Lark, ignore: Any) -> str:
    """The regex of the one skipped terminal that is a run of characters of a class (Lark's ``%ignore WS``)."""
    import re

    runs = [str(lark.get_terminal(t).pattern.to_regexp()) for t in ignore]
    runs = [r for r in runs if re.fullmatch(r"(?:\(\?:)?\[[^\]]*\]\+\)?", r)]
    return runs[0] if len(runs) == 1 else ""


def _encode(tables: Tables) -> tuple[Any, ...]:
    """Plain tuples, dicts and strings: what ``marshal`` writes."""
    return astuple(tables)


def _decode(data: Any) -> Tables:
    (actions, starts, ends, rules, patterns, flags, ignore, newline, keywords, string, comment, blank) = data
    shapes = tuple(
        RuleShape(name, origin, tuple(Symbol(*s) for s in expansion), keep, expand1, aliased, tuple(empty))
        for name, origin, expansion, keep, expand1, aliased, empty in rules
    )
    return Tables(
        actions, starts, ends, shapes, tuple(patterns), flags, ignore, newline, keywords, string, comment, blank
    )
