"""Source text to IR: the Lark LALR parser, newline handling, error recovery.

A correct file is read in one pass: Lark's LALR parser runs with the
callbacks of ``transform.reducers``, which build the IR as the rules are
reduced, so no parse tree is built. Only a file with a syntax error (or a
string signature that does not read) is parsed again, into a tree, for the
messages of ``syntax_errors`` and the recovery below.

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
import functools
import hashlib
import itertools
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import lark as lark_package
from lark import Lark, Token
from lark.exceptions import UnexpectedInput
from lark.lark import PostLex
from lark.lexer import BasicLexer
from lark.parsers.lalr_analysis import Shift

from . import ir, syntax_errors
from .diagnostics import Diagnostic, Span
from .resources import resource_dir
from .transform import ESCAPES_HELP, ToIR, decode_string, reducers, source_file

GRAMMAR_FILE = "lmp.lark"
START_FILE = "file"
START_SIG_STRING = "sig_string"
# After this many syntax errors a file is not worth reading further.
MAX_SYNTAX_ERRORS = 25

# ------------------------------------------------------------- newlines

_OPENERS = {"(": ")", "[": "]", "{": "}"}
# A line that ends with one of these goes on on the next line.
_OPEN_ENDED = frozenset(
    {",", "=", ":", "->", "|", ".", "+", "-", "==", "!=", "<", ">", "<=", ">=", "and", "or", "not", "(", "[", "{"}
)
# A line that starts with one of these continues the line before it.
_CONTINUATIONS = frozenset({"else", ",", "->", "|"})
_WORDLIKE = frozenset({"NAME", "STRING", "NUMBER"})
NL = "_NL"


def _symbol(tok: Token) -> str | None:
    """The text of a punctuation or keyword token; None for names, strings, numbers."""
    return None if tok.type in _WORDLIKE else str(tok)


def _marker(at: Token, *, after: bool) -> Token:
    """A zero-width ``_NL`` the postlexer adds, before or after ``at``."""
    if after:
        return Token(NL, "", at.end_pos, at.end_line, at.end_column, at.end_line, at.end_column, at.end_pos)
    return Token(NL, "", at.start_pos, at.line, at.column, at.line, at.column, at.start_pos)


class Newlines(PostLex):
    """Makes newlines significant only where they separate statements or entries.

    See the comment at the top of ``grammar/lmp.lark`` for the rules. Each call
    of ``process`` keeps its state in local variables, so one instance serves
    every parse.
    """

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        brackets: list[str] = []
        prev: Token | None = None
        pending: Token | None = None
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
            sym = _symbol(tok)
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


_NEWLINES = Newlines()
_END = Token("$END", "")  # what the parser reads after the last token
_ERROR = (False, None)  # the action of a token the parser cannot take in its state


@functools.cache
def _actions(lark: Lark) -> dict[int, dict[str, tuple[bool, int]]]:
    """The LALR table as (shift?, next state or rule index in ``lark.rules``) per state and symbol.

    Rules as indices spare the parse loop a hash of a Lark ``Rule`` per reduction.
    """
    index = {id(rule): i for i, rule in enumerate(lark.rules)}
    table = lark.parser.parser.parser.parse_table
    return {
        state: {
            kind: (True, arg) if action is Shift else (False, index[id(arg)]) for kind, (action, arg) in row.items()
        }
        for state, row in table.states.items()
    }


@functools.cache
def parser() -> Lark:
    """The ``.lmp`` parser, built once per process.

    Its trees (with positions) serve syntax errors only: a correct file is
    read by ``_Reader`` on the same LALR tables and lexer. Not loaded with
    ``strict=True``: that needs the optional ``interegular`` package and a
    slower start; the tests load the grammar strictly instead.
    """
    grammar = (resource_dir("grammar") / GRAMMAR_FILE).read_text(encoding="utf-8")
    cache = grammar_cache_file(grammar)
    return Lark(
        grammar,
        # The LALR tables, pickled: about 100 ms less per `lmc` process.
        cache=str(cache) if cache is not None else False,
        parser="lalr",
        lexer="basic",
        propagate_positions=True,
        maybe_placeholders=True,
        postlex=_NEWLINES,
        start=[START_FILE, START_SIG_STRING],
    )


def grammar_cache_file(grammar: str) -> Path | None:
    """Where Lark keeps the grammar's tables: the user's own cache folder, never a shared one.

    ``$XDG_CACHE_HOME/lmc`` (else ``~/.cache/lmc``), a file named by a hash
    of the grammar, Lark's and Python's versions, so versions never share a
    file. Lark checks its own hash of the grammar in the file, rebuilds the
    tables when the file is corrupt or stale, and rewrites it; a file or
    folder it cannot write costs the build (about 100 ms), not the parse.
    None when there is no folder to cache in.
    """
    key = f"{grammar}\0{lark_package.__version__}\0{sys.version_info[:2]}"
    name = f"lmp-grammar-{hashlib.sha256(key.encode()).hexdigest()[:16]}.lark"
    try:
        xdg = os.environ.get("XDG_CACHE_HOME")
        folder = (Path(xdg) if xdg else Path.home() / ".cache") / "lmc"
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # RuntimeError: no home folder
        return None
    return folder / name


class _Invalid(Exception):
    """The text does not lex or parse: the tree parser says why (``_syntax_diagnostics``)."""


def _tokens(lark: Lark, text: str) -> Iterator[Token]:
    """The tokens of ``text``, as Lark's basic lexer gives them, without its layers per token.

    Lark's own terminal regex; a keyword is looked up (``_keywords``)
    instead of matched again; a character no terminal matches raises
    ``_Invalid``.
    """
    lexer: BasicLexer = lark.parser.lexer.lexer
    mres, keywords = lexer.scanner._mres, _keywords(lark)
    ignore, newline = lexer.ignore_types, lexer.newline_types
    new_token = Token._future_new  # Token(...) without its checks of deprecated keywords
    pos, line, line_start, size = 0, 1, 0, len(text)
    while pos < size:
        for mre in mres:
            found = mre.match(text, pos)
            if found is not None:
                break
        else:
            raise _Invalid
        value, kind = found.group(0), found.lastgroup
        start_line, start_col, end = line, pos - line_start + 1, pos + len(value)
        if kind in newline and "\n" in value:
            line += value.count("\n")
            line_start = pos + value.rindex("\n") + 1
        if kind not in ignore:
            retyped = keywords.get(kind)
            if retyped is not None:
                kind = retyped.get(value, kind)
            yield new_token(kind, value, pos, start_line, start_col, line, end - line_start + 1, end)
        pos = end


@functools.cache
def _keywords(lark: Lark) -> dict[str, dict[str, str]]:
    """Per terminal with a lexer callback (``NAME``), the texts it gives another type (``lm`` -> ``LM``).

    Lark's callbacks retype a token whose text is a string terminal's (its
    ``UnlessCallback``); asking them about every string terminal's text
    gives the whole table.
    """
    lexer: BasicLexer = lark.parser.lexer.lexer
    lexer.scanner  # noqa: B018  (builds the callbacks, once)
    texts = [t.pattern.value for t in lark.terminals if t.pattern.type == "str"]
    table: dict[str, dict[str, str]] = {}
    for kind, callback in lexer.callback.items():
        retyped = {text: callback(Token(kind, text)).type for text in texts}
        table[kind] = {text: new for text, new in retyped.items() if new != kind}
    return table


def _relocated(tokens: Iterator[Token], locate: Callable[[int], tuple[int, int]]) -> Iterator[Token]:
    """Tokens of a string literal's text, moved to where they stand in the file."""
    for tok in tokens:
        line, col = locate(tok.start_pos)
        end_line, end_col = locate(tok.end_pos)
        yield Token(tok.type, str(tok), tok.start_pos, line, col, end_line, end_col, tok.end_pos)


