"""Friendly messages for Lark's syntax errors.

``describe`` turns one ``UnexpectedInput`` into a ``SyntaxProblem``: a code, a
message that says what was expected and what was found (in words, never
terminal names), a ``help`` that says how to fix it, and offsets into the
parsed text. ``parse.py`` turns offsets into spans.

Common mistakes are recognised by the LALR state the parser stopped in, the
way Lark's ``UnexpectedInput.match_examples`` does, but keyed on the state
alone (not the stack depth), so one example covers the mistake at any nesting.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

E_CHARACTER = "E001"
E_TOKEN = "E002"
E_EOF = "E003"
E_UNTERMINATED = "E004"
E_KEYWORD = "E008"

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


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    code: str
    message: str
    start: int  # offsets into the parsed text; end exclusive
    end: int
    help: str | None = None
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
    """The innermost bracket still open where the parser stopped."""
    state = getattr(err, "state", None)
    stack = getattr(state, "value_stack", None) or []
    for item in reversed(stack):
        if isinstance(item, Token) and item.value in _CLOSERS and item.type != "STRING":
            return item
    return None


# -------------------------------------------------- recognised mistakes


@dataclass(frozen=True, slots=True)
class _Mistake:
    message: str
    help: str  # may use {token}
    examples: tuple[str, ...]


_PROGRAM = "program p(a: str) -> (b: str) {{\n  {}\n}}\n"

_MISTAKES = (
    _Mistake(
        "a call's keyword arguments use `=`, not `:`",
        "write `{token_before}=...`",
        (_PROGRAM.format("x = f(a: 1)"), _PROGRAM.format("x = f(b, a: 1)")),
    ),
    _Mistake(
        "an option is written `key: value`, not `key = value`",
        "write `{token_before}: ...`",
        ('lm a = "m" { temperature = 0.5 }\n', "optimize p { seed: 1, metric = m }\n"),
    ),
    _Mistake(
        "only a name can be called",
        "call a module, tool, retriever or built-in by its name: `f(x)`; `a.b(x)` is not supported",
        (_PROGRAM.format("x = a.b(c)"), _PROGRAM.format("x = f(a).b(c)")),
    ),
    _Mistake(
        "a signature field starts with `in` or `out`",
        "write `in {token}: ...` for an input or `out {token}: ...` for an output",
        ("signature S {\n  question: str\n}\n", 'signature S {\n  "doc"\n  question: str\n}\n'),
    ),
    _Mistake(
        "comparisons do not chain",
        "write `a < b and b < c`",
        (_PROGRAM.format("x = a < b < c"), _PROGRAM.format("x = a == b == c")),
    ),
    _Mistake(
        "`=` assigns; a condition compares with `==`",
        "write `==` to compare",
        (_PROGRAM.format("if a = b { }"), _PROGRAM.format("if a + 1 = b { }")),
    ),
    _Mistake(
        "a parameter needs a type",
        "write `{token_before}: str` (or another type)",
        (
            "program p(a) -> (b: str) { }\n",
            "program p(x: str, a) -> (b: str) { }\n",
            "program p(x: str) -> (b) { }\n",
            'tool t(a) -> str = python "m:f"\n',
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


def _characters(err: UnexpectedCharacters, text: str, in_signature_string: bool) -> SyntaxProblem:
    pos = err.pos_in_stream
    char = err.char
    line_end = text.find("\n", pos)
    line_end = len(text) if line_end < 0 else line_end
    if char == '"' and not in_signature_string:
        if text.startswith('"""', pos):
            return SyntaxProblem(
                E_UNTERMINATED, 'this `"""` string is never closed', pos, pos + 3, help='end it with `"""`'
            )
        return SyntaxProblem(
            E_UNTERMINATED,
            "this string is never closed",
            pos,
            line_end,
            help='end it with `"` on the same line; text over several lines goes in `"""...."""`',
        )
    shown = char if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"
    help_text = {
        "'": 'strings use double quotes: `"..."`',
        "/": "comments start with `#`" if text.startswith("//", pos) else "`/` is not an operator in `.lmp`",
        "*": "`*` is not an operator in `.lmp`; only `+` and `-` are",
        "!": "write `not x` to negate",
        "&": "write `and`",
        "\\": "a backslash only appears inside a string",
    }.get(char)
    message = f"unexpected character `{shown}`"
    if in_signature_string:
        message += " in this string signature"
    return SyntaxProblem(E_CHARACTER, message, pos, pos + 1, help=help_text)


