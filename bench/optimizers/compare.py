"""lmc's optimizers against DSPy's: same task, options, data and LM; dev score, LM calls, wall time.

Two setups:

* ``--lm oracle`` (default): ``oracle_server.py`` on loopback, a scripted
  model whose answers depend on the prompt (demos and instructions change
  the score), 50 ms per call (``--latency-ms``; 0 shows each side's own
  overhead), 8 threads on both sides. Tasks: the sentiment
  sample (Predict, enum output) and ``qa/arithmetic.lmp`` (ChainOfThought,
  str output). Optimizers: ``BootstrapFewShotWithRandomSearch`` (the
  sentiment sample's options), ``MIPROv2`` (``auto: light``) and ``SIMBA``
  (``bsize`` 16 for the 30 training rows, 4 candidates, 4 steps) and ``GEPA``
  (``max_metric_calls`` 150, the task's LM reflecting).
* ``--lm local``: ``local/smollm2`` in process, the sentiment task only and
  a smaller configuration (the first 20 dev rows, two random candidates,
  MIPROv2 with 3 candidates and 4 trials): it is slow on 2 cores.

Each run is a fresh process (``--worker``) with fresh, empty LM caches on
both sides: lmc in the project venv, DSPy in the bench venv. A run reports
the final dev score (the optimized program scored on the devset), the LM
calls that reached the model (counted by the server, or at the local
provider) during compile and during that final scoring, and the wall time
of both (imports and setup apart). A run that fails is recorded with its
last error line (DSPy's MIPROv2 stops when the prompt model's proposal does
not parse, as the 135M local model's often does). Results go to
``bench/results/optimizers.json`` (oracle; ``optimizers_latency0.json``
at another latency) or ``optimizers_local.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchlib, in bench/

from benchlib import BENCH_PYTHON, PROJECT_PYTHON, RESULTS_DIR, ROOT, machine, setup_logging, table, write_results  # noqa: E402
from sides import KEY, KEY_ENV  # noqa: E402
from tasks import TASKS  # noqa: E402

logger = logging.getLogger("bench.optimizers")
HERE = Path(__file__).resolve().parent
LATENCY_MS = 50.0
THREADS = 8

ORACLE_RUNS = [
    (task, name, options)
    for task in ("sentiment", "arithmetic")
    for name, options in (
        (
            "BootstrapFewShotWithRandomSearch",
            {"max_bootstrapped_demos": 4, "max_labeled_demos": 4, "num_candidate_programs": 6},
        ),
        ("MIPROv2", {"auto": "light", "max_bootstrapped_demos": 4, "max_labeled_demos": 4}),
        # The tasks have 30 training rows: DSPy's default bsize of 32 is more than that.
        ("SIMBA", {"bsize": 16, "num_candidates": 4, "max_steps": 4, "max_demos": 4}),
        # The task's own LM reflects on both sides (DSPy requires a reflection_lm: the same oracle).
        ("GEPA", {"max_metric_calls": 150, "reflection_minibatch_size": 3}),
    )
]
# At scale (opt in: --only scale2000): build_scaling.py's task at 2,000 rows, random search with 5 candidates.
SCALE_RUNS = [
    (
        "scale2000",
        "BootstrapFewShotWithRandomSearch",
        {"max_bootstrapped_demos": 4, "max_labeled_demos": 4, "num_candidate_programs": 5},
    )
]
LOCAL_MAX_ERRORS = 1000  # the 135M model's unparsable answers score 0 and never stop a run
LOCAL_RUNS = [
    (
        "sentiment",
        "BootstrapFewShotWithRandomSearch",
        {
            "max_bootstrapped_demos": 4,
            "max_labeled_demos": 4,
            "num_candidate_programs": 2,
            "max_errors": LOCAL_MAX_ERRORS,
        },
    ),
    (
        "sentiment",
        "MIPROv2",
        {
            "auto": None,
            "num_candidates": 3,
            "num_trials": 4,
            "minibatch": False,
            "max_bootstrapped_demos": 4,
            "max_labeled_demos": 4,
            "max_errors": LOCAL_MAX_ERRORS,
        },
    ),
]
LOCAL_RUNS.append(  # what a 135M model can reflect: it is its own reflection LM, as on the oracle
    ("sentiment", "GEPA", {"max_metric_calls": 60, "reflection_minibatch_size": 3})
)
LOCAL_DEV_LIMIT = 20
LOCAL_THREADS = 2


class Oracle:
    """``oracle_server.py`` in its own process, knowing every task's gold answers."""

    def __init__(self, latency_ms: float, log: Path | None = None) -> None:
        self.latency_ms = latency_ms
        self.log = log

    def __enter__(self) -> Oracle:
        gold = [] if self.log is None else ["--log", str(self.log)]
        for task in TASKS.values():
            input_name, output_name = task.fields()
            for dataset in (task.trainset, task.devset):
                gold += ["--gold", f"{task.dataset_path(dataset)}:{input_name}:{output_name}"]
        argv = [sys.executable, str(HERE / "oracle_server.py"), "--latency-ms", str(self.latency_ms), *gold]
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError(f"the oracle server did not start: {line!r}")
        self.api_base = line.split()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def run_worker(
    side: str, task: str, optimizer: str, options: dict[str, Any], *, api_base: str | None, local: bool, threads: int
):
    """One run in a fresh process with empty caches; returns its numbers and the process's wall time."""
    python = PROJECT_PYTHON if side == "lmc" else BENCH_PYTHON
    argv = [str(python), __file__, "--worker", side, "--task", task, "--optimizer", optimizer]
    argv += ["--options", json.dumps(options)]
    argv += ["--threads", str(LOCAL_THREADS if local else threads)]
    argv += ["--dev-limit", str(LOCAL_DEV_LIMIT if local else 10**6)]
    if api_base:
        argv += ["--api-base", api_base]
    log_dir = ROOT / "bench" / "results" / "tmp"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"optimizers-{'local' if local else 'oracle'}-{task}-{optimizer}-{side}.log"
    with tempfile.TemporaryDirectory(prefix="bench-opt-cache-") as tmp:
        env = {**os.environ, "LMC_CACHE_DIR": f"{tmp}/lmc", "DSPY_CACHEDIR": f"{tmp}/dspy", KEY_ENV: KEY}
        logger.info("%s %s %s: started (log: %s)", task, optimizer, side, log.relative_to(ROOT))
        start = time.perf_counter()
        with log.open("w", encoding="utf-8") as err:
            done = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=err, text=True, cwd=ROOT)
        process_s = round(time.perf_counter() - start, 1)
    if done.returncode != 0:  # a failed run is a result too: its last error line, and when it came
        lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
        failure = next((line for line in reversed(lines) if "Error" in line), lines[-1] if lines else "?")
        logger.info("%s %s %s: failed after %.1fs: %s", task, optimizer, side, process_s, failure)
        return {"failed": failure.strip()[:500], "process_s": process_s}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(result["compile_s"] + result["eval_s"], 2)
    result["lm_calls"] = result["compile_calls"] + result["eval_calls"]
    result["process_s"] = process_s
    logger.info("%s %s %s: %s", task, optimizer, side, json.dumps(result))
    return result


