"""Friendly messages for Lark's syntax errors.

``describe`` turns one ``UnexpectedInput`` into a ``SyntaxProblem``: an entry
of the diagnostics catalog filled in (a message that says what was expected
and what was found, in words, never terminal names, and a help that says how
to fix it) and offsets into the parsed text. ``parse.py`` turns offsets into
spans. The words for tokens (``a name``, ``the end of the line``) are here.

Common mistakes are recognised by the LALR state the parser stopped in, the
way Lark's ``UnexpectedInput.match_examples`` does, but keyed on the state
alone (not the stack depth), so one example covers the mistake at any nesting.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from ..diagnostics import catalog
from ..diagnostics.catalog import Entry, Filled, Help
from ..records import record

# The words that begin a top-level declaration.
DECL_WORDS = frozenset(
    {"lm", "enum", "type", "signature", "tool", "retriever", "program", "metric", "dataset", "optimize", "evaluate"}
)
_LITERALS = frozenset({"STRING", "NUMBER", "true", "false", "none"})
_VALUE_START = frozenset({"NAME", "[", "{", "-"}) | _LITERALS
_OPERAND_START = _VALUE_START | {"("}
_STMT_START = _OPERAND_START | {"not", "module", "repeat", "for", "if", "return"}
_OPERATORS = frozenset({"+", "-", "==", "!=", "<", ">", "<=", ">=", "and", "or", ".", "(", "?", "|"})
_CLOSERS = {"(": ")", "[": "]", "{": "}"}
_FIRST_WORD = re.compile(r"[a-z]+\b")
_WORDS = {
    "NAME": "a name",
    "STRING": "a string",
    "NUMBER": "a number",
    "_NL": "a new line",
    "$END": "the end of the file",
}


@record
class SyntaxProblem:
    text: Filled
    start: int  # offsets into the parsed text; end exclusive
    end: int
    resume_at_line: bool = False  # the problem's line starts a declaration that parses on its own


# ------------------------------------------------------------ vocabulary


def _symbol(lark: Lark, terminal: str) -> str:
    """``NAME``/``STRING``/... as is; a keyword or punctuation as its text."""
    if terminal in _WORDS:
        return terminal
    try:
        pattern = lark.get_terminal(terminal).pattern
    except KeyError:
        return terminal
    return pattern.value if isinstance(pattern, PatternStr) else terminal


def _word(symbol: str) -> str:
    return _WORDS.get(symbol) or f"`{symbol}`"


def _is_keyword(symbol: str) -> bool:
    return symbol.isalpha() and symbol.islower()


def _order(symbol: str) -> tuple[int, str]:
    if symbol in _WORDS:
        return (0 if symbol != "_NL" else 2, symbol)
    return (3 if _is_keyword(symbol) else 1, symbol)


def expected_words(symbols: set[str]) -> str:
    """``{"}", ",", "_NL"}`` to "`,`, `}` or a new line"; groups become "an expression" etc."""
    rest = set(symbols)
    parts: list[str] = []
    if DECL_WORDS <= rest:
        parts.append("a declaration (`lm`, `signature`, `program`, ...)")
        rest -= DECL_WORDS
    for group, words in ((_STMT_START, "a statement"), (_OPERAND_START, "an expression"), (_VALUE_START, "a value")):
        if group <= rest:
            parts.append(words)
            rest -= group | {"not"}
            break
    if {"NAME", "lm", "metric", "dataset"} <= rest:
        parts.append("an option name")
        rest = {s for s in rest if s != "NAME" and not _is_keyword(s)}
    if parts or rest - _OPERATORS:
        rest -= _OPERATORS
    parts.extend(_word(s) for s in sorted(rest, key=_order))
    if not parts:
        return "nothing more"
    if len(parts) > 6:
        parts = parts[:5] + ["..."]
        return ", ".join(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def _found(tok: Token, text: str) -> str:
    kind = tok.type
    if kind == "_NL":
        if tok.value:
            return "the end of the line"
        return "`}`" if text.startswith("}", tok.start_pos) else "the end of the file"
    if kind == "$END":
        return "the end of the file"
    if kind == "NAME":
        return f"the name `{tok}`"
    if kind == "NUMBER":
        return f"the number `{tok}`"
    if kind == "STRING":
        return "a string"
    value = str(tok)
    return f"the keyword `{value}`" if _is_keyword(value) else f"`{value}`"


def _is_eof(tok: Token, text: str) -> bool:
    if tok.type == "$END":
        return True
    return tok.type == "_NL" and not tok.value and not text.startswith("}", tok.start_pos)


def _starts_line(tok: Token, text: str) -> bool:
    line_start = text.rfind("\n", 0, tok.start_pos) + 1
    return not text[line_start : tok.start_pos].strip()


def _open_bracket(err: UnexpectedInput) -> Token | None:
    """The innermost bracket still open where the parser stopped.

    The stack holds a rule's brackets until the rule is reduced: in ``program p(a: str) -> (b: str)``
    cut off before its body, both `(` are there, each closed by the `)` after it.
    """
    state = getattr(err, "state", None)
    stack = getattr(state, "value_stack", None) or []
    closers = set(_CLOSERS.values())
    unmatched = 0  # closers met, walking back, whose opener is still to come
    for item in reversed(stack):
        if not isinstance(item, Token) or item.type == "STRING":
            continue
        if item.value in closers:
            unmatched += 1
        elif item.value in _CLOSERS:
            if not unmatched:
                return item
            unmatched -= 1
    return None


# -------------------------------------------------- recognised mistakes


@record
class _Mistake:
    entry: Entry  # its message and help may use {token}, {token_before} and {found}
    examples: tuple[str, ...]


_PROGRAM = "program p(a: str) -> (b: str) {{\n  {}\n}}\n"

_MISTAKES = (
    _Mistake(
        catalog.KEYWORD_ARGUMENT_COLON,
        (_PROGRAM.format("x = f(a: 1)"), _PROGRAM.format("x = f(b, a: 1)")),
    ),
    _Mistake(
        catalog.OPTION_EQUALS,
        ('lm a = "m" { temperature = 0.5 }\n', "optimize p { seed: 1, metric = m }\n"),
    ),
    _Mistake(
        catalog.CALL_OF_NON_NAME,
        (_PROGRAM.format("x = a.b(c)"), _PROGRAM.format("x = f(a).b(c)")),
    ),
    _Mistake(
        catalog.FIELD_WITHOUT_DIRECTION,
        ("signature S {\n  question: str\n}\n", 'signature S {\n  "doc"\n  question: str\n}\n'),
    ),
    _Mistake(
        catalog.CHAINED_COMPARISON,
        (_PROGRAM.format("x = a < b < c"), _PROGRAM.format("x = a == b == c")),
    ),
    _Mistake(
        catalog.ASSIGN_IN_CONDITION,
        (_PROGRAM.format("if a = b { }"), _PROGRAM.format("if a + 1 = b { }")),
    ),
    _Mistake(
        catalog.PARAMETER_WITHOUT_TYPE,
        (
            "program p(a) -> (b: str) { }\n",
            "program p(x: str, a) -> (b: str) { }\n",
            "program p(x: str) -> (b) { }\n",
            'tool t(a) -> str = python "m:f"\n',
        ),
    ),
    _Mistake(
        catalog.PROGRAM_WITHOUT_OUTPUTS,
        ("program p(a: str) {\n}\n", "program p() {\n}\n", "program p(a: str)\n{\n}\n", "program p()\n{\n}\n"),
    ),
    _Mistake(
        catalog.DEFAULT_NOT_LITERAL,
        (
            "program p(a: Mood = Mood.calm) -> (b: str) { }\n",
            "program p(x: str, a: Mood = calm) -> (b: str) { }\n",
            'tool t(a: Mood = Mood.calm) -> str = python "m:f"\n',
        ),
    ),
)


@functools.cache
def _mistake_index(lark: Lark) -> dict[tuple[int, str], _Mistake]:
    """(LALR state, token type) of each example's error, to the mistake it shows."""
    index: dict[tuple[int, str], _Mistake] = {}
    for mistake in _MISTAKES:
        for example in mistake.examples:
            try:
                lark.parse(example, start="file")
            except UnexpectedToken as err:
                index.setdefault((err.state.position, err.token.type), mistake)
            except UnexpectedInput:
                continue
    return index


