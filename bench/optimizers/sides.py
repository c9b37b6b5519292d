"""One optimizer run on one side, in this process: compile on the trainset and devset, then score the devset.

``run_lmc`` uses lmc's own pieces as ``lmc build`` does (the generated
program, ``create_optimizer``, ``run_optimizer``, ``evaluate``) on a copy of
the task's folder whose ``lm default`` points at the benchmark's LM; its LM
cache is on (a fresh ``LMC_CACHE_DIR`` set by the driver). ``run_dspy`` runs
DSPy's optimizer of the same name with the same options on the same
signature, module kind, rows and LM, its cache on (a fresh ``DSPY_CACHEDIR``).
Both count the LM calls that reach the model (``Calls``) and time each phase
after the imports.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tasks import BenchTask

KEY_ENV = "LMC_BENCH_KEY"
KEY = "sk-bench-optimizers"
MODEL = "openai/oracle"
# DSPy's MIPROv2 takes these in compile(), the rest in its constructor.
DSPY_COMPILE_OPTIONS = {"num_trials", "minibatch", "minibatch_size", "minibatch_full_eval_steps"}


class Calls:
    """LM calls that reached the model: the oracle server's count, or the local provider's."""

    def __init__(self, api_base: str | None, model: str) -> None:
        self.api_base = api_base
        self._local = [0]
        if api_base is None:
            _count_local_calls(model, self._local)

    def __call__(self) -> int:
        if self.api_base is None:
            return self._local[0]
        with urllib.request.urlopen(self.api_base.removesuffix("/v1") + "/stats", timeout=10) as answer:
            return int(json.load(answer)["requests"])


def _count_local_calls(model: str, count: list[int]) -> None:
    """Register lmc's ``local`` litellm provider and count the completions it runs."""
    from lmc.runtime.lm import local

    local.register(model)
    provider = local._PROVIDER  # the handler litellm calls: each call there is a real model call
    original = provider.completion

    def counted(*args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return original(*args, **kwargs)

    provider.completion = counted


def timed(calls: Calls, fn: Callable[[], Any]) -> tuple[Any, float, int]:
    before = calls()
    start = time.perf_counter()
    result = fn()
    return result, round(time.perf_counter() - start, 2), calls() - before


def lm_line(task: BenchTask, api_base: str) -> str:
    options = {"api_base": api_base, "api_key_env": KEY_ENV, **task.sampling()}
    body = ", ".join(f"{k}: {json.dumps(v)}" for k, v in options.items())
    return f'lm default = "{MODEL}" {{ {body} }}'


# ------------------------------------------------------------------- lmc


def run_lmc(
    task: BenchTask, optimizer: str, options: dict[str, Any], *, threads: int, api_base: str | None, dev_limit: int
) -> dict[str, Any]:
    start = time.perf_counter()
    from lmc.host.evaluate import evaluate
    from lmc.host.frontend import load_file
    from lmc.host.lms import LmSettings
    from lmc.host.session import Session
    from lmc.optimize import create_optimizer
    from lmc.optimize.core.base import Task, run_optimizer

    with tempfile.TemporaryDirectory(prefix="lmc-bench-task-") as tmp:
        folder = Path(tmp) / task.folder.name
        shutil.copytree(task.folder, folder)
        lmp = folder / task.lmp.name
        if api_base is not None:
            lmp.write_text(task.with_lm_line(lm_line(task, api_base)), encoding="utf-8")
        loaded = load_file(str(lmp))
        if not loaded.ok:
            raise RuntimeError(f"{lmp} does not check: {loaded.diagnostics}")
        session = Session(loaded, LmSettings(), threads=threads)
        program = session.program(task.program)
        trainset = session.dataset(task.trainset).examples
        devset = session.dataset(task.devset).examples[:dev_limit]
        metric = session.metric(task.metric)
        lm = session.lm()
        calls = Calls(api_base, lm.model)
        imports = round(time.perf_counter() - start, 2)

        opt = create_optimizer(optimizer, options)
        job = Task(
            program=program,
            trainset=trainset,
            valset=devset,
            metric=metric,
            lm=lm,
            seed=0,
            threads=threads,
            lm_named=session.lm,
        )
        result, compile_s, compile_calls = timed(calls, lambda: run_optimizer(opt, job))
        final, eval_s, eval_calls = timed(
            calls, lambda: evaluate(program, devset, metric, lm=lm, params=result.params, threads=threads)
        )
    return {
        "dev_score": final.score,
        "optimizer_score": result.score,
        "compile_s": compile_s,
        "eval_s": eval_s,
        "compile_calls": compile_calls,
        "eval_calls": eval_calls,
        "setup_s": imports,
        "demos": {path: len(p.demos) for path, p in result.params.items()},
        **({"search": _lmc_search(result)} if optimizer == "MIPROv2" else {}),
    }


def _lmc_search(result: Any) -> dict[str, Any]:
    """Each trial's chosen instruction and demo set indices (per module) and its score."""
    trials = []
    for candidate in result.candidates:
        chosen = [int(n) for n in re.findall(r"(?:instruction|demo set) (\d+)", candidate.label)]
        trials.append([*chosen, candidate.score])
    return {"trials": trials}


# ------------------------------------------------------------------ DSPy


def run_dspy(
    task: BenchTask, optimizer: str, options: dict[str, Any], *, threads: int, api_base: str | None, dev_limit: int
) -> dict[str, Any]:
    start = time.perf_counter()
    import dspy
    from dspy.evaluate.metrics import normalize_text

    model = task.model() if api_base is None else MODEL
    calls = Calls(api_base, model)
    remote = {} if api_base is None else {"api_base": api_base, "api_key": KEY}
    lm = dspy.LM(model, **remote, **task.sampling())
    dspy.configure(lm=lm)
    input_name, output_name = task.fields()

    def examples(dataset: str) -> list[Any]:
        return [dspy.Example(**row).with_inputs(input_name) for row in task.rows(dataset)]

    trainset, devset = examples(task.trainset), examples(task.devset)[:dev_limit]

    def exact_match(
        example: Any, prediction: Any, trace: Any = None, pred_name: Any = None, pred_trace: Any = None
    ) -> float:  # GEPA calls a metric with the predictor's name and trace too
        # A float, as lmc's exact_match returns: GEPA's feedback text shows the value ("a score of 1.0", not True).
        got = getattr(prediction, output_name, None)
        return float(normalize_text(str(getattr(got, "value", got))) == normalize_text(str(example[output_name])))

    student = getattr(dspy, task.module_kind)(task.dspy_signature())
    imports = round(time.perf_counter() - start, 2)

    own = {k: v for k, v in options.items() if k not in DSPY_COMPILE_OPTIONS}
    at_compile = {k: v for k, v in options.items() if k in DSPY_COMPILE_OPTIONS}
    if optimizer == "GEPA":
        own = {"reflection_lm": lm, **own}  # lmc's GEPA reflects with the task's LM when none is named
    teleprompter = getattr(dspy, optimizer)(metric=exact_match, num_threads=threads, **own)
    proposed: dict[int, list[str]] = {}
    if optimizer == "MIPROv2":  # keep the instruction candidates, to set them beside lmc's
        propose = teleprompter._propose_instructions
        teleprompter._propose_instructions = lambda *a, **k: proposed.update(propose(*a, **k)) or proposed
    # SIMBA learns from the trainset alone: its compile takes no valset.
    sets = {"trainset": trainset} if optimizer == "SIMBA" else {"trainset": trainset, "valset": devset}
    compiled, compile_s, compile_calls = timed(calls, lambda: teleprompter.compile(student, **sets, **at_compile))
    max_errors = options.get("max_errors")
    evaluate = dspy.Evaluate(
        devset=devset, metric=exact_match, num_threads=threads, **({"max_errors": max_errors} if max_errors else {})
    )
    final, eval_s, eval_calls = timed(calls, lambda: evaluate(compiled))
    return {
        "dev_score": float(final.score),
        "optimizer_score": getattr(compiled, "score", None),
        "compile_s": compile_s,
        "eval_s": eval_s,
        "compile_calls": compile_calls,
        "eval_calls": eval_calls,
        "setup_s": imports,
        "demos": {name: len(p.demos) for name, p in compiled.named_predictors()},
        **({"search": _dspy_search(compiled, proposed)} if optimizer == "MIPROv2" else {}),
    }


def _dspy_search(compiled: Any, proposed: dict[int, list[str]]) -> dict[str, Any]:
    """As ``_lmc_search``: DSPy's trial logs (trial 1 is the starting program) and its instruction candidates."""
    trials = []
    for _, log in sorted(getattr(compiled, "trial_logs", {}).items()):
        chosen = [
            log.get(f"{i}_predictor_{kind}", 0) for i in range(len(proposed)) for kind in ("instruction", "demos")
        ]
        trials.append([*chosen, log.get("mb_score", log.get("full_eval_score"))])
    return {"trials": trials, "instructions": {str(i): found for i, found in proposed.items()}}


SIDES = {"lmc": run_lmc, "dspy": run_dspy}
