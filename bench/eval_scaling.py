"""What lmc's evaluation loop costs per row as rows grow: it must stay flat (issue: quadratic waits).

Runs ``host.evaluate``'s thread pool over N rows whose task returns at once
(no LM, no program), so the time is the loop's own: submitting, taking each
result, recording it. Rows 2,000 and 20,000, threads 8 and 32.

    .venv/bin/python bench/eval_scaling.py
"""

from __future__ import annotations

import logging
import time

from benchlib import setup_logging, table, write_results

logger = logging.getLogger("bench.eval_scaling")


def loop_seconds(rows: int, threads: int) -> float:
    from lmc.host import evaluate

    def task(index: int) -> evaluate.ExampleResult:
        return evaluate.ExampleResult(index=index, example=None, outputs={}, score=1.0, error=None, trace=())

    taken: list[evaluate.ExampleResult] = []
    started = time.perf_counter()
    evaluate._run_threaded(task, rows, threads, taken.append)
    assert len(taken) == rows
    return time.perf_counter() - started


def main() -> None:
    setup_logging(False)
    rows, results = [], []
    for n in (2_000, 20_000):
        for threads in (8, 32):
            seconds = loop_seconds(n, threads)
            rows.append([n, threads, f"{seconds:.2f}", f"{1e6 * seconds / n:.0f}"])
            results.append({"rows": n, "threads": threads, "seconds": seconds})
    print(table(["rows", "threads", "seconds", "µs per row"], rows))
    write_results("eval_scaling", {"runs": results})


if __name__ == "__main__":
    main()
