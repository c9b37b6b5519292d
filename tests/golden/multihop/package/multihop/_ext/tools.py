"""The `lookup` tool of the multihop sample: fetch one passage by its title.

BM25 retrieval finds passages by their words; when a program already knows
which article it needs (a title the user gave), an exact lookup is cheaper and
cannot miss. The corpus is the same file the `wiki` retriever indexes, found
next to this module so the tool works from any working directory.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "data" / "corpus.jsonl"


def _key(title: str) -> str:
    """Titles match regardless of case and surrounding or repeated spaces."""
    return " ".join(title.split()).casefold()


@functools.cache
def _passages(path: Path = CORPUS) -> dict[str, str]:
    """Map each normalized title to its passage text (read once per process)."""
    table: dict[str, str] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                row = json.loads(line)
                table[_key(row["title"])] = row["text"]
    return table


def lookup(title: str) -> str:
    """Return the passage with this exact title.

    An unknown title gives a sentence saying so rather than an exception: the
    result goes into a prompt, and the model should read that the article does
    not exist instead of the program failing.
    """
    text = _passages().get(_key(title))
    if text is None:
        return f"No passage has the title {title!r}."
    return text
