"""Render ``bench/results/*.json`` as the Markdown results section of ``bench/README.md``.

    python bench/report.py            # print the section
    python bench/report.py --write    # replace it in bench/README.md (between the results markers)

Stdlib only: it runs under any interpreter.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchlib import BENCH_DIR, RESULTS_DIR, table

README = BENCH_DIR / "README.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def _machine(data: dict[str, Any]) -> str:
    m = data["machine"]
    load = ", ".join(str(x) for x in m["load_average_1_5_15"])
    return f"{m['date'][:16].replace('T', ' ')} UTC, {m['nproc']} x {m['cpu_model']}, Python {m['python']}, load average {load}"


def check_time(data: dict[str, Any]) -> list[str]:
    p = data["in_process"]
    start = data["interpreter_start"]["median_ms"]
    rows = [
        ["`lmc check` end to end, fresh process (bytecode cached)", data["end_to_end"]["median_ms"]],
        ["the same, no bytecode (`PYTHONDONTWRITEBYTECODE=1`)", data["end_to_end_no_bytecode"]["median_ms"]],
        ["`lmc check` of a 75-line file, fresh process", data["end_to_end_small_file"]["median_ms"]],
        ["interpreter start (`python -c pass`)", start],
        ["in process: import lmc.parse + lmc.checks", p["imports_ms"]],
        [
            "in process: the grammar's tables made by Lark (once; `lmc` reads them from its cache)",
            p["grammar_build_ms"],
        ],
        ["in process: parse, to IR in one pass", p["parse"]["median_ms"]],
        ["in process: all checks", p["checks"]["median_ms"]],
    ]
    f = data["file"]
    verdict = "meets" if data["end_to_end"]["median_ms"] < data["target_ms"] else "misses"
    ratio = data["end_to_end"]["median_ms"] / start
    return [
        f"### `check_time.py`: {f['lines']}-line file, {f['declarations']} declarations",
        "",
        _machine(data) + f"; median of {data['runs']} runs after {data['warmup']} warmup.",
        "",
        table(["measurement", "median ms"], rows),
        "",
        f"Target {data['target_ms']:.0f} ms end to end: {verdict}. End to end is {ratio:.0f}x `python -c pass`"
        f" (issue 13's goal: at most 20x).",
    ]


def build_scaling(data: dict[str, Any]) -> list[str]:
    keys = ["rows", "threads", "calls", "bound_s", "wall_s", "ratio", "span_cpu_ms_per_call"]
    keys += ["before_first_request_s", "after_last_answer_s", "utilization", "peak_rss_mb"]
    headers = ["N rows", "threads", "LM calls", "bound s", "wall s", "wall / bound", "CPU ms/call in span"]
    headers += ["to 1st request s", "after last answer s", "in flight / T", "peak RSS MB"]
    return [
        "### `build_scaling.py`: random search, 5 candidates, train = dev = N rows",
        "",
        _machine(data) + f"; the oracle at {data['latency_ms']:g} ms, a fresh LM cache per point.",
        "",
        table(headers, [[p[k] for k in keys] for p in data["points"]]),
        "",
        *_wake_cost(data),
        "Goals (issue 13): wall <= 1.2x the bound; CPU per call <= 0.5 ms; before the first request and after"
        " the last answer < 0.5 s each.",
    ]


def _wake_cost(data: dict[str, Any]) -> list[str]:
    """The machine's factor on CPU time after a sleep (``build_scaling.wake_cost``), when the run measured it."""
    wake = data.get("wake_cost")
    if wake is None:
        return []
    return [
        f"The machine: one fixed piece of Python work costs {wake['hot_ms']} ms of CPU back to back and"
        f" {wake['after_sleep_ms']} ms after a sleep of the latency ({wake['ratio']}x): every per-call figure"
        " at that latency carries the factor.",
        "",
    ]


def optimizer_scaling(data: dict[str, Any]) -> list[str]:
    points, grew = data["points"], data["growth"]
    largest = max(p["rows"] for p in points)
    headers = ["optimizer", "N rows", "LM calls", "wall s", "CPU ms/call", "peak RSS MB", "CPU growth / calls growth"]
    rows = [
        [p["optimizer"], p["rows"], p["calls"], p["wall_s"], p["cpu_ms_per_call"], p["peak_rss_mb"]]
        + [grew.get(p["optimizer"]) if p["rows"] == largest else ""]
        for p in points
    ]
    knn = [[k["rows"], k["path"], k["index_s"], k["ms_per_query"]] for k in data["knn"]]
    return [
        "### `optimizer_scaling.py`: every optimizer at N and 10 N rows, the oracle at 0 ms",
        "",
        _machine(data) + f"; {data['threads']} threads, a fresh LM cache per point.",
        "",
        table(headers, rows),
        "",
        "KNNFewShot's neighbour search alone (`runtime/knn_index.py`), Zipf-worded rows:",
        "",
        table(["trainset rows", "path", "index s", "ms per query"], knn),
        "",
        "A growth above 1 means lmc's own work grows faster than the LM calls (issue 13: linear in rows).",
    ]


