"""The ``.lmp`` grammar: its file, its start symbols, and Lark's parser for it (built only when needed)."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..resources import cache_folder, resource_dir, use_default_cache
from .newlines import Newlines

if TYPE_CHECKING:
    from lark import Lark

GRAMMAR_FILE = "lmp.lark"
START_FILE = "file"
START_SIG_STRING = "sig_string"


def grammar_text() -> str:
    return (resource_dir("grammar") / GRAMMAR_FILE).read_text(encoding="utf-8")


# The parser's tables are kept in lmc's cache folder (``resources.cache_folder``), when there is one.
__all__ = ["cache_folder", "grammar_cache_file", "grammar_text", "parser", "use_default_cache"]


@functools.cache
def parser() -> Lark:
    """Lark's ``.lmp`` parser, built once per process: syntax errors, and the source of ``tables``.

    Its trees carry positions for the messages of ``syntax/messages.py``. Not
    loaded with ``strict=True``: that needs the optional ``interegular``
    package and a slower start; the tests load the grammar strictly instead.
    """
    import lark

    grammar = grammar_text()
    cache = grammar_cache_file(grammar, lark.__version__)
    return lark.Lark(
        grammar,
        # Lark pickles its LALR tables there: about 100 ms less per build.
        cache=str(cache) if cache is not None else False,
        parser="lalr",
        lexer="basic",
        propagate_positions=True,
        maybe_placeholders=True,
        postlex=Newlines(),
        start=[START_FILE, START_SIG_STRING],
    )


def grammar_cache_file(grammar: str, lark_version: str) -> Path | None:
    """Where Lark keeps the grammar's tables: the user's own cache folder (``cache_folder``).

    A file named by a hash of the grammar, Lark's and Python's versions, so
    versions never share a file. Lark checks its own hash of the grammar in
    the file, rebuilds the tables when the file is corrupt or stale, and
    rewrites it; a file it cannot write costs the build (about 100 ms), not
    the parse. None when there is no folder to cache in.
    """
    import hashlib  # here: its import costs a correct file's check a few ms

    folder = cache_folder()
    if folder is None:
        return None
    key = f"{grammar}\0{lark_version}\0{sys.version_info[:2]}"
    return folder / f"lmp-grammar-{hashlib.sha256(key.encode()).hexdigest()[:16]}.lark"
