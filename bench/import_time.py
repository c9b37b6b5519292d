"""How long ``import sentiment`` takes in a fresh process; target (issue 13): at most 3x ``python -c pass``.

Builds ``samples/sentiment/sentiment.lmp`` with ``--no-optimize`` into a
temporary folder, compiles its bytecode (as ``pip install`` does), and runs
``python -c "import sentiment"`` in fresh processes with the package's folder
on ``PYTHONPATH`` and the project venv's interpreter (which has pydantic).
Reports:

* the median wall time of ``import sentiment`` and ``from sentiment import
  classify``, each as a multiple of a bare interpreter start (``python -c
  pass``), and of reference imports (``import pydantic``, ``from pydantic
  import BaseModel`` and one model class) that put the numbers in context;
* the import and the first call together: a fresh process times ``from
  sentiment import classify``, then its first call (``LM`` imported and made,
  one request to a loopback stub server, ``bench/stub_server.py``), then a
  second call; the medians of each part and of the whole process;
* the slowest modules of ``python -X importtime -c "import sentiment"``;
* every module ``from sentiment import classify`` adds to ``sys.modules``
  (the package's own, the standard library's, any other);
* which heavy modules the import pulls in: litellm (and the openai SDK,
  httpx, llama_cpp) must NOT be among them, as they load at the first LM call.

    .venv/bin/python bench/import_time.py [--runs 10]
"""

from __future__ import annotations

import argparse
import compileall
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import PROJECT_PYTHON, ROOT, Stats, StubProcess, setup_logging, table, time_process, write_results

logger = logging.getLogger("bench.import_time")

SAMPLE = ROOT / "samples" / "sentiment" / "sentiment.lmp"
PACKAGE = "sentiment"
# Issue 13: an emitted package's import takes at most this many times a bare interpreter start.
TARGET_RATIO = 3.0
# Imported lazily by the runtime; an import of the package must not load them.
LAZY = ("litellm", "openai", "httpx", "aiohttp", "llama_cpp", "tiktoken", "tokenizers", "asyncio")
ONE_MODEL = "from pydantic import BaseModel\nclass A(BaseModel):\n    x: str"
KEY_ENV = "BENCH_STUB_API_KEY"
SENTENCE = "Not bad at all: a warm, funny film that earns its ending."
# One fresh process: the import, the first call (LM made, one request to the stub) and a second call, each
# timed; only `time` (built in, loaded at start-up) is imported before the package.
FIRST_CALL = """\
import time

start = time.perf_counter()
from sentiment import classify

imported = time.perf_counter()
from sentiment import LM

lm = LM("openai/stub", api_base={api_base!r}, api_key_env={key_env!r}, temperature=0.0, max_tokens=32)
result = classify(sentence={sentence!r}, lm=lm)
first = time.perf_counter()
classify(sentence={sentence!r}, lm=lm)
second = time.perf_counter()
assert result.sentiment.value == "positive", result
import json

print(json.dumps({{"import_s": imported - start, "first_call_s": first - imported, "second_call_s": second - first}}))
"""
# The modules `from sentiment import classify` adds to those a bare interpreter has.
MODULES_PROBE = f"""\
import sys

before = set(sys.modules)
from {PACKAGE} import classify

added = sorted(set(sys.modules) - before)
import json

print(json.dumps(added))
"""


def build(python: str, out: Path) -> Path:
    """The emitted package's project folder (the one holding ``pyproject.toml``)."""
    cmd = [python, "-m", "lmc", "build", str(SAMPLE), "-o", str(out), "--no-optimize"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"lmc build failed ({done.returncode}):\n{done.stderr}")
    project = out / PACKAGE
    if not (project / PACKAGE / "__init__.py").is_file():
        raise RuntimeError(f"no package at {project / PACKAGE}")
    compileall.compile_dir(project / PACKAGE, quiet=1)
    return project


def environment(project: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "SENTIMENT_LM", "LMC_CACHE_DIR"}}
    env["PYTHONPATH"] = str(project)
    return env


