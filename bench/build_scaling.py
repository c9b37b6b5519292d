"""``lmc build`` as rows and threads grow: wall time against the bound, CPU per LM call, idle ends, memory.

Each point builds a generated classification program (one ``Predict``, an
``enum`` label, exact match) with ``BootstrapFewShotWithRandomSearch``
(5 candidate programs, up to 4 bootstrapped and 4 labeled demos, seed 0),
train = dev = N generated rows, against ``optimizers/oracle_server.py`` at
``--latency-ms`` (50 by default), as a fresh ``lmc build`` process with
``--threads T`` and a fresh, empty LM cache (as a first build writes it;
lmc's own caches, the parser's tables, compiled templates and the runtime's
import scans, are made first by a ``--no-optimize`` build, which calls no
LM, as any earlier ``lmc build`` leaves them), and lmc's modules read
from compiled bytecode, as an installed lmc has it (a private
``PYTHONPYCACHEPREFIX``, also where ``PYTHONDONTWRITEBYTECODE`` is set).
For each point it reports:

* LM calls (the oracle's count) and the bound: calls x latency / threads,
  the wall time of a client that only waits on the LM with T calls in
  flight; the build's wall time and its ratio to the bound (goal: <= 1.2);
* lmc's CPU per LM call: the build process's user + system time (its own
  rusage, ``os.wait4``) over the calls, and the same for the request span
  alone (from the first request to the last answer; ``/proc/PID/stat``
  sampled every 10 ms), which leaves out start-up and emitting (goal: flat,
  <= 0.5 ms);
* within the request span, the seconds with nothing in flight, and the
  mean number of calls in flight over T (each request counted for the
  latency);
* the time from the process start to the first request, and from the last
  answer to the process's end (goal: each < 0.5 s), from the oracle's
  request log (the same monotonic clock);
* the process's peak resident memory.

It also measures the machine (``wake_cost``): the CPU time of one fixed
piece of Python work (a chat request's JSON written and read back), run
back to back and run with a sleep of the LM's latency before each. A thread
that sleeps between calls, as every build thread does while its request is
out, finds its caches cold when it wakes: on the machine the README's
numbers come from (2 vCPUs of a virtual machine) the same work then costs
1.5-2.5x its CPU time. Read lmc's CPU per call at 50 ms against that ratio;
``--latency-ms 0`` gives the hot figure.

    .venv/bin/python bench/build_scaling.py                    # N = 20, 200, 2000 at 8 threads; N = 200 at 32, 64
    .venv/bin/python bench/build_scaling.py --points 20000:64  # one point, N:threads
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchlib import PROJECT_PYTHON, ROOT, bytecode_env, setup_logging, table, write_results

logger = logging.getLogger("bench.build_scaling")

ORACLE = ROOT / "bench" / "optimizers" / "oracle_server.py"
LABELS = ("positive", "negative", "neutral")
WORDS = "good bad fine great awful plain lovely poor okay superb dull bright slow quick warm cold".split()
DEFAULT_POINTS = ("20:8", "200:8", "2000:8", "200:32", "200:64")
KEY_ENV, KEY = "LMC_BENCH_KEY", "sk-bench-scaling"
RANDOM_SEARCH = (
    "BootstrapFewShotWithRandomSearch { max_bootstrapped_demos: 4, max_labeled_demos: 4, num_candidate_programs: 5 }"
)
SOURCE = """\
lm default = "openai/oracle" {{ api_base: "{api_base}", api_key_env: "{key_env}", temperature: 0.0 }}

enum Label {{ positive, negative, neutral }}

signature Classify {{
  \"\"\"Classify the review's sentiment.\"\"\"
  in  text: str
  out label: Label
}}

program classify(text: str) -> (label: Label) {{
  module predict = Predict(Classify)
  return predict(text=text)
}}

metric em = exact_match(label)

dataset rows = "rows.jsonl" {{ inputs: [text] }}

