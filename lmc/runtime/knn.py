"""KNNFewShot at call time: the k training examples nearest to the input, and their demos.

DSPy's ``KNNFewShot`` embeds the trainset's inputs, and at each call takes
the k examples whose vectors score highest against the call's input and
compiles a ``BootstrapFewShot`` on them. A package must answer offline, so
the build runs the teacher once per trainset example beforehand and keeps
what each passing run gave every module (``optimize/knn.py``); a
:class:`KnnTable` holds those results with the examples' vectors, and
:func:`choose_demos` replays the bootstrap's choice on the k nearest: the
first ``max_bootstrapped_demos`` of them that passed (nearest first) give
their traces, and labeled demos from the rest fill up to
``max_labeled_demos``, shuffled and sampled as ``BootstrapFewShot`` does.

The vectorizer is lmc's own and needs nothing installed or downloaded:
hashed features (lowercase words, and character 3-grams of each word padded
with spaces) into 2**20 buckets by CRC-32, weighted by count times the
trainset's smoothed IDF and L2-normalized; the score is the dot product
(cosine). It needs only the standard library (a package need not install
numpy) and is deterministic. Weights are stored rounded to 6 decimals, and
the build and the package both score with the stored numbers, exactly
(``knn_index``: integer millionths, numpy's path when it imports, the
standard library's otherwise), so both choose the same neighbours (ties:
the earlier trainset example).
"""

from __future__ import annotations

import math
import random
import re
import threading
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .knn_index import NearestIndex
from .metrics import as_text

__all__ = [
    "KnnRow",
    "KnnTable",
    "Vector",
    "choose_demos",
    "example_text",
    "idf_of",
    "read_table",
    "vector_text",
    "vectorize",
]

BUCKETS = 2**20
DIGITS = 6
TABLES_FOLDER = "knn"  # a package's tables beside its params.py, a JSON file each: knn/<name>.json
_WORD = re.compile(r"\w+", re.UNICODE)

Vector = tuple[tuple[int, float], ...]  # (bucket, weight), buckets ascending


def example_text(keys: Sequence[str], values: Mapping[str, Any]) -> str:
    """What is embedded: ``key: value`` per input, joined by `` | `` (DSPy's KNN text)."""
    return " | ".join(f"{key}: {as_text(values[key])}" for key in keys if key in values)


def features(text: str) -> Counter[int]:
    """Bucket counts of the text's words and of each word's character 3-grams."""
    counts: Counter[int] = Counter()
    for word in _WORD.findall(text.lower()):
        counts[zlib.crc32(b"w" + word.encode("utf-8")) % BUCKETS] += 1
        padded = f" {word} "
        for i in range(len(padded) - 2):
            counts[zlib.crc32(b"c" + padded[i : i + 3].encode("utf-8")) % BUCKETS] += 1
    return counts


def idf_of(texts: Sequence[str]) -> dict[int, float]:
    """Smoothed IDF per bucket over ``texts``: ``ln((1 + n) / (1 + df)) + 1``, rounded."""
    df: Counter[int] = Counter()
    for text in texts:
        df.update(set(features(text)))
    n = len(texts)
    return {b: round(math.log((1 + n) / (1 + c)) + 1, DIGITS) for b, c in sorted(df.items())}


def vectorize(text: str, idf: Mapping[int, float]) -> Vector:
    """The text's unit vector; buckets the trainset never saw are left out (they match nothing).

    The same bits on every Python and platform: the norm's sum is ``math.fsum`` (correctly rounded;
    ``sum()`` of floats changed in Python 3.12), and ``sqrt``, ``/`` and ``round`` are exact IEEE steps.
    """
    weights = {b: c * idf[b] for b, c in sorted(features(text).items()) if b in idf}
    norm = math.sqrt(math.fsum(w * w for w in weights.values()))
    if norm == 0:
        return ()
    return tuple((b, round(w / norm, DIGITS)) for b, w in weights.items())


def vector_text(vector: Vector) -> str:
    """A vector as a table stores it: ``bucket:weight`` pairs, each weight its shortest ``repr``."""
    return " ".join(f"{b}:{w!r}" for b, w in vector)


_VECTOR_TEXT = re.compile(r"(?:\d+:[-+0-9.eE]+(?: (?=\d)|$))*")


