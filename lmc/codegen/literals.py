"""Python source for constant values: the only way user or LM text enters generated code.

``py_literal(value)`` returns an expression that evaluates to a value equal
to ``value``, string for string byte for byte. Strings go through ``repr``, so
quotes, backslashes, NUL, ``\\r\\n``, template syntax and any Unicode come out
escaped or verbatim as Python defines; nothing is ever pasted into a
template unquoted. Long and multi-line strings become parenthesized
implicit concatenations, one chunk per line, so instructions stay readable in
the emitted file. Dict order is kept (a demo's key order reaches the prompt
when a record is serialized), so rendering is deterministic for equal input.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .errors import CodegenError

# Longest chunk of a split string, in characters (before escaping).
CHUNK = 72


def py_literal(value: Any) -> str:
    """A Python expression equal to ``value`` (None, bool, int, float, str, list, tuple, dict)."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, tuple):
        items = [py_literal(v) for v in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if isinstance(value, list):
        return f"[{', '.join(py_literal(v) for v in value)}]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    raise CodegenError(f"cannot write a value of type {type(value).__name__} into generated code: {value!r}")


def _float(value: float) -> str:
    if math.isnan(value):
        return 'float("nan")'
    if math.isinf(value):
        return 'float("inf")' if value > 0 else 'float("-inf")'
    return repr(float(value))


def _string(value: str) -> str:
    chunks = split_chunks(value)
    if len(chunks) <= 1:
        return repr(value)
    return "(" + " ".join(repr(c) for c in chunks) + ")"


def split_chunks(text: str, width: int = CHUNK) -> list[str]:
    """Cut ``text`` after each newline and, within long lines, after a space.

    ``"".join(split_chunks(t)) == t`` always holds.
    """
    chunks: list[str] = []
    for line in text.splitlines(keepends=True) if "\n" in text else [text]:
        # splitlines also cuts at \r, \x0b, U+2028...; join those back so only "\n" ends a chunk.
        if chunks and not chunks[-1].endswith("\n"):
            chunks[-1] += line
        else:
            chunks.append(line)
    out: list[str] = []
    for line in chunks:
        out.extend(_wrap(line, width))
    return out


def _wrap(line: str, width: int) -> list[str]:
    pieces: list[str] = []
    while len(line) > width:
        cut = line.rfind(" ", width // 2, width)
        cut = cut + 1 if cut != -1 else width
        pieces.append(line[:cut])
        line = line[cut:]
    if line:
        pieces.append(line)
    return pieces


def py_docstring(text: str) -> str:
    """``\"\"\"text\"\"\"`` when that reads back as ``text`` exactly, else ``py_literal(text)``."""
    plain = (
        text
        and '"' not in text[-1:]
        and '"""' not in text
        and "\\" not in text
        and all(c.isprintable() or c == "\n" for c in text)
    )
    return f'"""{text}"""' if plain else py_literal(text)
