"""Where an optimizer run's wall time goes when the LM is the bottleneck: requests in flight over time.

Reads an oracle server log (``compare.py --request-log FILE``, one run per
file: ``--split`` cuts a log at the first request of each later run) and
prints, per run, the span from the first request to the last answer, how
long 1, 2-7 and 8 or more requests were in flight (each request occupies
its arrival plus the server's latency), and the requests by kind: trainset
rows (bootstrapping), devset rows (scoring candidates), the prompt model.
With a fixed latency and 8 threads, time with one request in flight is
sequential work that more threads cannot shorten.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from tasks import TASKS


def kind_of(record: dict[str, Any], train: set[str], dev: set[str]) -> str:
    values = set(record["inputs"].values())
    if values & train:
        return "trainset"
    if values & dev:
        return "devset"
    return "prompt model"


def profile(records: list[dict[str, Any]], latency_s: float, train: set[str], dev: set[str]) -> dict[str, Any]:
    events = sorted([(r["t"], 1) for r in records] + [(r["t"] + latency_s, -1) for r in records])
    in_flight, last, spans = 0, events[0][0], Counter()
    for t, step in events:
        bucket = "1" if in_flight == 1 else "2-7" if 2 <= in_flight <= 7 else "8+" if in_flight >= 8 else "0"
        spans[bucket] += t - last
        in_flight, last = in_flight + step, t
    return {
        "requests": len(records),
        "span_s": round(events[-1][0] - events[0][0], 2),
        "in_flight_s": {k: round(v, 2) for k, v in sorted(spans.items())},
        "by_kind": dict(Counter(kind_of(r, train, dev) for r in records)),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("log", type=Path)
    ap.add_argument("--task", choices=sorted(TASKS), required=True)
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--split", type=int, nargs="*", default=[], help="line numbers where later runs start")
    args = ap.parse_args(argv)
    task = TASKS[args.task]
    input_name, _ = task.fields()
    train = {str(r[input_name]) for r in task.rows(task.trainset)}
    dev = {str(r[input_name]) for r in task.rows(task.devset)}
    lines = args.log.read_text(encoding="utf-8").splitlines()
    cuts = [0, *args.split, len(lines)]
    for start, end in zip(cuts[:-1], cuts[1:], strict=True):
        records = [json.loads(line) for line in lines[start:end]]
        print(json.dumps(profile(records, args.latency_ms / 1000, train, dev)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