def importtime(python: str, env: dict[str, str], *, top: int) -> list[dict[str, Any]]:
    """The ``top`` modules with the largest cumulative import time (µs), from ``-X importtime``."""
    done = subprocess.run(
        [python, "-X", "importtime", "-c", f"import {PACKAGE}"], env=env, capture_output=True, text=True, check=True
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cumulative_us, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        rows.append({"module": name.strip(), "self_us": int(self_us), "cumulative_us": int(cumulative_us)})
    rows.sort(key=lambda r: r["cumulative_us"], reverse=True)
    return rows[:top]


def added_modules(python: str, env: dict[str, str]) -> dict[str, list[str]]:
    """The modules ``from sentiment import classify`` loads: the package's own, the standard library's, others."""
    done = subprocess.run([python, "-c", MODULES_PROBE], env=env, capture_output=True, text=True, check=True)
    added = json.loads(done.stdout)
    own = [m for m in added if m == PACKAGE or m.startswith(f"{PACKAGE}.")]
    rest = [m for m in added if m not in own]
    stdlib = [m for m in rest if m.partition(".")[0] in sys.stdlib_module_names]
    return {"package": own, "stdlib": stdlib, "other": [m for m in rest if m not in stdlib]}


def first_call(python: str, env: dict[str, str], *, runs: int, warmup: int) -> dict[str, Stats]:
    """Fresh processes that import the package and call it twice against a loopback stub: each part's timings."""
    parts: dict[str, list[float]] = {"import": [], "first call": [], "second call": [], "whole process": []}
    with StubProcess(python, 0.0) as stub:
        code = FIRST_CALL.format(api_base=stub.api_base, key_env=KEY_ENV, sentence=SENTENCE)
        call_env = {**env, KEY_ENV: "sk-bench-stub"}
        for i in range(warmup + runs):
            start = time.perf_counter()
            done = subprocess.run([python, "-c", code], env=call_env, capture_output=True, text=True)
            wall = time.perf_counter() - start
            if done.returncode != 0:
                raise RuntimeError(f"the first-call process exited {done.returncode}:\n{done.stderr[-2000:]}")
            if i < warmup:
                continue
            measured = json.loads(done.stdout.strip().splitlines()[-1])
            parts["import"].append(measured["import_s"])
            parts["first call"].append(measured["first_call_s"])
            parts["second call"].append(measured["second_call_s"])
            parts["whole process"].append(wall)
    return {name: Stats.of(seconds) for name, seconds in parts.items()}


def heavy_modules(python: str, env: dict[str, str]) -> list[str]:
    """Top-level packages from ``LAZY`` present in ``sys.modules`` after the import."""
    probe = f"import json, sys, {PACKAGE}\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run([python, "-c", probe], env=env, capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    return sorted(loaded & set(LAZY))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10, help="fresh processes timed per measurement (default 10)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed processes first (default 1)")
    ap.add_argument("--top", type=int, default=15, help="modules listed from -X importtime (default 15)")
    ap.add_argument("--python", default=str(PROJECT_PYTHON), help="interpreter with lmc and pydantic")
    ap.add_argument("--no-write", action="store_true", help="print only; do not write bench/results/import_time.json")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    setup_logging(args.verbose)

    with tempfile.TemporaryDirectory(prefix="lmc-bench-import-") as tmp:
        project = build(args.python, Path(tmp) / "out")
        env = environment(project)
        logger.info("built %s; timing %d fresh imports", project, args.runs)

        def timed(code: str) -> Stats:
            return Stats.of(time_process([args.python, "-c", code], runs=args.runs, warmup=args.warmup, env=env))

        measured = {
            f"import {PACKAGE}": timed(f"import {PACKAGE}"),
            f"from {PACKAGE} import classify": timed(f"from {PACKAGE} import classify"),
            "python -c pass": timed("pass"),
            "import pydantic": timed("import pydantic"),
            "from pydantic import BaseModel": timed("from pydantic import BaseModel"),
            "BaseModel + one model class": timed(ONE_MODEL),
        }
        calls = first_call(args.python, env, runs=args.runs, warmup=args.warmup)
        top = importtime(args.python, env, top=args.top)
        added = added_modules(args.python, env)
        heavy = heavy_modules(args.python, env)

    start = measured["python -c pass"].median_ms
    ratios = {k: round(s.median_ms / start, 2) for k, s in measured.items()}
    print(f"fresh-process import of the emitted `{PACKAGE}` package, runs={args.runs}")
    print(
        table(
            ["python -c ...", "median ms", "min ms", "max ms", "x pass"],
            [[k, s.median_ms, s.min_ms, s.max_ms, ratios[k]] for k, s in measured.items()],
        )
    )
    print()
    print("one fresh process: the import, the first call (LM made, one request to a loopback stub), a second call")
    print(
        table(
            ["part", "median ms", "min ms", "max ms"],
            [[k, s.median_ms, s.min_ms, s.max_ms] for k, s in calls.items()],
        )
    )
    print()
    print(f"-X importtime, top {args.top} by cumulative time")
    print(
        table(
            ["module", "cumulative ms", "self ms"],
            [[r["module"], r["cumulative_us"] / 1000, r["self_us"] / 1000] for r in top],
        )
    )
    print()
    for kind, names in added.items():
        print(f"modules `from {PACKAGE} import classify` adds ({kind}, {len(names)}): {', '.join(names) or 'none'}")
    print(f"lazily imported modules loaded by `import {PACKAGE}`: {', '.join(heavy) if heavy else 'none'}")
    for key in (f"import {PACKAGE}", f"from {PACKAGE} import classify"):
        verdict = "meets" if ratios[key] <= TARGET_RATIO else "MISSES"
        print(
            f"{key}: median {measured[key].median_ms:.1f} ms, {ratios[key]:.2f}x python -c pass: {verdict} the {TARGET_RATIO:g}x target"
        )

    if not args.no_write:
        out = write_results(
            "import_time",
            {
                "runs": args.runs,
                "warmup": args.warmup,
                "target_ratio": TARGET_RATIO,
                "bytecode": "compiled before timing (as pip install does)",
                "timings": {k: s.as_dict() for k, s in measured.items()},
                "ratios_to_pass": ratios,
                "first_call": {k: s.as_dict() for k, s in calls.items()},
                "importtime_top": top,
                "modules_added_by_from_import": added,
                "lazy_modules_loaded": heavy,
                "litellm_imported": "litellm" in heavy,
            },
        )
        logger.info("wrote %s", out.relative_to(ROOT))
    return 0 if not heavy else 1


if __name__ == "__main__":
    raise SystemExit(main())
