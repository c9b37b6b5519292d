"""Per-call overhead of an emitted lmc package, bare litellm and DSPy, against one stub server.

One loopback stub server (``bench/stub_server.py``, its own process, a fixed
latency, a canned chat-format answer) serves every contender in turn; each
contender runs in a fresh worker process so that no library's import-time
settings leak into another's numbers:

* ``lmc``: the emitted ``sentiment`` package (built ``--no-optimize``),
  ``classify(sentence=..., lm=LM("openai/stub", api_base=..., api_key_env=...))``,
  no cache: input validation, the chat adapter, litellm, parsing, the result model;
* ``litellm``: a bare ``litellm.completion`` with the very messages lmc sends;
* ``dspy``: ``dspy.Predict`` of the same signature on DSPy's default engine
  (``engine="auto"``), ``cache=False``; its output typed as an ``Enum`` like
  the ``.lmp`` file's, so that DSPy sends the very messages lmc sends;
* ``dspy-litellm``: the same on ``engine="litellm"``.

Each makes ``--warmup`` untimed calls then ``--n`` timed ones, one at a time.
The server's view (requests counted, User-Agent seen, the messages of the
last request) is recorded too: it shows which HTTP client each contender
really used and whether lmc and DSPy sent the same prompt.

DSPy is never a dependency of lmc: run this with the bench venv
(``bash bench/setup.sh`` creates it)::

    bench/.venv/bin/python bench/per_call.py [--n 200] [--warmup 20] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchlib import BENCH_DIR, BENCH_PYTHON, ROOT, Stats, StubProcess, setup_logging, table, time_calls, write_results
from sentiment_task import dspy_signature, label_of, load_task

logger = logging.getLogger("bench.per_call")

SAMPLE = ROOT / "samples" / "sentiment" / "sentiment.lmp"
CONTENDERS = ("lmc", "litellm", "dspy", "dspy-litellm")
MODEL = "openai/stub"
KEY_ENV = "BENCH_STUB_API_KEY"
KEY = "sk-bench-stub"
SENTENCE = "Not bad at all: a warm, funny film that earns its ending."
# ---------------------------------------------------------------- workers


class RecordingLM:
    """An lmc LM that keeps the messages it is sent and answers like the stub."""

    model = "record"

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.messages: list[dict[str, Any]] = []

    def complete(self, messages: Sequence[dict[str, Any]]) -> str:
        self.messages = [dict(m) for m in messages]
        return self.answer

    async def acomplete(self, messages: Sequence[dict[str, Any]]) -> str:
        return self.complete(messages)


def lmc_messages() -> list[dict[str, Any]]:
    """The messages the emitted package sends for ``SENTENCE``."""
    from sentiment import classify
    from stub_server import CHAT_ANSWER

    recorder = RecordingLM(CHAT_ANSWER)
    classify(sentence=SENTENCE, lm=recorder)
    return recorder.messages


def lmc_call(api_base: str) -> Callable[[], Any]:
    from sentiment import LM, Sentiment, classify

    lm = LM(MODEL, api_base=api_base, api_key_env=KEY_ENV, **load_task().sampling())

    def call() -> None:
        result = classify(sentence=SENTENCE, lm=lm)
        if result.sentiment is not Sentiment.positive:
            raise AssertionError(f"unexpected result {result!r}")

    return call


def litellm_call(api_base: str) -> Callable[[], Any]:
    import litellm

    messages = lmc_messages()
    options = load_task().sampling()

    def call() -> None:
        response = litellm.completion(
            model=MODEL,
            messages=messages,
            api_base=api_base,
            api_key=KEY,
            **options,
        )
        if "positive" not in response.choices[0].message.content:
            raise AssertionError(f"unexpected answer {response!r}")

    return call


def dspy_call(api_base: str, engine: str) -> Callable[[], Any]:
    import dspy

    task = load_task()
    lm = dspy.LM(MODEL, api_base=api_base, api_key=KEY, cache=False, engine=engine, **task.sampling())
    dspy.configure(lm=lm)
    # Typed with an Enum like the .lmp file's: DSPy then sends lmc's messages byte for byte.
    predict = dspy.Predict(dspy_signature(task, output="enum"))

    def call() -> None:
        prediction = predict(sentence=SENTENCE)
        if label_of(prediction.sentiment) != "positive":
            raise AssertionError(f"unexpected prediction {prediction!r}")

    return call


def versions() -> dict[str, str]:
    import importlib.metadata as md

    found = {"python": sys.version.split()[0]}
    for name in ("litellm", "dspy", "pydantic", "httpx", "openai"):
        try:
            found[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return found


def run_worker(name: str, api_base: str, *, n: int, warmup: int) -> dict[str, Any]:
    factories: dict[str, Callable[[], Callable[[], Any]]] = {
        "lmc": lambda: lmc_call(api_base),
        "litellm": lambda: litellm_call(api_base),
        "dspy": lambda: dspy_call(api_base, "auto"),
        "dspy-litellm": lambda: dspy_call(api_base, "litellm"),
    }
    start = time.perf_counter()
    call = factories[name]()
    setup_s = time.perf_counter() - start
    start = time.perf_counter()
    call()  # the first call: lazy imports, connection set-up
    first_s = time.perf_counter() - start
    timings = time_calls(call, runs=n, warmup=max(0, warmup - 1))
    return {"setup_s": setup_s, "first_call_s": first_s, "timings_s": timings, "versions": versions()}


# ---------------------------------------------------------------- parent


def build_package(python: str, out: Path) -> Path:
    cmd = [python, "-m", "lmc", "build", str(SAMPLE), "-o", str(out), "--no-optimize"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"lmc build failed ({done.returncode}):\n{done.stderr}")
    return out / "sentiment"


def worker_env(package_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"LMC_CACHE_DIR", "SENTIMENT_LM", "PYTHONPATH"}}
    env["PYTHONPATH"] = os.pathsep.join([str(package_dir), str(BENCH_DIR)])
    env[KEY_ENV] = KEY
    # No network here: litellm must read its bundled price table, not download one at import.
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    env["DSPY_CACHEDIR"] = str(package_dir / ".dspy_cache")
    return env


def run_contender(
    python: str, name: str, stub: StubProcess, package_dir: Path, *, n: int, warmup: int
) -> dict[str, Any]:
    stub.reset()
    argv = [python, __file__, "--worker", name, "--api-base", stub.api_base, "--n", str(n), "--warmup", str(warmup)]
    done = subprocess.run(argv, env=worker_env(package_dir), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"worker {name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["server"] = stub.stats()
    expected = n + max(warmup, 1)
    if result["server"]["requests"] != expected:
        raise RuntimeError(f"{name}: the server saw {result['server']['requests']} requests, expected {expected}")
    return result


def messages_digest(request: dict[str, Any] | None) -> str | None:
    """A short fingerprint of a request's messages: equal digests, equal prompts."""
    if not request:
        return None
    canonical = json.dumps(request.get("messages"), sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(canonical).hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="timed calls per contender (default 200)")
    ap.add_argument("--warmup", type=int, default=20, help="untimed calls first (default 20, at least 1)")
    ap.add_argument("--latency-ms", type=float, default=0.0, help="the stub server's delay per answer (default 0)")
    ap.add_argument("--contenders", default=",".join(CONTENDERS), help=f"comma-separated subset of {CONTENDERS}")
    ap.add_argument("--python", default=str(BENCH_PYTHON), help="interpreter with lmc, litellm and dspy (bench venv)")
    ap.add_argument("--no-write", action="store_true", help="print only; do not write bench/results/per_call.json")
    ap.add_argument("--worker", choices=CONTENDERS, help=argparse.SUPPRESS)
    ap.add_argument("--api-base", help=argparse.SUPPRESS)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)

    if args.worker:
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
        sys.stdout.write(json.dumps(run_worker(args.worker, args.api_base, n=args.n, warmup=args.warmup)) + "\n")
        return 0

    setup_logging(args.verbose)
    names = [c.strip() for c in args.contenders.split(",") if c.strip()]
    unknown = set(names) - set(CONTENDERS)
    if unknown:
        ap.error(f"unknown contender(s): {', '.join(sorted(unknown))}")
    if not Path(args.python).exists():
        ap.error(f"{args.python} does not exist: run `bash bench/setup.sh` first, or pass --python")

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="lmc-bench-call-") as tmp:
        package_dir = build_package(args.python, Path(tmp) / "out")
        with StubProcess(args.python, args.latency_ms) as stub:
            logger.info("stub server at %s (latency %s ms)", stub.api_base, args.latency_ms)
            for name in names:
                logger.info("%s: %d warmup + %d timed calls", name, args.warmup, args.n)
                results[name] = run_contender(args.python, name, stub, package_dir, n=args.n, warmup=args.warmup)

    stats = {name: Stats.of(r["timings_s"]) for name, r in results.items()}
    rows = [
        [
            name,
            s.median_ms,
            s.p90_ms,
            s.min_ms,
            round(results[name]["first_call_s"] * 1000, 1),
            next(iter(results[name]["server"]["user_agents"]), "?"),
        ]
        for name, s in stats.items()
    ]
    print(f"per-call time against one loopback stub (latency {args.latency_ms} ms), n={args.n}, warmup={args.warmup}")
    print(table(["contender", "median ms", "p90 ms", "min ms", "first call ms", "HTTP client (User-Agent)"], rows))
    same_prompt = None
    if "lmc" in results and "dspy" in results:
        same_prompt = (
            results["lmc"]["server"]["last_request"]["messages"]
            == results["dspy"]["server"]["last_request"]["messages"]
        )
        print(f"lmc and DSPy sent the same messages: {same_prompt}")
    if "lmc" in stats:
        for other in ("dspy", "dspy-litellm"):
            if other in stats:
                ratio = stats["lmc"].median_ms / stats[other].median_ms
                print(f"lmc / {other} median: {ratio:.2f}x")

    if not args.no_write:
        payload = {
            "n": args.n,
            "warmup": args.warmup,
            "latency_ms": args.latency_ms,
            "model": MODEL,
            "versions": next(iter(results.values()))["versions"] if results else {},
            "same_messages_lmc_dspy": same_prompt,
            "contenders": {
                name: {
                    **stats[name].as_dict(),
                    "setup_ms": round(r["setup_s"] * 1000, 1),
                    "first_call_ms": round(r["first_call_s"] * 1000, 1),
                    "server": {
                        "requests": r["server"]["requests"],
                        "user_agents": r["server"]["user_agents"],
                        "last_messages_sha256": messages_digest(r["server"]["last_request"]),
                    },
                }
                for name, r in results.items()
            },
        }
        out = write_results("per_call", payload)
        logger.info("wrote %s", out.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