def import_time(data: dict[str, Any]) -> list[str]:
    ratios = data.get("ratios_to_pass", {})
    rows = [[f"`{k}`", v["median_ms"], v["min_ms"], ratios.get(k, "")] for k, v in data["timings"].items()]
    top = [[f"`{r['module']}`", r["cumulative_us"] / 1000, r["self_us"] / 1000] for r in data["importtime_top"][:6]]
    lazy = ", ".join(data["lazy_modules_loaded"]) or "none (litellm is not imported)"
    lines = [
        "### `import_time.py`: the emitted `sentiment` package",
        "",
        _machine(data) + f"; median of {data['runs']} fresh processes, bytecode compiled.",
        "",
        table(["python -c ...", "median ms", "min ms", "x pass"], rows),
    ]
    if "first_call" in data:
        calls = [[k, v["median_ms"], v["min_ms"]] for k, v in data["first_call"].items()]
        lines += [
            "",
            "One fresh process: `from sentiment import classify`, its first call (`LM` imported and made, one "
            "request to the loopback stub), a second call:",
            "",
            table(["part", "median ms", "min ms"], calls),
        ]
    lines += ["", table(["slowest imports (-X importtime)", "cumulative ms", "self ms"], top), ""]
    added = data.get("modules_added_by_from_import")
    if added:
        lines += [
            "Modules `from sentiment import classify` adds: "
            + "; ".join(f"{kind} ({len(names)}): {', '.join(names) or 'none'}" for kind, names in added.items())
            + ".",
            "",
        ]
    if "target_ratio" in data:
        target = data["target_ratio"]
        verdicts = [
            f"`{k}` {ratios[k]}x: {'meets' if ratios[k] <= target else 'misses'}"
            for k in list(data["timings"])[:2]
            if k in ratios
        ]
        lines.append(
            f"Lazily imported modules loaded by the import: {lazy}. Target {target:g}x `python -c pass`: "
            + "; ".join(verdicts)
            + "."
        )
    else:
        main = next(iter(data["timings"].values()))
        verdict = "meets" if main["median_ms"] < data["target_ms"] else "misses"
        lines.append(
            f"Lazily imported modules loaded by the import: {lazy}. Target {data['target_ms']:.0f} ms: {verdict}."
        )
    return lines


def per_call(data: dict[str, Any]) -> list[str]:
    rows = [
        [name, c["median_ms"], c["p90_ms"], ", ".join(c["server"]["user_agents"])]
        for name, c in data["contenders"].items()
    ]
    v = data["versions"]
    lines = [
        f"### `per_call.py`: N={data['n']} calls after {data['warmup']} warmup, stub latency {data['latency_ms']} ms",
        "",
        _machine(data) + f"; litellm {v.get('litellm')}, dspy {v.get('dspy')}.",
        "",
        table(["contender", "median ms", "p90 ms", "HTTP client (User-Agent)"], rows),
        "",
        f"lmc and DSPy sent the same messages: {data['same_messages_lmc_dspy']}.",
    ]
    c = data["contenders"]
    if "lmc" in c and "dspy" in c:
        lines[-1] += f" lmc / DSPy default engine: {c['lmc']['median_ms'] / c['dspy']['median_ms']:.2f}x"
        if "dspy-litellm" in c:
            lines[-1] += f"; lmc / DSPy on litellm: {c['lmc']['median_ms'] / c['dspy-litellm']['median_ms']:.2f}x."
    return lines


def optimize_sentiment(data: dict[str, Any]) -> list[str]:
    t = data["task"]
    rows = []
    for side, r in data["sides"].items():
        calls = r.get("lm_calls_real")
        load = r.get("load_average_1_5_15")
        rows.append(
            [
                side,
                r["test_baseline"],
                r["test_optimized"],
                calls if calls is not None else "?",
                r["wall_s"],
                load[0] if load else "?",
            ]
        )
    status = "" if data.get("complete") else " (partial: not every side finished)"
    return [
        f"### `optimize_sentiment.py`: {t['optimizer']} on `{t['model']}`{status}",
        "",
        _machine(data) + f"; options {t['optimizer_options']}, lm {t['lm_options']}, sizes {t['sizes']}.",
        "",
        table(["side", "test baseline %", "test optimized %", "real LM calls", "wall s", "load at end"], rows),
        "",
        "lmc's wall time and calls are its whole `lmc build` (dev scored before and after, test, parity runs); "
        "DSPy's are test baseline + compile + test optimized.",
    ]


SECTIONS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "check_time": check_time,
    "import_time": import_time,
    "build_scaling": build_scaling,
    "optimizer_scaling": optimizer_scaling,
    "per_call": per_call,
    "optimize_sentiment": optimize_sentiment,
}


def render(results: Path = RESULTS_DIR) -> str:
    parts: list[str] = []
    for name, section in SECTIONS.items():
        path = results / f"{name}.json"
        if path.is_file():
            parts.extend(section(json.loads(path.read_text(encoding="utf-8"))))
            parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help="replace the results section of bench/README.md")
    args = ap.parse_args(argv)
    text = render()
    if not args.write:
        sys.stdout.write(text)
        return 0
    readme = README.read_text(encoding="utf-8")
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{README} has no {BEGIN} ... {END} markers")
    README.write_text(readme[: start + len(BEGIN)] + "\n" + text + readme[end:], encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
