"""The k rows of a KNN table nearest to a query: exact scores, with numpy when it is there.

Every weight of a table is stored rounded to ``DIGITS`` decimals, so it is
an integer number of millionths: scored in those units, a dot product is an
integer, exact, whatever the order its products are added in. That makes
the choice of neighbours the same on every path and every Python: numpy's
(which lmc itself has) and the standard library's (a package without
numpy), and the ranking exact: the higher score first, an exact tie to the
earlier trainset row, as documented.

Both paths keep an inverted index: per bucket, the rows that hold it and
their weights, so a query touches only the rows sharing a bucket with it.
The standard library's adds each product to its row's score in a Python
loop; numpy's keeps every bucket's rows and weights as one run of two
arrays (the rows as a sparse matrix by columns) and sums the query's runs
into the rows with one ``bincount``. Its sums are float64 of integer values
no larger than about ``10**12`` (two unit vectors, in millionths:
Cauchy-Schwarz), far below ``2**53``, so they are exact too, in any order.
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Iterable
from typing import Any

__all__ = ["NearestIndex", "units"]

Vector = tuple[tuple[int, float], ...]  # (bucket, weight), buckets ascending

SCALE = 10**6  # a stored weight's unit: it is rounded to 6 decimals (``knn.DIGITS``)


def units(weight: float) -> int:
    """A stored weight as the integer number of millionths it was rounded to."""
    return round(weight * SCALE)


class NearestIndex:
    """The rows' vectors, indexed for ``nearest``; ``numpy=None`` uses numpy when it imports."""

    def __init__(self, vectors: Iterable[Vector], *, numpy: bool | None = None) -> None:
        """``vectors`` are read once, in order: a generator keeps one row's pairs alive at a time."""
        self.size = 0
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
    def _postings(self, vectors: Iterable[Vector]) -> None:
        rows: dict[int, list[int]] = {}
        weights: dict[int, list[int]] = {}
        for index, vector in enumerate(vectors):
            self.size = index + 1
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
    def _matrix(self, vectors: Iterable[Vector], np: Any) -> None:
        """Every stored weight (in units) and its row, ordered by bucket; each bucket's run of them.

        Read into typed arrays (8 bytes an item), not lists of Python numbers (~100 MB more at
        20,000 rows of 57 buckets).
        """
        sizes, buckets, weights = array("q"), array("q"), array("d")
        for vector in vectors:
            sizes.append(len(vector))
            for bucket, weight in vector:
                buckets.append(bucket)
                weights.append(units(weight))
        self.size = len(sizes)
        total = len(buckets)
        by_bucket = np.frombuffer(buckets, dtype=np.int64) if total else np.zeros(0, dtype=np.int64)
        order = np.argsort(by_bucket, kind="stable")
        by_bucket = by_bucket[order]
        row_sizes = np.frombuffer(sizes, dtype=np.int64) if self.size else np.zeros(0, dtype=np.int64)
        self._rows = np.repeat(np.arange(self.size, dtype=np.intp), row_sizes)[order]
        self._weights = np.frombuffer(weights, dtype=np.float64)[order] if total else np.zeros(0)  # exact integers
        self._runs: dict[int, tuple[int, int]] = {}
        if total:
            starts = np.flatnonzero(np.diff(by_bucket, prepend=by_bucket[0] - 1)).tolist()
            ends = [*starts[1:], total]
            self._runs = dict(zip(by_bucket[starts].tolist(), zip(starts, ends, strict=True), strict=True))

    def _nearest_numpy(self, query: list[tuple[int, int]], k: int) -> list[int]:
        np = self._np
        rows, products = [], []
        for bucket, q in query:
            run = self._runs.get(bucket)
            if run is not None:
                rows.append(self._rows[run[0] : run[1]])
                products.append(self._weights[run[0] : run[1]] * q)
        if rows:
            scores = np.bincount(np.concatenate(rows), weights=np.concatenate(products), minlength=self.size)
        else:
            scores = np.zeros(self.size)
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