def _end_of_input(err: UnexpectedInput, text: str) -> int:
    """Where the input ran out: just after the last thing the parser read."""
    stack = getattr(getattr(err, "state", None), "value_stack", None) or []
    for item in reversed(stack):
        if isinstance(item, Token) and item.end_pos is not None:
            return item.end_pos
        if isinstance(item, Tree) and not item.meta.empty:
            return item.meta.end_pos
    return len(text.rstrip())


def _last_token(err: UnexpectedInput) -> Token | None:
    stack = getattr(getattr(err, "state", None), "value_stack", None) or []
    for item in reversed(stack):
        if isinstance(item, Token):
            return item
    return None


# ------------------------------------------------------------- describe


def describe(err: UnexpectedInput, text: str, lark: Lark, *, in_signature_string: bool = False) -> SyntaxProblem:
    """The problem Lark reported, in words a user can act on."""
    if isinstance(err, UnexpectedCharacters):
        return _characters(err, text, in_signature_string)
    terminals: Collection[str]
    if isinstance(err, UnexpectedToken):
        tok, terminals = err.token, err.accepts or err.expected
    else:  # UnexpectedEOF, the only other kind
        tok, terminals = Token("$END", ""), getattr(err, "expected", ())
    expected = {_symbol(lark, t) for t in terminals}
    if tok.type == "$END":
        end = _end_of_input(err, text)
        tok = Token("$END", "", end, 0, 0, 0, 0, end)
    if in_signature_string:
        return _in_signature_string(tok, expected, text)
    return _token(err, tok, expected, text, lark)


