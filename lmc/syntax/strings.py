"""String literals of a ``.lmp`` file: decoding and bad escapes.

The IR builder (``syntax/builder.py``) and the syntax reporter (``parse.py``) use
the same ``decode_string``, so a literal is read one way only. A bad escape
decodes to its own text, so building the IR never fails; ``parse.py`` turns
each ``EscapeProblem`` into a diagnostic.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from ..diagnostics import catalog
from ..diagnostics.catalog import Filled
from ..records import record
from .tokens import Token

_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


@record
class EscapeProblem:
    """A bad escape, as offsets into the literal's source text (quotes included)."""

    start: int
    end: int
    text: Filled


@record
class StringLiteral:
    """A decoded string literal.

    ``decoded`` is the text between the quotes with escapes replaced;
    ``offsets[i]`` is where ``decoded[i]`` starts in the source text of the
    literal (quotes included), with one extra entry for the closing quote, so
    a position inside the string maps back to the file exactly.
    """

    decoded: str
    offsets: tuple[int, ...]
    problems: tuple[EscapeProblem, ...]
    triple: bool

    @property
    def value(self) -> str:
        """The string's value: ``\"\"\"...\"\"\"`` text is dedented like ``inspect.cleandoc``."""
        return inspect.cleandoc(self.decoded) if self.triple else self.decoded


def _hex4(raw: str, at: int) -> int | None:
    digits = raw[at : at + 4]
    if len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
        return int(digits, 16)
    return None


def decode_string(raw: str) -> StringLiteral:
    """Decode the source text of a ``STRING`` token (``"..."`` or ``\"\"\"...\"\"\"``)."""
    triple = raw.startswith('"""') and len(raw) >= 6
    quote = 3 if triple else 1
    end = len(raw) - quote
    if "\\" not in raw and "\r" not in raw:  # most literals: the text as is, one offset per character
        return StringLiteral(raw[quote:end], tuple(range(quote, end + 1)), (), triple)
    chars: list[str] = []
    offsets: list[int] = []
    problems: list[EscapeProblem] = []

    def emit(text: str, at: int) -> None:
        """Append ``text``, which stands at source offset ``at`` (and on, for source text kept as is)."""
        for k, char in enumerate(text):
            chars.append(char)
            offsets.append(at + k if len(text) > 1 else at)

    i = quote
    while i < end:
        c = raw[i]
        if c == "\r" and raw.startswith("\n", i + 1):
            i += 1  # a line break in a triple-quoted string is "\n", whatever the file uses
        elif c != "\\":
            emit(c, i)
            i += 1
        elif raw[i + 1 : i + 2] in _SIMPLE_ESCAPES:
            emit(_SIMPLE_ESCAPES[raw[i + 1]], i)
            i += 2
        elif raw.startswith("u", i + 1):
            i += _decode_unicode(raw, i, end, emit, problems)
        else:
            bad = raw[i : min(i + 2, end)]
            shown = bad[1:] if bad[1:].isprintable() else repr(bad[1:])
            problems.append(EscapeProblem(i, i + len(bad), catalog.UNKNOWN_ESCAPE.fill(escape=shown)))
            emit(bad, i)
            i += len(bad)
    offsets.append(end)
    return StringLiteral("".join(chars), tuple(offsets), tuple(problems), triple)


def _decode_unicode(raw: str, i: int, end: int, emit: Callable[[str, int], None], problems: list[EscapeProblem]) -> int:
    """Decode the ``\\uXXXX`` escape (or surrogate pair) at ``i``; return its length."""
    code = _hex4(raw, i + 2)
    if code is None:
        problems.append(EscapeProblem(i, min(i + 6, end), catalog.SHORT_UNICODE_ESCAPE.fill()))
        emit(raw[i : i + 2], i)
        return 2
    if 0xD800 <= code <= 0xDBFF and raw.startswith("\\u", i + 6):
        low = _hex4(raw, i + 8)
        if low is not None and 0xDC00 <= low <= 0xDFFF:
            emit(chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)), i)
            return 12
    if 0xD800 <= code <= 0xDFFF:
        problems.append(EscapeProblem(i, i + 6, catalog.HALF_SURROGATE.fill(escape=raw[i : i + 6])))
        emit(raw[i : i + 6], i)
    else:
        emit(chr(code), i)
    return 6


def string_value(token: Token) -> str:
    return decode_string(str(token)).value
