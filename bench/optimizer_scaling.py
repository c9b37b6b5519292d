"""Each optimizer's cost as rows grow: lmc's CPU per LM call at N and 10 N rows, and KNN's neighbour search.

Two measurements:

* every optimizer of the build (``build_scaling.py``'s task: one ``Predict``,
  an ``enum`` label, exact match, train = dev = N generated rows) built
  against ``optimizers/oracle_server.py`` at 0 ms, so that lmc's own work is
  all there is to see, at ``--threads`` (8), each point a fresh ``lmc build``
  process with an empty LM cache and lmc's own caches warm (as
  ``build_scaling.one_point`` runs it). For each optimizer: LM calls, wall
  time and lmc's CPU per LM call at each N, and the growth: CPU's ratio
  between the largest and the smallest N over the calls' ratio (1 or less:
  lmc's work grows no faster than the LM's; more: something is superlinear);
* ``KnnTable.nearest``'s index alone (``runtime/knn_index.py``), the work a
  KNNFewShot call adds: milliseconds per query at 200, 2,000 and 20,000
  trainset rows of Zipf-worded text (a 5,000-word vocabulary, 15 words a
  row), on numpy's path and on the standard library's (a package without
  numpy), and the time to index the rows.

    .venv/bin/python bench/optimizer_scaling.py                      # N = 200 and 2,000
    .venv/bin/python bench/optimizer_scaling.py --rows 200 2000 --only KNNFewShot
    .venv/bin/python bench/optimizer_scaling.py --rows 20000 --only KNNFewShot --name optimizer_scaling_knn20k
"""

from __future__ import annotations

import argparse
import logging
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import setup_logging, table, write_results
from build_scaling import RANDOM_SEARCH, one_point

logger = logging.getLogger("bench.optimizer_scaling")

OPTIMIZERS = {
    "LabeledFewShot": "LabeledFewShot { k: 4 }",
    "BootstrapFewShot": "BootstrapFewShot { max_bootstrapped_demos: 4, max_labeled_demos: 4 }",
    "BootstrapFewShotWithRandomSearch": RANDOM_SEARCH,
    "KNNFewShot": "KNNFewShot { k: 4 }",
    "COPRO": "COPRO { breadth: 3, depth: 2 }",
    "MIPROv2": 'MIPROv2 { auto: "light", max_bootstrapped_demos: 4, max_labeled_demos: 4 }',
    "SIMBA": "SIMBA { bsize: 16, num_candidates: 4, max_steps: 4, max_demos: 4 }",
    "GEPA": "GEPA { max_metric_calls: 400, reflection_minibatch_size: 3 }",
}
KNN_ROWS = (200, 2000, 20000)
KNN_QUERIES = 50


def optimizer_points(names: list[str], rows: list[int], threads: int) -> list[dict[str, Any]]:
    found = []
    with tempfile.TemporaryDirectory(prefix="lmc-bench-pycache-") as pycache:
        one_point(20, threads, 0.0, Path(pycache))  # not reported: compiles every module a build loads
        for name in names:
            for n in rows:
                logger.info("%s at %d rows ...", name, n)
                point = one_point(n, threads, 0.0, Path(pycache), OPTIMIZERS[name])
                found.append({"optimizer": name, **point})
                logger.info("%s", found[-1])
    return found


def growth(points: list[dict[str, Any]]) -> dict[str, float | None]:
    """Per optimizer: CPU's ratio between its largest and smallest N over the LM calls' ratio."""
    out: dict[str, float | None] = {}
    for name in dict.fromkeys(p["optimizer"] for p in points):
        mine = sorted((p for p in points if p["optimizer"] == name), key=lambda p: p["rows"])
        low, high = mine[0], mine[-1]
        if len(mine) < 2 or not low["calls"] or not low["cpu_s"]:
            out[name] = None
            continue
        out[name] = round((high["cpu_s"] / low["cpu_s"]) / (high["calls"] / low["calls"]), 2)
    return out


def knn_points() -> list[dict[str, Any]]:
    from lmc.runtime.knn import idf_of, vectorize
    from lmc.runtime.knn_index import NearestIndex

    rng = random.Random(0)
    vocabulary = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(5000)
    ]
    zipf = [1 / (rank + 1) for rank in range(len(vocabulary))]
    found = []
    for n in KNN_ROWS:
        texts = ["text: " + " ".join(rng.choices(vocabulary, zipf, k=15)) for _ in range(n)]
        idf = idf_of(texts)
        vectors = [vectorize(text, idf) for text in texts]
        queries = [vectorize("text: " + " ".join(rng.choices(vocabulary, zipf, k=15)), idf) for _ in range(KNN_QUERIES)]
        for numpy in (True, False):
            start = time.perf_counter()
            index = NearestIndex(vectors, numpy=numpy)
            made = time.perf_counter() - start
            start = time.perf_counter()
            for query in queries:
                index.nearest(query, 4)
            per_query = (time.perf_counter() - start) / len(queries)
            found.append(
                {
                    "rows": n,
                    "path": "numpy" if numpy else "stdlib",
                    "index_s": round(made, 3),
                    "ms_per_query": round(per_query * 1000, 3),
                }
            )
            logger.info("%s", found[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="*", type=int, default=[200, 2000])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--only", nargs="*", choices=list(OPTIMIZERS), default=list(OPTIMIZERS))
    parser.add_argument("--name", default="optimizer_scaling", help="the results file's name (bench/results/NAME.json)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    setup_logging(args.verbose)
    points = optimizer_points(args.only, args.rows, args.threads)
    grew = growth(points)
    headers = [
        "optimizer",
        "N rows",
        "LM calls",
        "wall s",
        "CPU s",
        "CPU ms/call",
        "peak RSS MB",
        "CPU growth / calls growth",
    ]
    rows = [
        [p["optimizer"], p["rows"], p["calls"], p["wall_s"], p["cpu_s"], p["cpu_ms_per_call"], p["peak_rss_mb"]]
        + [grew[p["optimizer"]] if p["rows"] == max(args.rows) else ""]
        for p in points
    ]
    print(table(headers, rows))
    knn = knn_points()
    print(table(["KNN rows", "path", "index s", "ms / query"], [list(p.values()) for p in knn]))
    path = write_results(
        args.name, {"threads": args.threads, "latency_ms": 0.0, "points": points, "growth": grew, "knn": knn}
    )
    logger.info("wrote %s", path)


if __name__ == "__main__":
    main()