def _in_signature_string(tok: Token, expected: set[str], text: str) -> SyntaxProblem:
    if "->" not in text:
        return SyntaxProblem(
            "E007",
            "a string signature needs `->` between its inputs and its outputs",
            0,
            len(text),
            help='write it like "question: str, k: int -> answers: list[str]"',
        )
    start = tok.start_pos if tok.start_pos is not None else len(text)
    end = tok.end_pos if tok.end_pos is not None else start
    found = "the end of the string" if tok.type in ("_NL", "$END") and not tok.value else _found(tok, text)
    words = expected_words(expected - {"_NL"}) if expected - {"_NL"} else "the end of the string"
    return SyntaxProblem(
        "E007",
        f"in this string signature: expected {words}, found {found}",
        start,
        end,
        help='fields are `name` or `name: type`, separated by `,`: "question, k: int -> answer"',
    )


def _token(err: UnexpectedInput, tok: Token, expected: set[str], text: str, lark: Lark) -> SyntaxProblem:
    start = tok.start_pos if tok.start_pos is not None else len(text)
    end = tok.end_pos if tok.end_pos is not None else start
    opened = _open_bracket(err)
    value = str(tok)

    if _is_eof(tok, text):
        message = f"unexpected end of file; expected {expected_words(expected - {'_NL'} or expected)}"
        help_text = None
        if opened is not None:
            closer = _CLOSERS[opened.value]
            message = f"unexpected end of file: the `{opened.value}` on line {opened.line} is never closed"
            help_text = f"add `{closer}`"
        return SyntaxProblem(E_EOF, message, start, start, help=help_text)

    line_start = text.rfind("\n", 0, start) + 1
    first_word = _FIRST_WORD.match(text, line_start)
    if opened is not None and first_word is not None and first_word.group() in DECL_WORDS and opened.line < tok.line:
        # A declaration keyword in column 1 inside an open bracket: the bracket
        # was never closed (the keyword may even have been read as an option key).
        return SyntaxProblem(
            E_TOKEN,
            f"`{first_word.group()}` begins a new declaration, "
            f"but the `{opened.value}` on line {opened.line} is still open",
            first_word.start(),
            first_word.end(),
            help=f"add `{_CLOSERS[opened.value]}` before this line",
            resume_at_line=True,
        )

    before = _last_token(err)
    position = getattr(getattr(err, "state", None), "position", None)
    mistake = _mistake_index(lark).get((position, tok.type)) if position is not None else None
    if mistake is not None:
        help_text = mistake.help.format(token=value, token_before=str(before) if before is not None else "name")
        return SyntaxProblem(E_TOKEN, mistake.message, start, end, help=help_text)

    if value == "=" and before is not None and _is_keyword(str(before)) and _starts_line(before, text):
        return SyntaxProblem(
            E_KEYWORD,
            f"`{before}` is a keyword and cannot be assigned to",
            before.start_pos,
            before.end_pos,
            help=f"choose another name, like `{before}_`",
        )
    if _is_keyword(value) and tok.type != "NAME" and "NAME" in expected and value not in expected:
        return SyntaxProblem(
            E_KEYWORD,
            f"`{value}` is a keyword and cannot be used as a name",
            start,
            end,
            help=f"choose another name, like `{value}_`",
        )

    found = _found(tok, text)
    message = f"expected {expected_words(expected)}, found {found}"
    help_text = None
    if {",", "_NL"} <= expected and tok.type != "_NL":
        help_text = "separate entries with `,` or a new line"
    if help_text is None and "{" in expected and tok.type == "_NL" and tok.value:
        help_text = "put the `{` on the same line"
    if help_text is None and value == "{" and _starts_line(tok, text):
        help_text = "a `{` block starts on the line it belongs to; join the two lines"
    if help_text is None and opened is not None and _CLOSERS[opened.value] in expected:
        help_text = f"the `{opened.value}` on line {opened.line} is still open"
    return SyntaxProblem(E_TOKEN, message, start, end, help=help_text)