def summarize(tries: list[dict[str, Any]]) -> dict[str, Any]:
    """The first try's numbers with the median wall time of all; says whether scores and calls repeated."""
    if any("failed" in t for t in tries):
        return next(t for t in tries if "failed" in t)
    walls = sorted(t["wall_s"] for t in tries)
    first = dict(tries[0])
    first["wall_s"] = walls[len(walls) // 2]
    first["wall_s_tries"] = [t["wall_s"] for t in tries]
    first["same_every_try"] = all(
        (t["dev_score"], t["lm_calls"]) == (first["dev_score"], first["lm_calls"]) for t in tries
    )
    return first


def goals(lmc: dict[str, Any], dspy: dict[str, Any]) -> dict[str, Any]:
    """The issue's goals for one comparison: score at least DSPy's, calls no more, wall time at most half."""
    if "failed" in lmc or "failed" in dspy:
        return {"compared": False}
    return {
        "score_at_least_dspy": lmc["dev_score"] >= dspy["dev_score"],
        "calls_no_more": lmc["lm_calls"] <= dspy["lm_calls"],
        "wall_at_most_half": lmc["wall_s"] <= dspy["wall_s"] / 2,
        "wall_ratio": round(lmc["wall_s"] / dspy["wall_s"], 2) if dspy["wall_s"] else None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lm", choices=("oracle", "local"), default="oracle")
    ap.add_argument("--only", default=None, help="run only this task")
    ap.add_argument(
        "--only-optimizer",
        dest="optimizer_only",
        default=None,
        help="run only this optimizer; the results file keeps the other runs of the same setup",
    )
    ap.add_argument("--latency-ms", type=float, default=LATENCY_MS, help="the oracle's delay per call (default 50)")
    ap.add_argument("--oracle-threads", type=int, default=THREADS, help="threads on the oracle (default 8)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per side (oracle setup); the median wall time counts")
    ap.add_argument("--request-log", type=Path, default=None, help="the oracle server logs every request here")
    ap.add_argument("--no-write", action="store_true", help="print the table without writing bench/results/")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--worker", choices=("lmc", "dspy"), help=argparse.SUPPRESS)
    ap.add_argument("--task", help=argparse.SUPPRESS)
    ap.add_argument("--optimizer", help=argparse.SUPPRESS)
    ap.add_argument("--options", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--dev-limit", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--api-base", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    setup_logging(args.verbose)

    if args.worker:  # one run, printed as one JSON line
        from sides import SIDES

        run = SIDES[args.worker]
        result = run(
            TASKS[args.task],
            args.optimizer,
            json.loads(args.options),
            threads=args.threads,
            api_base=args.api_base,
            dev_limit=args.dev_limit,
        )
        sys.stdout.write(json.dumps(result) + "\n")
        return 0

    local = args.lm == "local"
    runs = [
        r
        for r in (LOCAL_RUNS if local else ORACLE_RUNS + SCALE_RUNS)
        if (args.only == r[0] or (args.only is None and r not in SCALE_RUNS)) and args.optimizer_only in (None, r[1])
    ]
    results: list[dict[str, Any]] = []
    started = machine()
    oracle = None if local else Oracle(args.latency_ms, args.request_log).__enter__()
    try:
        for task, optimizer, options in runs:
            tries: dict[str, list[dict[str, Any]]] = {"dspy": [], "lmc": []}
            for _ in range(1 if local else args.repeat):  # sides alternate, so both see the same load
                for side in tries:
                    api_base = None if oracle is None else oracle.api_base
                    tries[side].append(
                        run_worker(
                            side, task, optimizer, options, api_base=api_base, local=local, threads=args.oracle_threads
                        )
                    )
            sides = {side: summarize(runs_of_side) for side, runs_of_side in tries.items()}
            results.append(
                {
                    "task": task,
                    "optimizer": optimizer,
                    "options": options,
                    **sides,
                    "goals": goals(sides["lmc"], sides["dspy"]),
                }
            )
    finally:
        if oracle is not None:
            oracle.__exit__(None, None, None)

    rows = [[r["task"], r["optimizer"], side, *_cells(r[side])] for r in results for side in ("dspy", "lmc")]
    print(table(["task", "optimizer", "side", "dev score %", "LM calls", "wall s"], rows))
    if not args.no_write:
        setup = {
            "lm": "local/smollm2 in process" if local else f"oracle_server.py, {args.latency_ms:g} ms per call",
            "threads": LOCAL_THREADS if local else args.oracle_threads,
            "dev_limit": LOCAL_DEV_LIMIT if local else None,
            "repeat": 1 if local else args.repeat,
            "started": started,
            "versions": _versions(),
        }
        name = "optimizers_local" if local else "optimizers"
        if not local and args.latency_ms != LATENCY_MS:
            name += f"_latency{args.latency_ms:g}"
        if not local and args.oracle_threads != THREADS:  # another setup: its own file, the default's kept
            name += f"_threads{args.oracle_threads}"
        path = write_results(name, {"setup": setup, "runs": _with_earlier(name, setup, results)})
        logger.info("wrote %s", path.relative_to(ROOT))
    return 0


def _cells(side: dict[str, Any]) -> list[Any]:
    if "failed" in side:
        return ["failed", "-", f"{side['process_s']} (process)"]
    return [side["dev_score"], side["lm_calls"], side["wall_s"]]


def _with_earlier(name: str, setup: dict[str, Any], results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``results`` plus the earlier file's other runs when they were measured in the same setup."""
    try:
        earlier = json.loads((RESULTS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return results
    same = ("lm", "threads", "dev_limit", "repeat")
    if any(earlier.get("setup", {}).get(k) != setup[k] for k in same):
        return results
    done = {(r["task"], r["optimizer"]) for r in results}
    kept = [r for r in earlier["runs"] if (r["task"], r["optimizer"]) not in done]
    for r in kept:
        r.setdefault("measured", earlier["machine"]["date"])
    return kept + results


def _versions() -> dict[str, str]:
    code = "import importlib.metadata as m, json; print(json.dumps({n: m.version(n) for n in ('dspy', 'litellm')}))"
    done = subprocess.run([str(BENCH_PYTHON), "-c", code], capture_output=True, text=True)
    return json.loads(done.stdout) if done.returncode == 0 else {}


if __name__ == "__main__":
    raise SystemExit(main())
