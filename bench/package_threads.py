"""An emitted package under many threads on one LM: throughput against the ideal, and CPU per call.

Builds ``samples/sentiment/sentiment.lmp`` with ``--no-optimize`` into a
temporary folder, starts ``stub_server.py`` (its own process) at
``--latency-ms`` (50 by default), then in a fresh process imports the
package and calls its program from T threads (32 by default), each call with
a distinct sentence so that nothing comes from a cache (the package keeps
none by default), ``--calls`` calls in all after a warm-up round. Reports
the calls per second against the ideal (T / latency: every thread always
waiting on the LM, no time of its own; goal: at least 90%) and the
process's CPU per call.

    .venv/bin/python bench/package_threads.py [--threads 32] [--calls 2000]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchlib import PROJECT_PYTHON, ROOT, setup_logging, table, write_results

logger = logging.getLogger("bench.package_threads")

SAMPLE = ROOT / "samples" / "sentiment" / "sentiment.lmp"
STUB = ROOT / "bench" / "stub_server.py"
KEY_ENV, KEY = "LMC_BENCH_KEY", "sk-bench-threads"
WORKER = """
import json, os, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
import sentiment

api_base, threads, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lm = sentiment.LM("openai/stub", api_base=api_base, api_key_env=os.environ["KEY_ENV"])
program = sentiment.classify

def one(i):
    program(sentence=f"review {i}: the plot was fine and the acting good", lm=lm)

with ThreadPoolExecutor(max_workers=threads) as pool:
    list(pool.map(one, range(-threads, 0)))  # warm-up: one call per thread, connections open
    cpu, start = time.process_time(), time.perf_counter()
    list(pool.map(one, range(calls)))
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"wall_s": wall, "cpu_s": cpu}))
"""


def build(out: Path) -> Path:
    cmd = [str(PROJECT_PYTHON), "-m", "lmc", "build", str(SAMPLE), "-o", str(out), "--no-optimize"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"lmc build failed ({done.returncode}):\n{done.stderr}")
    return out / "sentiment"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="*", default=[32])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    setup_logging(args.verbose)
    rows: list[list[Any]] = []
    points = []
    with tempfile.TemporaryDirectory(prefix="lmc-bench-threads-") as tmp:
        project = build(Path(tmp) / "out")
        stub = subprocess.Popen(
            [sys.executable, str(STUB), "--latency-ms", str(args.latency_ms)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert stub.stdout is not None
            line = stub.stdout.readline()
            if not line.startswith("READY "):
                raise RuntimeError(f"the stub server did not start: {line!r}")
            api_base = line.split()[1]
            env = {**os.environ, "PYTHONPATH": str(project), "KEY_ENV": KEY_ENV, KEY_ENV: KEY}
            env.pop("LMC_CACHE_DIR", None)
            for threads in args.threads:
                argv = [str(PROJECT_PYTHON), "-c", WORKER, api_base, str(threads), str(args.calls)]
                done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
                measured = json.loads(done.stdout.strip().splitlines()[-1])
                ideal = threads / (args.latency_ms / 1000)
                rate = args.calls / measured["wall_s"]
                point = {
                    "threads": threads,
                    "calls": args.calls,
                    "calls_per_s": round(rate, 1),
                    "ideal_per_s": round(ideal, 1),
                    "share_of_ideal": round(rate / ideal, 3),
                    "cpu_ms_per_call": round(measured["cpu_s"] * 1000 / args.calls, 3),
                }
                points.append(point)
                rows.append([threads, args.calls, point["calls_per_s"], point["ideal_per_s"]])
                rows[-1] += [f"{100 * point['share_of_ideal']:.1f}%", point["cpu_ms_per_call"]]
        finally:
            assert stub.stdin is not None
            stub.stdin.close()
            stub.wait(timeout=30)
    print(table(["threads", "calls", "calls/s", "ideal calls/s", "share of ideal", "CPU ms/call"], rows))
    path = write_results("package_threads", {"latency_ms": args.latency_ms, "points": points})
    logger.info("wrote %s", path)


if __name__ == "__main__":
    main()
