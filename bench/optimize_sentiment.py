"""The sentiment sample optimized by lmc and by DSPy: test accuracy, LM calls, wall time.

Both sides use the same task, read from ``samples/sentiment/sentiment.lmp``
(``sentiment_task.py``): the signature's instructions and fields, the
``optimize`` block's ``BootstrapFewShotWithRandomSearch`` options, its train
and dev sets, the ``evaluate`` block's held-out test set, and the same LM,
``local/smollm2`` with the ``lm default`` options (temperature 0), run
in-process by lmc's ``local`` litellm provider, one call at a time.

* lmc: ``lmc build`` as a user runs it, with a fresh, empty ``LMC_CACHE_DIR``,
  so its count includes every real call (a repeated request within the build
  is a cache hit, reported apart). The build also scores the dev set before
  and after, and records parity runs; its ``build.json`` gives the scores.
* DSPy (bench venv): lmc's ``local`` provider registered in the DSPy process,
  ``dspy.LM(model, cache=False)`` with the `lm default` sampling options,
  ``dspy.Predict`` of the same signature with a ``Literal`` output (or, with
  ``--dspy-output enum``, an Enum: then DSPy's prompt is lmc's byte for byte),
  exact match on the output as the metric, test accuracy before and after
  ``BootstrapFewShotWithRandomSearch(...).compile(trainset, valset=dev)``.
  DSPy's random search takes no seed (its candidates are seeded -3..N-1).
  Real calls are counted at the model provider.

Slow: hundreds of calls to a 135M model on the CPU. Run it alone, in the
background, and read its log::

    nohup bench/.venv/bin/python bench/optimize_sentiment.py > bench/results/tmp/optimize.log 2>&1 &

Each side's numbers are written to ``bench/results/optimize_sentiment.json``
as soon as that side finishes, with the time and the load average then; a
run of one side (``--sides dspy``) keeps the other side's numbers when the
task is unchanged. ``--lm openai/x`` with ``OPENAI_API_BASE``
pointing at ``bench/stub_server.py`` checks the plumbing in seconds.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchlib import BENCH_PYTHON, PROJECT_PYTHON, RESULTS_DIR, ROOT, machine, setup_logging, table, write_results
from sentiment_task import SAMPLE, SentimentTask, dspy_signature, label_of, load_task

logger = logging.getLogger("bench.optimize_sentiment")

SIDES = ("lmc", "dspy")
NAME = "optimize_sentiment"
_CALLS_LINE = re.compile(r"LM calls: (\d+) \((\d+) from cache\)")


# ------------------------------------------------------------------- lmc


def run_lmc(python: str, lm: str | None, threads: int) -> dict[str, Any]:
    """``lmc build`` of the sample into a temporary folder, with an empty cache."""
    with tempfile.TemporaryDirectory(prefix="lmc-bench-opt-") as tmp:
        env = {**os.environ, "LMC_CACHE_DIR": str(Path(tmp) / "cache")}
        argv = [python, "-m", "lmc", "build", str(SAMPLE), "-o", str(Path(tmp) / "out"), "--threads", str(threads)]
        if lm:
            argv += ["--lm", lm]
        logger.info("lmc: %s", " ".join(argv))
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"lmc build exited {done.returncode}:\n{done.stderr[-3000:]}")
        report = json.loads((Path(tmp) / "out" / "sentiment" / "build.json").read_text(encoding="utf-8"))
    found = _CALLS_LINE.search(done.stdout + done.stderr)
    calls, hits = (int(found.group(1)), int(found.group(2))) if found else (report["lm_calls"], None)
    # Rows are labelled like "classify on test (evaluate, accuracy)" and "classify on dev (valset, accuracy)".
    test = next(r for r in report["scores"] if "(evaluate" in r["label"])
    dev = next((r for r in report["scores"] if "(valset" in r["label"]), None)
    return {
        "test_baseline": test["baseline"],
        "test_optimized": test["optimized"],
        "dev_baseline": dev["baseline"] if dev else None,
        "dev_optimized": dev["optimized"] if dev else None,
        "lm_calls_answered": calls,
        "lm_cache_hits": hits,
        "lm_calls_real": calls - hits if hits is not None else None,
        "wall_s": round(wall, 1),
        "optimizer": report["optimizer"],
        "includes": "the whole build: dev baseline, optimization, dev re-score, test baseline and optimized, parity runs",
    }


# ------------------------------------------------------------------ DSPy


def run_dspy(task: SentimentTask, lm_model: str | None, output: str) -> dict[str, Any]:
    """Baseline, compile and optimized scores with DSPy, in this process (the bench venv)."""
    import dspy

    model = lm_model or task.model
    counter = _count_local_calls(model)
    lm = dspy.LM(model, cache=False, **task.sampling())
    dspy.configure(lm=lm)

    def examples(role: str) -> list[Any]:
        return [dspy.Example(**row).with_inputs(task.input_name) for row in task.load(role)]

    trainset, devset, testset = examples("train"), examples("dev"), examples("test")
    output_name = task.output_name

    def exact_match(example: Any, prediction: Any, trace: Any = None) -> bool:
        from dspy.evaluate.metrics import normalize_text

        got = label_of(getattr(prediction, output_name, None))
        return normalize_text(got) == normalize_text(str(example[output_name]))

    # Errors (an answer that does not parse) score 0 and never stop the run.
    max_errors = len(trainset) + len(devset) + len(testset)
    evaluate = dspy.Evaluate(devset=testset, metric=exact_match, num_threads=1, max_errors=max_errors)
    student = dspy.Predict(dspy_signature(task, output=output))

    timings: dict[str, float] = {}
    calls: dict[str, int] = {}
    scores: dict[str, float] = {}

    def phase(name: str, fn: Callable[[], Any]) -> Any:
        before = counter()
        start = time.perf_counter()
        result = fn()
        timings[name] = round(time.perf_counter() - start, 1)
        calls[name] = counter() - before
        score = getattr(result, "score", None)
        if score is not None:
            scores[name] = float(score)
        logger.info(
            "dspy: %s took %.1fs, %d LM calls%s",
            name,
            timings[name],
            calls[name],
            f", score {score}" if score is not None else "",
        )
        # A run cut short still leaves the phases it finished.
        partial = RESULTS_DIR / "tmp" / "optimize_dspy_partial.json"
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps({"wall_s": timings, "lm_calls": calls, "scores": scores}) + "\n")
        return result

    baseline = phase("test baseline", lambda: evaluate(student))
    optimizer = dspy.BootstrapFewShotWithRandomSearch(
        metric=exact_match, num_threads=1, max_errors=max_errors, **task.optimizer_options
    )
    compiled = phase("compile", lambda: optimizer.compile(student, trainset=trainset, valset=devset))
    optimized = phase("test optimized", lambda: evaluate(compiled))
    demos = [len(p.demos) for p in compiled.predictors()]
    return {
        "test_baseline": float(baseline.score),
        "test_optimized": float(optimized.score),
        "lm_calls_real": sum(calls.values()),
        "lm_calls_by_phase": calls,
        "lm_history_entries": len(lm.history),
        "wall_s": round(sum(timings.values()), 1),
        "wall_s_by_phase": timings,
        "demos_chosen": demos,
        "output_type": output,
        "optimizer": f"BootstrapFewShotWithRandomSearch {task.optimizer_options}",
        "includes": "test baseline, compile (bootstrap + random search scored on dev), test optimized",
    }


def _count_local_calls(model: str) -> Callable[[], int]:
    """Register lmc's local provider (for a ``local/`` model) and count the calls that reach a model.

    For another model (a dry run against a stub) the count is the DSPy LM's
    history length instead; with ``cache=False`` each entry is a real call.
    """
    import dspy

    if not model.startswith("local/"):
        return lambda: len(dspy.settings.lm.history) if dspy.settings.lm is not None else 0
    from lmc.runtime.lm import local

    local.register(model)
    provider = local._PROVIDER  # the handler litellm calls: counting there counts real model calls
    count = [0]
    original = provider.completion

    def counted(*args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return original(*args, **kwargs)

    provider.completion = counted
    return lambda: count[0]


# ---------------------------------------------------------------- driver


def task_description(task: SentimentTask, args: argparse.Namespace) -> dict[str, Any]:
    return {
        "sample": str(SAMPLE.relative_to(ROOT)),
        "model": args.lm or task.model,
        "lm_options": task.lm_options,
        "optimizer": task.optimizer,
        "optimizer_options": task.optimizer_options,
        "lmc_chain": list(task.chain),  # DSPy runs the first step only: it has no Calibrate
        "seed": task.seed,
        "sizes": {role: len(task.load(role)) for role in task.datasets},
        "threads": 1,
    }


def earlier_sides(described: dict[str, Any]) -> dict[str, Any]:
    """Sides already in the results file for this very task: a run of one side keeps the other's numbers."""
    path = RESULTS_DIR / f"{NAME}.json"
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return dict(previous.get("sides", {})) if previous.get("task") == described else {}


