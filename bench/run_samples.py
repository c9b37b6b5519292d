"""How long one ``lmc run`` of each sample program takes on the embedded model, from a warm model.

Each program of ``samples/*/`` runs once through ``lmc run`` (in this
process, so the model is loaded once: the first run below only warms it),
with no LM cache and the default parameters, two ways:

* **as written**: the sample's ``lm`` block, which sets ``max_tokens`` and
  mostly ``stop`` at the completion marker;
* **no limits**: the same program with ``max_tokens`` and ``stop`` taken out
  of its ``lm`` block, as a user who sets neither writes it; the embedded
  model's defaults (``docs/language.md``: 512 tokens, stop at the marker)
  then bound it.

Target: every run under 60 s. Reports the wall time and exit code of each.

    .venv/bin/python bench/run_samples.py [--only NAME]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import ROOT, setup_logging, table, write_results

logger = logging.getLogger("bench.run_samples")

TARGET_S = 60.0
# (sample file, program, inputs): one realistic input per program.
RUNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("sentiment/sentiment.lmp", "classify", ("sentence=A warm, funny and wise film.",)),
    ("extract/extract.lmp", "extract", ("text=Senior Python developer at Acme in Berlin, 70k EUR.",)),
    ("qa/qa.lmp", "ask", ("question=What is the capital of France?",)),
    ("qa/qa.lmp", "check", ("statement=Paris is the capital of France.",)),
    ("multihop/multihop.lmp", "multihop", ("question=Which river flows through the capital of France?",)),
    ("multihop/multihop.lmp", "lookup_answer", ("question=Where is it?", "title=Paris")),
    ("pot/word_problems.lmp", "solve", ("question=Ann has 2 apples and buys 3 more. How many has she?",)),
    ("react/atlas_agent.lmp", "atlas", ("question=What is the capital of Peru?",)),
    ("attempts/short_answers.lmp", "best_of", ("country=Peru",)),
    ("attempts/short_answers.lmp", "refined", ("country=Peru",)),
    ("attempts/short_answers.lmp", "compared", ("country=Peru",)),
)
LIMITS = re.compile(r',?\s*(max_tokens:\s*\d+|stop:\s*\[(?:\s*"[^"]*"\s*,?)*\s*\]|stop:\s*"[^"]*")')


def without_limits(sample: Path, into: Path) -> Path:
    """A copy of the sample's folder whose ``lm`` blocks set neither ``max_tokens`` nor ``stop``."""
    copy = into / sample.parent.name
    shutil.copytree(sample.parent, copy)
    target = copy / sample.name
    lines = []
    for line in target.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("lm "):
            line = LIMITS.sub("", line).replace("{ ,", "{").replace("{  ", "{ ")
        lines.append(line)
    target.write_text("".join(lines), encoding="utf-8")
    return target


def run_once(source: Path, program: str, inputs: tuple[str, ...]) -> tuple[float, int, str]:
    from lmc.cli.main import main

    argv = ["run", str(source), program, "--no-cache", "--unoptimized"]
    for pair in inputs:
        argv += ["--input", pair]
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    seconds = time.perf_counter() - started
    answer = " ".join(out.getvalue().split())[:60] if code == 0 else err.getvalue().strip().splitlines()[-1][:60]
    return seconds, code, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None, help="run only the programs of this sample folder")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    setup_logging(args.verbose)
    os.environ.setdefault("LMC_CACHE_DIR", tempfile.mkdtemp(prefix="lmc-bench-cache-"))
    runs = [r for r in RUNS if args.only is None or r[0].startswith(args.only + "/")]

    warm = ROOT / "samples" / RUNS[0][0]
    logger.info("warming the model")
    run_once(warm, RUNS[0][1], RUNS[0][2])

    rows: list[list[Any]] = []
    results = []
    with tempfile.TemporaryDirectory(prefix="lmc-bench-") as tmp:
        for rel, program, inputs in runs:
            sample = ROOT / "samples" / rel
            unlimited_dir = Path(tmp) / f"{sample.parent.name}-{program}"
            unlimited_dir.mkdir()
            unlimited = without_limits(sample, unlimited_dir)
            for how, source in (("as written", sample), ("no limits", unlimited)):
                seconds, code, answer = run_once(source, program, inputs)
                logger.info("%s %s (%s): %.1f s, exit %d", rel, program, how, seconds, code)
                rows.append([f"{rel} {program}", how, f"{seconds:.1f}", code, answer])
                results.append({"sample": rel, "program": program, "how": how, "seconds": seconds, "exit": code})
    print(table(["program", "lm block", "seconds", "exit", "answer or error"], rows))
    slowest = max(r["seconds"] for r in results)
    print(f"slowest: {slowest:.1f} s (target: under {TARGET_S:.0f} s)")
    write_results("run_samples", {"runs": results, "target_s": TARGET_S, "slowest_s": slowest})


if __name__ == "__main__":
    main()