class _Reader:
    """Reads one file's IR in one pass of the LALR parser, string signatures included.

    The tables, terminals and postlexer are ``parser()``'s; the loops over
    them are this class's (``_tokens``, ``_run``), lean versions of Lark's
    that need no error reporting: ``read`` raises ``_Invalid`` on a syntax
    error and the tree parser reports it. A string signature that does not
    read adds its E007 to ``problems`` (a bad escape is E005, reported
    apart) and clears ``readable``: the IR is then not to be used. Lark is
    pinned in ``pyproject.toml``; ``tests/test_parse_one_pass.py`` holds the
    reader to the tree parser's spans.
    """

    def __init__(self, lark: Lark, path: str) -> None:
        self.lark = lark
        self.path = path
        self.problems: list[Diagnostic] = []
        self.readable = True
        self._table = lark.parser.parser.parser.parse_table
        self._actions = _actions(lark)
        self._reductions = reducers(lark.rules, ToIR(path, self._string_signature))

    def read(self, text: str, start: str, locate: Callable[[int], tuple[int, int]] | None = None) -> Any:
        tokens = _NEWLINES.process(_tokens(self.lark, text))
        return self._run(tokens if locate is None else _relocated(tokens, locate), start)

    def _run(self, tokens: Iterator[Token], start: str) -> Any:
        """Lark's LALR loop (``lalr_parser_state.ParserState.feed_token``) over ``tokens``, then the end."""
        actions, reductions = self._actions, self._reductions
        states = [self._table.start_states[start]]
        end_state = self._table.end_states[start]
        values: list[Any] = []
        for tok in itertools.chain(tokens, (_END,)):
            kind = tok.type
            while True:
                shift, arg = actions[states[-1]].get(kind, _ERROR)
                if shift:
                    states.append(arg)
                    values.append(tok)
                    break
                if arg is None:
                    raise _Invalid
                reduce, size, made = reductions[arg]
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
        raise _Invalid  # the tables never shift the end: it completes the parse or is unexpected

    def _string_signature(self, literal_tok: Token) -> tuple[ir.FieldDecl, ...]:
        """The fields of ``signature X = "a -> b"``, with spans inside the literal."""
        literal = decode_string(str(literal_tok))
        if literal.problems:
            self.readable = False  # a bad escape, already reported as E005
            return ()

        def locate(offset: int) -> tuple[int, int]:
            return _token_position(literal_tok, literal.offsets[min(max(offset, 0), len(literal.offsets) - 1)])

        hash_at = literal.decoded.find("#")
        if hash_at >= 0:  # the lexer would take the rest for a comment
            at = locate(hash_at)
            self._problem(
                "a string signature cannot contain `#`",
                Span(self.path, *at, at[0], at[1] + 1),
                'fields are `name` or `name: type`: "question, k: int -> answer"',
            )
            return ()
        try:
            return self.read(literal.decoded, START_SIG_STRING, locate)
        except _Invalid:
            problem = _first_problem(self.lark, literal.decoded, START_SIG_STRING)
        assert problem is not None, "the tree parser reads what the IR parser does not"
        start, end = locate(problem.start), locate(max(problem.end, problem.start))
        self._problem(problem.message, Span(self.path, *start, *end), problem.help)
        return ()

    def _problem(self, message: str, span: Span, help: str | None) -> None:
        self.problems.append(Diagnostic("E007", message, span, help))
        self.readable = False


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
    lark = parser()
    escapes = _escape_diagnostics(lark, text, path)
    reader = _Reader(lark, path)
    try:
        decls = reader.read(text, START_FILE)
    except _Invalid:
        diagnostics.extend(_syntax_diagnostics(lark, text, path))
        diagnostics.extend(escapes)
        return None, diagnostics
    diagnostics.extend(escapes)
    diagnostics.extend(reader.problems)
    if not reader.readable:
        return None, diagnostics
    return source_file(decls, path, text), diagnostics


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
        what = "a NUL character" if run.group().startswith("\x00") else "a byte that is not valid UTF-8"
        span = index.span(path, run.start(), run.end())
        diagnostics.append(Diagnostic("E006", f"the file contains {what}", span, help="remove it"))
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
    first = _syntax_error(lark, text, START_FILE)
    assert first is not None, "the tree parser reads what the IR parser does not"
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
    diagnostics.append(Diagnostic(problem.code, problem.message, span, problem.help))
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
        diagnostics.append(Diagnostic(found.code, found.message, span, found.help))
        resume = _resume_line(decl_lines, after=resume, error=span, here=found.resume_at_line)
    return diagnostics