def save(results: dict[str, Any], described: dict[str, Any]) -> Path:
    return write_results(
        NAME, {"task": described, "complete": all(side in results for side in SIDES), "sides": results}
    )


def stamp(side: dict[str, Any]) -> dict[str, Any]:
    """When a side finished and how busy the machine was: wall times differ with the load."""
    return {**side, "finished_at": machine()["date"], "load_average_1_5_15": machine()["load_average_1_5_15"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sides", nargs="+", choices=SIDES, default=list(SIDES), help="which to run (default: both)")
    ap.add_argument("--lm", default=None, help="replace the sample's model on both sides (for a dry run)")
    ap.add_argument("--dspy-output", choices=("literal", "enum"), default="literal", help="DSPy output type")
    ap.add_argument("--lmc-python", default=str(PROJECT_PYTHON), help="interpreter that runs `lmc build`")
    ap.add_argument("--no-write", action="store_true", help=f"print only; do not write bench/results/{NAME}.json")
    ap.add_argument("--dspy-worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    setup_logging(args.verbose)
    task = load_task()

    if args.dspy_worker:  # runs under the bench venv; prints one JSON line
        for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
            logging.getLogger(name).setLevel(logging.WARNING)
        sys.stdout.write(json.dumps(run_dspy(task, args.lm, args.dspy_output)) + "\n")
        return 0

    described = task_description(task, args)
    results: dict[str, Any] = {} if args.no_write else earlier_sides(described)
    for side in args.sides:
        logger.info("%s: started", side)
        if side == "lmc":
            results["lmc"] = stamp(run_lmc(args.lmc_python, args.lm, threads=1))
        else:
            results["dspy"] = stamp(_dspy_subprocess(args))
        logger.info("%s: %s", side, json.dumps(results[side]))
        if not args.no_write:
            logger.info("wrote %s", save(results, described).relative_to(ROOT))

    rows = [
        [
            side,
            r["test_baseline"],
            r["test_optimized"],
            r["lm_calls_real"] if r["lm_calls_real"] is not None else "?",
            r["wall_s"],
        ]
        for side, r in results.items()
    ]
    print(f"{task.optimizer} {task.optimizer_options} on {args.lm or task.model}; test accuracy (%) on held-out test")
    print(table(["side", "test baseline", "test optimized", "real LM calls", "wall s"], rows))
    return 0


def _dspy_subprocess(args: argparse.Namespace) -> dict[str, Any]:
    """The DSPy side in the bench venv (DSPy is never installed next to lmc's own dependencies)."""
    if not BENCH_PYTHON.exists():
        raise SystemExit(f"{BENCH_PYTHON} does not exist: run `bash bench/setup.sh` first")
    argv = [str(BENCH_PYTHON), __file__, "--dspy-worker", "--dspy-output", args.dspy_output]
    if args.lm:
        argv += ["--lm", args.lm]
    env = {**os.environ, "DSPY_CACHEDIR": str(RESULTS_DIR / "tmp" / "dspy_cache")}
    done = subprocess.run(argv, env=env, stdout=subprocess.PIPE, text=True)  # its log goes to ours
    if done.returncode != 0:
        raise RuntimeError(f"the DSPy worker exited {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    raise SystemExit(main())
