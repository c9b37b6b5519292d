"""The `lookup` tool of the multihop sample: fetch one passage by its title.

BM25 retrieval finds passages by their words; when a program already knows
which article it needs (a title the user gave), an exact lookup is cheaper and
cannot miss. The corpus is the same file the `wiki` retriever indexes, found
relative to this module (never the working directory) in either of the two
places this file runs from:

- the sample folder, `samples/multihop/tools.py` beside `data/corpus.jsonl`,
  when lmc optimizes or runs the `.lmp` file;
- a built package, where lmc ships this module as `multihop/_ext/tools.py`
  and the retriever's corpus as `multihop/data/corpus.jsonl`.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

_HERE = Path(__file__).resolve().parent
CORPUS_PLACES = (_HERE / "data" / "corpus.jsonl", _HERE.parent / "data" / "corpus.jsonl")


def corpus_path() -> Path:
    """The first of ``CORPUS_PLACES`` that exists."""
    for place in CORPUS_PLACES:
        if place.is_file():
            return place
    raise FileNotFoundError(f"the lookup tool's corpus is in none of: {', '.join(map(str, CORPUS_PLACES))}")


def _key(title: str) -> str:
    """Titles match regardless of case and surrounding or repeated spaces."""
    return " ".join(title.split()).casefold()


@functools.cache
def _passages() -> dict[str, str]:
    """Map each normalized title to its passage text (read once per process)."""
    table: dict[str, str] = {}
    with corpus_path().open(encoding="utf-8") as lines:
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