# The help for a character that starts no token, where there is one.
_CHARACTER_HELP = {
    "'": catalog.SINGLE_QUOTES,
    "/": catalog.NO_SLASH,
    "*": catalog.NO_STAR,
    "!": catalog.NO_BANG,
    "&": catalog.NO_AMPERSAND,
    "\\": catalog.NO_BACKSLASH,
}


def _characters(err: UnexpectedCharacters, text: str, in_signature_string: bool) -> SyntaxProblem:
    pos = _offset(text, err.line, err.column)
    char = text[pos]
    line_end = text.find("\n", pos)
    line_end = len(text) if line_end < 0 else line_end
    if char == '"' and not in_signature_string:
        if text.startswith('"""', pos):
            return SyntaxProblem(catalog.UNCLOSED_TRIPLE_STRING.fill(), pos, pos + 3)
        return SyntaxProblem(catalog.UNCLOSED_STRING.fill(), pos, line_end)
    shown = char if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"
    help = catalog.COMMENT_SIGN if text.startswith("//", pos) else _CHARACTER_HELP.get(char)
    if help is None and (char.isalnum() or char == "_") and not char.isascii():  # `é`, `名`, `٣`: a name's, meant
        help = catalog.ASCII_NAMES
    entry = catalog.UNEXPECTED_CHARACTER_IN_SIGNATURE if in_signature_string else catalog.UNEXPECTED_CHARACTER
    return SyntaxProblem(entry.fill(help, char=shown), pos, pos + 1)


def _offset(text: str, line: int, column: int) -> int:
    """The offset of a 1-based line and column (Lark's lexer counts lines by ``\\n``)."""
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    return start + column - 1


