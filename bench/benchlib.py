"""Shared pieces of the benchmark scripts: timing statistics, the machine, results files.

The scripts in ``bench/`` are run by hand (never in CI), each as
``python bench/<name>.py``; Python puts ``bench/`` first on ``sys.path``, so
they import this module by its bare name.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
PROJECT_PYTHON = ROOT / ".venv" / "bin" / "python"
BENCH_PYTHON = BENCH_DIR / ".venv" / "bin" / "python"

logger = logging.getLogger("bench")


@dataclass(frozen=True, slots=True)
class Stats:
    """Summary of repeated timings, in milliseconds."""

    n: int
    median_ms: float
    p90_ms: float
    min_ms: float
    max_ms: float
    mean_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Stats:
        if not seconds:
            raise ValueError("no timings to summarize")
        ms = sorted(s * 1000.0 for s in seconds)
        return cls(
            n=len(ms),
            median_ms=round(statistics.median(ms), 3),
            p90_ms=round(percentile(ms, 90), 3),
            min_ms=round(ms[0], 3),
            max_ms=round(ms[-1], 3),
            mean_ms=round(statistics.fmean(ms), 3),
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Linear-interpolated percentile of already sorted values (numpy's default method)."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    rank = (len(sorted_values) - 1) * pct / 100.0
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def time_calls(fn: Callable[[], Any], *, runs: int, warmup: int) -> list[float]:
    """Wall-clock seconds of ``runs`` calls of ``fn`` after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    return timings


def time_process(argv: Sequence[str], *, runs: int, warmup: int, env: Mapping[str, str] | None = None) -> list[float]:
    """Wall-clock seconds of ``runs`` fresh processes (hyperfine-style); a failing run raises."""

    def once() -> None:
        done = subprocess.run(list(argv), env=dict(env) if env is not None else None, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr[-2000:]}")

    return time_calls(once, runs=runs, warmup=warmup)


def bytecode_env(prefix: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (this environment) with bytecode written to and read from ``prefix``, never into the
    checkout: as an installed lmc runs, even where ``PYTHONDONTWRITEBYTECODE`` is set (it is on the
    machines these benchmarks were written on; every module would be compiled at every start)."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(prefix)
    return env


class StubProcess:
    """``bench/stub_server.py`` in its own process, for the length of a ``with`` block."""

    def __init__(self, python: str, latency_ms: float) -> None:
        self.argv = [python, str(BENCH_DIR / "stub_server.py"), "--latency-ms", str(latency_ms)]
        self.api_base = ""

    def __enter__(self) -> StubProcess:
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("READY "):
            self.proc.kill()
            raise RuntimeError(f"the stub server did not start: {line!r}")
        self.api_base = line.split()[1]
        return self

    def _root(self) -> str:
        return self.api_base.removesuffix("/v1")

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self._root()}/stats", timeout=10) as response:
            return json.loads(response.read())

    def reset(self) -> None:
        request = urllib.request.Request(f"{self._root()}/reset", data=b"{}", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def __exit__(self, *exc: object) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()  # the server exits when its stdin closes
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def machine() -> dict[str, Any]:
    """What the numbers were measured on: they mean little without it."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        # Another process on a 2-core machine changes every number: say how busy it was.
        "load_average_1_5_15": [round(x, 2) for x in load],
    }


def write_results(name: str, payload: Mapping[str, Any]) -> Path:
    """Write ``bench/results/<name>.json`` with the machine description added."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    data = {"benchmark": name, "machine": machine(), **payload}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain text table, right-aligned numbers, for the terminal and for README.md."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return (
            "| "
            + " | ".join(v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(values, widths, strict=True))
            + " |"
        )

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(list(headers)), rule, *(line(r) for r in cells)])


def _cell(value: Any) -> str:
    if isinstance(value, float):
        text = f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def _numeric(text: str) -> bool:
    try:
        float(text.rstrip("%").replace(",", ""))
    except ValueError:
        return False
    return True


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(message)s", stream=sys.stderr)
