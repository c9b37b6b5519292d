"""What the sandbox's OS boundary costs a ProgramOfThought run: ``run_python`` under ``os`` and ``audit``.

Times ``run_python(CODE)`` in this process, the way a ProgramOfThought module
calls it, under ``LMC_SANDBOX=os`` (namespaces, a private root, seccomp; then
the audit hook) and ``LMC_SANDBOX=audit`` (the audit hook alone), for a
trivial program and for one importing a few standard-library C extensions.
The two settings alternate run by run, so that load on the machine falls on
both alike.

    .venv/bin/python bench/sandbox_start.py [--runs 40]
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from typing import Any

from benchlib import Stats, setup_logging, table, write_results

from lmc.runtime.kinds import sandbox

logger = logging.getLogger("bench.sandbox_start")

PROGRAMS = {
    "print(1)": "print(1)",
    "stdlib imports": "import json, decimal, hashlib, zlib, datetime\nprint(json.dumps([1]))",
}
SETTINGS = ("os", "audit")


def one(setting: str, code: str) -> float:
    os.environ[sandbox.SETTING] = setting
    start = time.perf_counter()
    result = sandbox.run_python(code)
    elapsed = time.perf_counter() - start
    if not result.ok:
        raise RuntimeError(f"{setting}: {result.error}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    setup_logging(args.verbose)
    rows: list[list[Any]] = []
    results: dict[str, Any] = {}
    for name, code in PROGRAMS.items():
        timings: dict[str, list[float]] = {setting: [] for setting in SETTINGS}
        for setting in SETTINGS:
            one(setting, code)  # warm-up: the first run pays for the interpreter's files in the page cache
        for _ in range(args.runs):
            for setting in SETTINGS:
                timings[setting].append(one(setting, code))
        stats = {setting: Stats.of(values) for setting, values in timings.items()}
        extra = stats["os"].median_ms - stats["audit"].median_ms
        rows.append([name, stats["os"].median_ms, stats["audit"].median_ms, round(extra, 1)])
        results[name] = {setting: s.as_dict() for setting, s in stats.items()}
    print(table(["program", "os: median ms", "audit: median ms", "the boundary's cost, ms"], rows))
    path = write_results("sandbox_start", {"runs": args.runs, "programs": results})
    logger.info("wrote %s", path)


if __name__ == "__main__":
    main()
