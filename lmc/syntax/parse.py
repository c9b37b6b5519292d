"""Source text to IR: the one-pass reader for a correct file, Lark's tree parser for errors.

A correct file is read in one pass (``reader.py``): a lean lexer and LALR
loop on the grammar's tables (``tables.py``, cached as plain data), whose
reductions build the IR (``syntax/builder.py``). Lark is not even imported. Only
a file with a syntax error (or a string signature that does not read) is
parsed again by Lark, into a tree, for the messages of ``syntax/messages.py`` and
the recovery below.

``parse(text, path)`` never raises. Every syntax error becomes a
``Diagnostic`` (codes ``E001``..``E008``, see ``docs/language.md``), and after
an error the parser resumes at the next line that starts a top-level
declaration, so one run reports the errors of every broken declaration.

It returns ``(SourceFile, diagnostics)`` when the syntax is valid, and
``(None, diagnostics)`` when it is not. Diagnostics can hold errors even when a
``SourceFile`` comes back (a bad escape, a NUL character): the IR is then
complete and the checks can run, but the caller must not build from it.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import gc
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..diagnostics import catalog
from ..diagnostics.catalog import Filled
from ..diagnostics.core import Diagnostic, Span
from ..ir import nodes as ir
from . import tables
from .builder import source_file
from .grammar import START_FILE, START_SIG_STRING, parser
from .reader import Invalid, Reader
from .strings import decode_string

if TYPE_CHECKING:
    from lark import Lark
    from lark.exceptions import UnexpectedInput

    from .messages import SyntaxProblem

__all__ = ["MAX_SYNTAX_ERRORS", "parse"]

# After this many syntax errors a file is not worth reading further.
MAX_SYNTAX_ERRORS = 25


# ------------------------------------------------------------ positions


class LineIndex:
    """Offsets to 1-based (line, column) for one text."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def span(self, path: str, start: int, end: int) -> Span:
        line, col = self.position(start)
        end_line, end_col = self.position(max(end, start))
        return Span(path, line, col, end_line, end_col)


# ------------------------------------------------------------- the entry


