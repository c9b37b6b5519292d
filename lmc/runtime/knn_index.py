"""The k rows of a KNN table nearest to a query: exact scores, with numpy when it is there.

Every weight of a table is stored rounded to ``DIGITS`` decimals, so it is
an integer number of millionths: scored in those units, a dot product is an
integer, exact, whatever the order its products are added in. That makes
the choice of neighbours the same on every path and every Python: numpy's
(which lmc itself has) and the standard library's (a package without
numpy), and the ranking exact: the higher score first, an exact tie to the
earlier trainset row, as documented.

The standard library path adds each query bucket's products to the rows
that hold it (an inverted index: only the rows sharing a bucket with the
query gain score). numpy's multiplies every stored weight by the query's
weight for its bucket and sums each row's run (the rows as one sparse
matrix): a query costs a few vector operations over all stored weights. Its
sums are float64 of integer values no larger than about ``10**12`` (two
unit vectors, in millionths: Cauchy-Schwarz), far below ``2**53``, so they
are exact too.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import Any

__all__ = ["NearestIndex", "units"]

Vector = tuple[tuple[int, float], ...]  # (bucket, weight), buckets ascending

SCALE = 10**6  # a stored weight's unit: it is rounded to 6 decimals (``knn.DIGITS``)


def units(weight: float) -> int:
    """A stored weight as the integer number of millionths it was rounded to."""
    return round(weight * SCALE)


class NearestIndex:
    """The rows' vectors, indexed for ``nearest``; ``numpy=None`` uses numpy when it imports."""

    def __init__(self, vectors: Sequence[Vector], *, numpy: bool | None = None) -> None:
        self.size = len(vectors)
        np = _numpy() if numpy is None or numpy else None
        if numpy and np is None:
            raise ImportError("numpy is not installed")
        self._np: Any = np  # numpy, or None: the standard library's path
        if np is not None:
            self._matrix(vectors, np)
        else:
            self._postings(vectors)

    def nearest(self, query: Vector, k: int) -> list[int]:
        """Indices of the ``k`` rows scoring highest against ``query``, best first (ties: lower index)."""
        if k <= 0 or not self.size:
            return []
        weights = [(bucket, units(w)) for bucket, w in query]
        if self._np is not None:
            return self._nearest_numpy(weights, k)
        return self._nearest_python(weights, k)

    # ------------------------------------------------------ standard library
    def _postings(self, vectors: Sequence[Vector]) -> None:
        rows: dict[int, list[int]] = {}
        weights: dict[int, list[int]] = {}
        for index, vector in enumerate(vectors):
            for bucket, weight in vector:
                if bucket not in rows:
                    rows[bucket], weights[bucket] = [], []
                rows[bucket].append(index)
                weights[bucket].append(units(weight))
        self._by_bucket = {bucket: (tuple(found), tuple(weights[bucket])) for bucket, found in rows.items()}

    def _nearest_python(self, query: list[tuple[int, int]], k: int) -> list[int]:
        scores = [0] * self.size
        for bucket, q in query:
            found = self._by_bucket.get(bucket)
            if found is not None:
                for index, weight in zip(*found, strict=True):
                    scores[index] += weight * q
        # The k-th best score, then the rows that reach it, ranked: a sort of a few rows, not of all.
        lowest = heapq.nlargest(k, scores)[-1]
        reaching = [index for index, score in enumerate(scores) if score >= lowest]
        reaching.sort(key=lambda index: (-scores[index], index))
        return reaching[:k]

    # ------------------------------------------------------------------ numpy
    def _matrix(self, vectors: Sequence[Vector], np: Any) -> None:
        """The rows as a sparse matrix: each row's weights (in units) and their columns, run after run."""
        column: dict[int, int] = {}
        columns: list[int] = []
        weights: list[int] = []
        ends = []
        for vector in vectors:
            for bucket, weight in vector:
                columns.append(column.setdefault(bucket, len(column)))
                weights.append(units(weight))
            ends.append(len(weights))
        self._column = column
        self._columns = np.asarray(columns, dtype=np.int64)
        self._weights = np.asarray(weights, dtype=np.float64)  # integers below 2**53: exact
        self._row_of = np.repeat(np.arange(self.size), np.diff(np.asarray([0, *ends])))

    def _nearest_numpy(self, query: list[tuple[int, int]], k: int) -> list[int]:
        np = self._np
        dense = np.zeros(len(self._column) + 1)  # the last column: buckets no row holds
        for bucket, q in query:
            dense[self._column.get(bucket, -1)] = q
        dense[-1] = 0.0
        scores = np.bincount(self._row_of, weights=self._weights * dense[self._columns], minlength=self.size)
        if k >= self.size:
            reaching = np.arange(self.size)
        else:
            lowest = np.partition(scores, self.size - k)[self.size - k]
            reaching = np.flatnonzero(scores >= lowest)
        ranked = reaching[np.lexsort((reaching, -scores[reaching]))]
        return [int(index) for index in ranked[:k]]


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        return None
    return numpy