def _in_signature_string(tok: Token, expected: set[str], text: str) -> SyntaxProblem:
    if "->" not in text:
        return SyntaxProblem(catalog.SIGNATURE_WITHOUT_ARROW.fill(), 0, len(text))
    start, end = _bounds(tok, text)
    found = "the end of the string" if tok.type in ("_NL", "$END") and not tok.value else _found(tok, text)
    words = expected_words(expected - {"_NL"}) if expected - {"_NL"} else "the end of the string"
    return SyntaxProblem(catalog.SIGNATURE_UNEXPECTED.fill(expected=words, found=found), start, end)


def _bounds(tok: Token, text: str) -> tuple[int, int]:
    """A token's offsets; one without a place stands at the end of the text."""
    start = tok.start_pos if tok.start_pos is not None else len(text)
    return start, tok.end_pos if tok.end_pos is not None else start


def _token(err: UnexpectedInput, tok: Token, expected: set[str], text: str, lark: Lark) -> SyntaxProblem:
    start, end = _bounds(tok, text)
    opened = _open_bracket(err)
    value = str(tok)

    if _is_eof(tok, text):
        if opened is not None:
            closer = _CLOSERS[opened.value]
            never_closed = catalog.NEVER_CLOSED.fill(bracket=opened.value, line=opened.line, closer=closer)
            return SyntaxProblem(never_closed, start, start)
        words = expected_words(expected - {"_NL"} or expected)
        return SyntaxProblem(catalog.UNEXPECTED_EOF.fill(expected=words), start, start)

    line_start = text.rfind("\n", 0, start) + 1
    first_word = _FIRST_WORD.match(text, line_start)
    if (
        opened is not None
        and first_word is not None
        and first_word.group() in DECL_WORDS
        and _line(opened) < _line(tok)
    ):
        # A declaration keyword in column 1 inside an open bracket: the bracket
        # was never closed (the keyword may even have been read as an option key).
        problem = catalog.DECLARATION_IN_BRACKET.fill(
            word=first_word.group(), bracket=opened.value, line=opened.line, closer=_CLOSERS[opened.value]
        )
        return SyntaxProblem(problem, first_word.start(), first_word.end(), resume_at_line=True)

    before = _last_token(err)
    position = getattr(getattr(err, "state", None), "position", None)
    mistake = _mistake_index(lark).get((position, tok.type)) if position is not None else None
    if mistake is not None:
        token_before = str(before) if before is not None else "name"
        filled = mistake.entry.fill(token=value, token_before=token_before, found=_found(tok, text))
        return SyntaxProblem(filled, start, end)

    if value == "=" and before is not None and _is_keyword(str(before)) and _starts_line(before, text):
        before_start, before_end = _bounds(before, text)
        return SyntaxProblem(catalog.KEYWORD_ASSIGNED.fill(word=str(before)), before_start, before_end)
    if _is_keyword(value) and tok.type != "NAME" and "NAME" in expected and value not in expected:
        return SyntaxProblem(catalog.KEYWORD_AS_NAME.fill(word=value), start, end)

    problem = catalog.UNEXPECTED_TOKEN.fill(
        _token_help(tok, expected, text, opened),
        expected=expected_words(expected),
        found=_found(tok, text),
        bracket=opened.value if opened is not None else None,
        line=opened.line if opened is not None else None,
    )
    return SyntaxProblem(problem, start, end)


def _token_help(tok: Token, expected: set[str], text: str, opened: Token | None) -> Help | None:
    """How to fix an unexpected token, where the parser's state suggests a way."""
    if {",", "_NL"} <= expected and tok.type != "_NL":
        return catalog.SEPARATE_ENTRIES
    if "{" in expected and tok.type == "_NL" and tok.value:
        return catalog.BRACE_ON_SAME_LINE
    if str(tok) == "{" and _starts_line(tok, text):
        return catalog.JOIN_LINES
    if opened is not None and _CLOSERS[opened.value] in expected:
        return catalog.STILL_OPEN
    return None


def _line(tok: Token) -> int:
    """The line of a token the parser read (Lark's tokens always have one)."""
    assert tok.line is not None, tok
    return tok.line