def parse(text: str, path: str) -> tuple[ir.SourceFile | None, list[Diagnostic]]:
    """Parse one ``.lmp`` file; never raises (see the module docstring)."""
    text, diagnostics = _clean(text, path)
    grammar = tables.load()
    escapes = _escape_diagnostics(grammar, text, path)
    reader = Reader(grammar, path, _describe_signature_string)
    try:
        with _no_collection():
            decls = reader.read(text, START_FILE)
    except Invalid:
        diagnostics.extend(_syntax_diagnostics(parser(), text, path))
        diagnostics.extend(escapes)
        return None, diagnostics
    diagnostics.extend(escapes)
    diagnostics.extend(reader.problems)
    if not reader.readable:
        return None, diagnostics
    return source_file(decls, path, text), diagnostics


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """The cyclic garbage collector paused while the reader builds the IR: a tree of new objects and no
    cycles, which the collector would walk again and again as it grows (~7% of a 5,000-line check).
    Turned back on after, if it was on: a host that keeps it off keeps it off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _describe_signature_string(text: str) -> tuple[int, int, Filled]:
    """The first problem of a string signature's text that does not read, from Lark's tree parser."""
    problem = _first_problem(parser(), text, START_SIG_STRING)
    assert problem is not None, "the tree parser reads what the one-pass reader does not"
    return problem.start, problem.end, problem.text


def _clean(text: str, path: str) -> tuple[str, list[Diagnostic]]:
    """Report characters no source may hold; blank them so parsing goes on.

    A byte-order mark at the start is whitespace. NUL characters and lone
    surrogates (the trace of undecodable bytes) become spaces, so every
    column stays where it was; each run of them is one diagnostic.
    """
    diagnostics: list[Diagnostic] = []
    if text.startswith("\ufeff"):
        text = " " + text[1:]
    if "\x00" not in text and _is_encodable(text):
        return text, diagnostics
    index = LineIndex(text)
    for run in _BAD_CHARACTERS.finditer(text):
        if len(diagnostics) == MAX_SYNTAX_ERRORS:
            break
        entry = catalog.NUL_CHARACTER if run.group().startswith("\x00") else catalog.INVALID_BYTE
        diagnostics.append(entry.at(index.span(path, run.start(), run.end())))
    return _BAD_CHARACTERS.sub(lambda run: " " * len(run.group()), text), diagnostics


_BAD_CHARACTERS = re.compile("\x00+|[\ud800-\udfff]+")


def _is_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _syntax_diagnostics(lark: Lark, text: str, path: str) -> list[Diagnostic]:
    """The syntax errors of a file that does not parse; after each, read on one declaration at a time.

    After an error, parsing resumes at the next
    line that starts a declaration in column 1 and reads up to the following
    one, so a broken file costs about one pass, not one pass per error. A
    piece that ends inside a bracket or a ``\"\"\"`` string is read again up to
    the end of the file. Each piece is preceded by blank lines, so its
    positions are the file's.
    """
    from . import messages as syntax_errors  # Lark's messages: imported for a broken file only

    first = _syntax_error(lark, text, START_FILE)
    assert first is not None, "the tree parser reads what the one-pass reader does not"
    lines = text.split("\n")
    starts = LineIndex(text).starts
    decl_lines = [number for number, line in enumerate(lines, 1) if _starts_decl(line)]

    def piece(first_line: int, end_line: int | None) -> str:
        end = starts[end_line - 1] if end_line is not None else len(text)
        return "\n" * (first_line - 1) + text[starts[first_line - 1] : end]

    diagnostics: list[Diagnostic] = []
    problem = syntax_errors.describe(first, text, lark)
    span = LineIndex(text).span(path, problem.start, problem.end)
    resume = _resume_line(decl_lines, after=0, error=span, here=problem.resume_at_line)
    diagnostics.append(problem.text.at(span))
    while resume is not None and len(diagnostics) < MAX_SYNTAX_ERRORS:
        end_line = _next_decl(decl_lines, resume)
        chunk = piece(resume, end_line)
        found = _first_problem(lark, chunk)
        if found is not None and end_line is not None and _runs_on(found, chunk):
            end_line = None
            chunk = piece(resume, None)
            found = _first_problem(lark, chunk)
        if found is None:
            resume = end_line
            continue
        span = LineIndex(chunk).span(path, found.start, found.end)
        diagnostics.append(found.text.at(span))
        resume = _resume_line(decl_lines, after=resume, error=span, here=found.resume_at_line)
    return diagnostics


def _syntax_error(lark: Lark, text: str, start: str) -> UnexpectedInput | None:
    """The first syntax error of ``text``, from the tree parser (whose positions ``describe`` reads)."""
    from lark.exceptions import UnexpectedInput

    try:
        lark.parse(text, start=start)
    except UnexpectedInput as err:
        return err
    return None


def _first_problem(lark: Lark, text: str, start: str = START_FILE) -> SyntaxProblem | None:
    from . import messages as syntax_errors

    err = _syntax_error(lark, text, start)
    if err is None:
        return None
    return syntax_errors.describe(err, text, lark, in_signature_string=start == START_SIG_STRING)


def _runs_on(problem: SyntaxProblem, text: str) -> bool:
    """Whether a piece broke off inside a bracket or a multi-line string."""
    return problem.text.entry in (catalog.UNEXPECTED_EOF, catalog.NEVER_CLOSED, catalog.UNCLOSED_TRIPLE_STRING)


def _starts_decl(line: str) -> bool:
    from . import messages as syntax_errors

    word = line.split(None, 1)[0] if line[:1].isalpha() else ""
    return word in syntax_errors.DECL_WORDS


def _next_decl(decl_lines: list[int], line: int) -> int | None:
    """The first line after ``line`` that starts a declaration."""
    i = bisect.bisect_right(decl_lines, line)
    return decl_lines[i] if i < len(decl_lines) else None


def _resume_line(decl_lines: list[int], *, after: int, error: Span, here: bool) -> int | None:
    """Where to read on after ``error``: the next line that starts a declaration.

    When the error's own line starts a declaration that is fine by itself (a
    missing `}` ran into it), reading resumes right there. Always after ``after``.
    """
    first = error.line if here else error.line + 1
    return _next_decl(decl_lines, max(first, after + 1) - 1)


# -------------------------------------------------------- string checks


@functools.cache
def _literal_scanner(string: str, comment: str) -> re.Pattern[str]:
    """Finds every string literal of a text the way the lexer does, without parsing.

    Outside comments and strings no token holds a `"` or a `#`, so skipping
    comments and everything else a character at a time finds exactly the
    lexer's ``STRING`` tokens, even in a file with syntax errors.
    """
    return re.compile(f'(?P<comment>{comment})|(?P<string>{string})|[^"#]+|.', re.DOTALL)


def _string_literals(grammar: tables.Tables, text: str) -> Iterator[tuple[int, str]]:
    """(offset, source text) of each string literal that holds a backslash."""
    if "\\" not in text:
        return
    for match in _literal_scanner(grammar.string, grammar.comment).finditer(text):
        literal = match.group("string")
        if literal is not None and "\\" in literal:
            yield match.start(), literal


def _escape_diagnostics(grammar: tables.Tables, text: str, path: str) -> list[Diagnostic]:
    diagnostics: list[Diagnostic] = []
    index: LineIndex | None = None
    for offset, literal in _string_literals(grammar, text):
        for problem in decode_string(literal).problems:
            index = index or LineIndex(text)
            span = index.span(path, offset + problem.start, offset + problem.end)
            diagnostics.append(problem.text.at(span))
    return diagnostics
