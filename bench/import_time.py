"""How long ``import sentiment`` takes in a fresh process; target: under 100 ms.

Builds ``samples/sentiment/sentiment.lmp`` with ``--no-optimize`` into a
temporary folder, compiles its bytecode (as ``pip install`` does), and runs
``python -c "import sentiment"`` in fresh processes with the package's folder
on ``PYTHONPATH`` and the project venv's interpreter (which has pydantic, the
package's one import-time dependency). Reports:

* the median wall time of the import, and of reference imports (bare
  interpreter start, ``import pydantic``, ``from pydantic import BaseModel``
  and one model class) that put the number in context;
* the slowest modules of ``python -X importtime -c "import sentiment"``;
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
import tempfile
from pathlib import Path
from typing import Any

from benchlib import PROJECT_PYTHON, ROOT, Stats, setup_logging, table, time_process, write_results

logger = logging.getLogger("bench.import_time")

SAMPLE = ROOT / "samples" / "sentiment" / "sentiment.lmp"
PACKAGE = "sentiment"
TARGET_MS = 100.0
# Imported lazily by the runtime; an import of the package must not load them.
LAZY = ("litellm", "openai", "httpx", "aiohttp", "llama_cpp", "tiktoken", "tokenizers", "asyncio")
ONE_MODEL = "from pydantic import BaseModel\nclass A(BaseModel):\n    x: str"


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
        top = importtime(args.python, env, top=args.top)
        heavy = heavy_modules(args.python, env)

    main_stats = measured[f"import {PACKAGE}"]
    print(f"fresh-process import of the emitted `{PACKAGE}` package, runs={args.runs}")
    print(
        table(
            ["python -c ...", "median ms", "min ms", "max ms"],
            [[k, s.median_ms, s.min_ms, s.max_ms] for k, s in measured.items()],
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
    print(f"lazily imported modules loaded by `import {PACKAGE}`: {', '.join(heavy) if heavy else 'none'}")
    verdict = "meets" if main_stats.median_ms < TARGET_MS else "MISSES"
    print(f"import median {main_stats.median_ms:.0f} ms: {verdict} the {TARGET_MS:.0f} ms target")

    if not args.no_write:
        out = write_results(
            "import_time",
            {
                "runs": args.runs,
                "warmup": args.warmup,
                "target_ms": TARGET_MS,
                "bytecode": "compiled before timing (as pip install does)",
                "timings": {k: s.as_dict() for k, s in measured.items()},
                "importtime_top": top,
                "lazy_modules_loaded": heavy,
                "litellm_imported": "litellm" in heavy,
            },
        )
        logger.info("wrote %s", out.relative_to(ROOT))
    return 0 if not heavy else 1


if __name__ == "__main__":
    raise SystemExit(main())
