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
        """Every stored weight (in units) and its row, ordered by bucket; each bucket's run of them.

        The arrays are filled from generators: no list of a million Python ints on the way (~90 MB
        at 20,000 rows of 57 buckets).
        """
        sizes = np.fromiter((len(vector) for vector in vectors), dtype=np.intp, count=self.size)
        total = int(sizes.sum())
        by_bucket = np.fromiter((b for vector in vectors for b, _ in vector), dtype=np.int64, count=total)
        weights = np.fromiter((units(w) for vector in vectors for _, w in vector), dtype=np.float64, count=total)
        order = np.argsort(by_bucket, kind="stable")
        by_bucket = by_bucket[order]
        self._rows = np.repeat(np.arange(self.size, dtype=np.intp), sizes)[order]
        self._weights = weights[order]  # integers below 2**53: exact
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