optimize classify {{
  optimizer: {optimizer}
  metric: em
  trainset: rows
  valset: rows
  seed: 0
}}
"""


def write_task(folder: Path, rows: int) -> Path:
    """The rows (``rows.jsonl``, also the oracle's gold) in ``folder``; returns the gold file."""
    rng = random.Random(rows)
    lines = []
    for i in range(rows):
        text = f"review {i}: " + " ".join(rng.choice(WORDS) for _ in range(8))
        lines.append(json.dumps({"text": text, "label": rng.choice(LABELS)}))
    gold = folder / "rows.jsonl"
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return gold


def start_oracle(gold: Path, latency_ms: float, log: Path) -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, str(ORACLE), "--gold", f"{gold}:text:label", "--latency-ms", str(latency_ms)]
    proc = subprocess.Popen([*cmd, "--log", str(log)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("READY "):
        proc.kill()
        raise RuntimeError(f"the oracle did not start: {line!r}")
    return proc, line.split()[1]


def served(api_base: str) -> int:
    with urllib.request.urlopen(api_base.removesuffix("/v1") + "/stats", timeout=10) as answer:
        return int(json.loads(answer.read())["requests"])


def arrivals(log: Path) -> list[float]:
    if not log.exists():
        return []
    return sorted(json.loads(line)["t"] for line in log.read_text(encoding="utf-8").splitlines() if line.strip())


def in_flight(times: list[float], latency: float, threads: int) -> dict[str, float]:
    """Over the request span: the seconds with nothing in flight, and the mean number in flight over T
    (each request counts for the latency: the share of the T slots a client that only waited would fill)."""
    events = sorted([(t, 1) for t in times] + [(t + latency, -1) for t in times])
    idle = area = 0.0
    level, last = 0, events[0][0] if events else 0.0
    for t, step in events:
        if level == 0:
            idle += t - last
        area += level * (t - last)
        level, last = level + step, t
    span = events[-1][0] - events[0][0] if events else 0.0
    return {"idle_s": round(idle, 2), "utilization": round(area / span / threads, 2) if span else 0.0}


class CpuSampler:
    """The process's CPU seconds over time, from ``/proc/PID/stat`` every 10 ms (Linux)."""

    def __init__(self, pid: int) -> None:
        import threading

        self.pid, self.samples = pid, []  # (monotonic time, CPU seconds)
        self.tick = os.sysconf("SC_CLK_TCK")
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        path = f"/proc/{self.pid}/stat"
        while True:
            try:
                fields = Path(path).read_text().rpartition(")")[2].split()
            except OSError:
                return
            if fields[0] == "Z":
                return
            self.samples.append((time.monotonic(), (int(fields[11]) + int(fields[12])) / self.tick))
            time.sleep(0.01)

    def at(self, moment: float) -> float:
        """CPU seconds used by ``moment`` (the last sample before it)."""
        before = [cpu for t, cpu in self.samples if t <= moment]
        return before[-1] if before else 0.0


def source(api_base: str, optimizer: str = RANDOM_SEARCH) -> str:
    """The task's ``.lmp`` file against the oracle at ``api_base``, optimized by ``optimizer`` (its `.lmp` text)."""
    return SOURCE.format(api_base=api_base, key_env=KEY_ENV, optimizer=optimizer)


def one_point(
    rows: int, threads: int, latency_ms: float, pycache: Path, optimizer: str = RANDOM_SEARCH
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="lmc-bench-scaling-") as tmp:
        folder = Path(tmp)
        gold = write_task(folder, rows)
        log = folder / "requests.jsonl"
        oracle, api_base = start_oracle(gold, latency_ms, log)
        try:
            app = folder / "app.lmp"
            app.write_text(source(api_base, optimizer), encoding="utf-8")
            before = served(api_base)
            # A fresh, empty LM cache; lmc's modules compiled once for every point (``pycache``), as installed.
            env = {**bytecode_env(pycache), KEY_ENV: KEY, "LMC_CACHE_DIR": str(folder / "cache")}
            # ... but lmc's own caches kept (the parser's tables, compiled templates, the runtime's import
            # scans), as on any machine after its first `lmc build`: one without the optimizer, no LM call.
            subprocess.run(
                [str(PROJECT_PYTHON), "-m", "lmc", "build", str(app), "--no-optimize", "-o", str(folder / "warm")],
                env=env,
                check=True,
                capture_output=True,
            )
            for stale in (folder / "cache").glob("lm-cache.sqlite3*"):
                stale.unlink()
            cmd = [str(PROJECT_PYTHON), "-m", "lmc", "build", str(app), "-o", str(folder / "out")]
            started = time.monotonic()
            proc = subprocess.Popen([*cmd, "--threads", str(threads)], env=env, stdout=subprocess.DEVNULL)  # noqa: S603
            sampler = CpuSampler(proc.pid)
            sampler.thread.join()  # until the process is a zombie: its last CPU figures are read
            _, status, usage = os.wait4(proc.pid, 0)
            ended = time.monotonic()
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode != 0:
                raise RuntimeError(f"lmc build exited {proc.returncode} at {rows} rows, {threads} threads")
            calls = served(api_base) - before
        finally:
            assert oracle.stdin is not None
            oracle.stdin.close()
            oracle.wait(timeout=30)
        times = arrivals(log)
    wall = ended - started
    bound = calls * latency_ms / 1000 / threads
    cpu = usage.ru_utime + usage.ru_stime
    span_cpu = sampler.at(times[-1] + latency_ms / 1000) - sampler.at(times[0]) if times else 0.0
    return {
        "rows": rows,
        "threads": threads,
        "calls": calls,
        "bound_s": round(bound, 2),
        "wall_s": round(wall, 2),
        "ratio": round(wall / bound, 2) if bound else None,
        "cpu_s": round(cpu, 2),
        "cpu_ms_per_call": round(cpu * 1000 / calls, 3) if calls else None,
        "span_cpu_ms_per_call": round(span_cpu * 1000 / calls, 3) if calls else None,
        **(in_flight(times, latency_ms / 1000, threads) if times else {}),
        "before_first_request_s": round(times[0] - started, 2) if times else None,
        "after_last_answer_s": round(ended - (times[-1] + latency_ms / 1000), 2) if times else None,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }


def wake_cost(latency_ms: float, runs: int = 200) -> dict[str, float]:
    """CPU ms of one fixed piece of work run back to back, and with a sleep of ``latency_ms`` before each."""
    body = {"model": "oracle", "messages": [{"role": "system", "content": "x" * 1500}] * 3, "temperature": 0.0}

    def work() -> None:
        for _ in range(10):
            json.loads(json.dumps(body))

    def per_run(sleep_s: float) -> float:
        spent = 0.0
        for _ in range(runs):
            if sleep_s:
                time.sleep(sleep_s)
            start = time.thread_time()
            work()
            spent += time.thread_time() - start
        return spent * 1000 / runs

    per_run(0.0)  # warm up
    hot, woken = per_run(0.0), per_run(max(latency_ms, 1.0) / 1000)
    return {"hot_ms": round(hot, 3), "after_sleep_ms": round(woken, 3), "ratio": round(woken / hot, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", nargs="*", default=list(DEFAULT_POINTS), metavar="N:THREADS")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--name", default="build_scaling", help="the results file's name (bench/results/NAME.json)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    setup_logging(args.verbose)
    points = []
    with tempfile.TemporaryDirectory(prefix="lmc-bench-pycache-") as pycache:
        one_point(20, 8, args.latency_ms, Path(pycache))  # not reported: compiles every module a build loads
        for spec in args.points:
            rows, threads = (int(part) for part in spec.split(":"))
            logger.info("N=%d, %d threads ...", rows, threads)
            points.append(one_point(rows, threads, args.latency_ms, Path(pycache)))
            logger.info("%s", points[-1])
    headers = ["N rows", "threads", "LM calls", "bound s", "wall s", "wall/bound", "CPU ms/call", "in span"]
    headers += ["to 1st request s", "after last answer s", "idle s", "in flight / T", "peak RSS MB"]
    keys = ["rows", "threads", "calls", "bound_s", "wall_s", "ratio", "cpu_ms_per_call", "span_cpu_ms_per_call"]
    keys += ["before_first_request_s", "after_last_answer_s", "idle_s", "utilization", "peak_rss_mb"]
    print(table(headers, [[p[k] for k in keys] for p in points]))
    wake = wake_cost(args.latency_ms)
    print(
        f"machine: the same work costs {wake['hot_ms']} ms of CPU back to back, {wake['after_sleep_ms']} ms after "
        f"sleeping {max(args.latency_ms, 1.0):g} ms ({wake['ratio']}x)"
    )
    path = write_results(args.name, {"latency_ms": args.latency_ms, "points": points, "wake_cost": wake})
    logger.info("wrote %s", path)


if __name__ == "__main__":
    main()