def _syntax_error(lark: Lark, text: str, start: str) -> UnexpectedInput | None:
    """The first syntax error of ``text``, from the tree parser (whose positions ``describe`` reads)."""
    try:
        lark.parse(text, start=start)
    except UnexpectedInput as err:
        return err
    return None


def _first_problem(lark: Lark, text: str, start: str = START_FILE) -> syntax_errors.SyntaxProblem | None:
    err = _syntax_error(lark, text, start)
    if err is None:
        return None
    return syntax_errors.describe(err, text, lark, in_signature_string=start == START_SIG_STRING)


def _runs_on(problem: syntax_errors.SyntaxProblem, text: str) -> bool:
    """Whether a piece broke off inside a bracket or a multi-line string."""
    if problem.code == syntax_errors.E_EOF:
        return True
    return problem.code == syntax_errors.E_UNTERMINATED and text.startswith('"""', problem.start)


def _starts_decl(line: str) -> bool:
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
def _literal_scanner(lark: Lark) -> re.Pattern[str]:
    """Finds every string literal of a text the way the lexer does, without parsing.

    Outside comments and strings no token holds a `"` or a `#`, so skipping
    comments and everything else a character at a time finds exactly the
    lexer's ``STRING`` tokens, even in a file with syntax errors.
    """
    string = lark.get_terminal("STRING").pattern.to_regexp()
    comment = lark.get_terminal("COMMENT").pattern.to_regexp()
    return re.compile(f'(?P<comment>{comment})|(?P<string>{string})|[^"#]+|.', re.DOTALL)


def _string_literals(lark: Lark, text: str) -> Iterator[tuple[int, str]]:
    """(offset, source text) of each string literal that holds a backslash."""
    if "\\" not in text:
        return
    for match in _literal_scanner(lark).finditer(text):
        literal = match.group("string")
        if literal is not None and "\\" in literal:
            yield match.start(), literal


def _escape_diagnostics(lark: Lark, text: str, path: str) -> list[Diagnostic]:
    diagnostics: list[Diagnostic] = []
    index: LineIndex | None = None
    for offset, literal in _string_literals(lark, text):
        for problem in decode_string(literal).problems:
            index = index or LineIndex(text)
            span = index.span(path, offset + problem.start, offset + problem.end)
            diagnostics.append(Diagnostic("E005", problem.message, span, help=ESCAPES_HELP))
    return diagnostics


def _token_position(tok: Token, offset: int) -> tuple[int, int]:
    """Line and column of the character ``offset`` places into a token's text."""
    before = str(tok)[:offset]
    newlines = before.count("\n")
    if not newlines:
        return tok.line, tok.column + offset
    return tok.line + newlines, offset - before.rfind("\n")