@dataclass(frozen=True, slots=True)
class KnnRow:
    """One trainset example: its vector, its fields (a labeled demo), and what the teacher's run gave.

    ``vector`` is kept as the text a table stores (``vector_text``; ``pairs`` reads it): about a
    seventh of the memory of the pairs as tuples (0.9 against 6.6 KB for 57 buckets), and a table
    read from its file or the lock is not parsed until its index is made. ``demos`` maps each
    module path the passing run called to the demo it gave; it is empty for an example whose run
    did not pass (``passed``).
    """

    vector: str
    example: Mapping[str, Any]
    passed: bool
    demos: Mapping[str, Mapping[str, Any]]

    def pairs(self) -> Vector:
        return tuple((int(b), float(w)) for b, w in (pair.split(":") for pair in self.vector.split()))

    def to_json(self) -> dict[str, Any]:
        return {
            "vector": self.vector,
            "example": dict(self.example),
            "passed": self.passed,
            "demos": {path: dict(d) for path, d in self.demos.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> KnnRow:
        vector = data["vector"]
        if not isinstance(vector, str) or not _VECTOR_TEXT.fullmatch(vector):
            raise ValueError(f"a KNN row's vector is not `bucket:weight` pairs: {str(vector)[:80]!r}")
        return cls(vector, dict(data["example"]), bool(data["passed"]), {p: dict(d) for p, d in data["demos"].items()})


@dataclass(frozen=True, slots=True)
class KnnTable:
    """Everything a call needs to choose its demos: options, vectorizer state and the rows.

    ``keys`` are the program's input names (what is embedded), ``paths`` its
    modules in order (each samples labeled demos after the previous one, as
    in ``BootstrapFewShot``), ``seed`` the generator seed of that sampling.
    """

    k: int
    max_bootstrapped_demos: int
    max_labeled_demos: int
    seed: int
    keys: tuple[str, ...]
    paths: tuple[str, ...]
    idf: Mapping[int, float]
    rows: tuple[KnnRow, ...]
    # The rows' vectors indexed for `nearest`, made at its first call (lmc's optimizer and a package's
    # params make tables a call may never read); a lock, so that threads calling at once make it once.
    _index: list[NearestIndex] = field(init=False, repr=False, compare=False)
    _lock: threading.Lock = field(init=False, repr=False, compare=False)
    # Made once, each: the JSON form (written to the lock, the package and read back: a row's vector
    # is formatted once), and the table that form reads back as (None: this very one).
    _json: list[dict[str, Any]] = field(init=False, repr=False, compare=False)
    _read_back: list[KnnTable | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", [])
        object.__setattr__(self, "_lock", threading.Lock())
        object.__setattr__(self, "_json", [])
        object.__setattr__(self, "_read_back", [])

    def nearest(self, inputs: Mapping[str, Any]) -> list[int]:
        """Indices of the ``k`` rows nearest to ``inputs``, nearest first (ties: lower index).

        Scores are exact (``knn_index``): the same neighbours with numpy or without, on any Python.
        """
        if not self._index:
            with self._lock:
                if not self._index:
                    self._index.append(NearestIndex(row.pairs() for row in self.rows))
        return self._index[0].nearest(vectorize(example_text(self.keys, inputs), self.idf), self.k)

    def to_json(self) -> dict[str, Any]:
        """The table as plain data (a new dict each time; the rows' dicts are made once and shared)."""
        if not self._json:
            self._json.append(
                {
                    "k": self.k,
                    "max_bootstrapped_demos": self.max_bootstrapped_demos,
                    "max_labeled_demos": self.max_labeled_demos,
                    "seed": self.seed,
                    "keys": list(self.keys),
                    "paths": list(self.paths),
                    "idf": " ".join(f"{b}:{w!r}" for b, w in self.idf.items()),
                    "rows": [r.to_json() for r in self.rows],
                }
            )
        data = dict(self._json[0])
        data["rows"] = list(data["rows"])
        return data

    def as_read_back(self) -> KnnTable:
        """The table its JSON text reads back as (every value plain JSON), made once per table.

        It keeps this table's vectors (their text is what the JSON holds) and its index.
        """
        if not self._read_back:
            import json

            from .types import to_jsonable

            plain = json.loads(json.dumps(to_jsonable([[r.example, r.passed, r.demos] for r in self.rows])))
            rows = (
                KnnRow(row.vector, dict(example), bool(passed), {path: dict(d) for path, d in demos.items()})
                for row, (example, passed, demos) in zip(self.rows, plain, strict=True)
            )
            table = replace(self, rows=tuple(rows))
            table._read_back.append(None)
            table._index.extend(self._index)
            self._read_back.append(table)
        return self._read_back[0] or self

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> KnnTable:
        return cls(
            k=int(data["k"]),
            max_bootstrapped_demos=int(data["max_bootstrapped_demos"]),
            max_labeled_demos=int(data["max_labeled_demos"]),
            seed=int(data["seed"]),
            keys=tuple(data["keys"]),
            paths=tuple(data["paths"]),
            idf={int(b): float(w) for b, w in (pair.split(":") for pair in data["idf"].split())},
            rows=tuple(KnnRow.from_json(r) for r in data["rows"]),
        )


def read_table(params_file: str, name: str) -> KnnTable:
    """A table as the build wrote it beside the package's ``params.py``: ``knn/<name>.json``.

    Data, read by the JSON parser: a table grows with the trainset (about 1 KB a row of short text),
    which as a literal in ``params.py`` cost its first import a compile of the whole, and its build an
    AST of it (the vendoring's import scan) and a format.
    """
    import json
    from pathlib import Path

    return KnnTable.from_json(json.loads((Path(params_file).parent / TABLES_FOLDER / f"{name}.json").read_bytes()))


def choose_demos(table: KnnTable, inputs: Mapping[str, Any]) -> dict[str, tuple[Mapping[str, Any], ...]]:
    """Each module's demos for this call: BootstrapFewShot's choice over the k nearest rows."""
    order = table.nearest(inputs)
    succeeded = [i for i in order if table.rows[i].passed][: table.max_bootstrapped_demos]
    pool = [i for i in order if i not in succeeded]
    random.Random(table.seed).shuffle(pool)
    rng = random.Random(table.seed)
    chosen: dict[str, tuple[Mapping[str, Any], ...]] = {}
    for path in table.paths:
        augmented = [table.rows[i].demos[path] for i in succeeded if path in table.rows[i].demos]
        size = max(0, min(table.max_labeled_demos - len(augmented), len(pool)))
        pool = rng.sample(pool, size)
        chosen[path] = tuple(augmented) + tuple(table.rows[i].example for i in pool)
    return chosen
