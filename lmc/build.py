"""``lmc build`` and ``lmc eval``: optimize, evaluate, record parity, emit.

Each ``optimize`` block runs its optimizer chain on the generated program,
starting from the parameters the previous block left; scores come from the
valset. ``evaluate`` blocks then score the default and the optimized
parameters on their dataset. The package is rendered with the chosen
parameters, imported, and run on a few inputs to record its parity test.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__, ir
from .codegen import BuildInfo, ParityCase, write_package
from .codegen.parity import record_parity
from .data import DataError
from .evaluate import TooManyErrors, evaluate
from .exitcodes import EXIT_OK, EXIT_RUN_FAILED
from .loader import load_package
from .metric_factory import MetricError
from .optimize import OptionError, create_optimizer
from .optimize.base import Task
from .progress import bar, info, table
from .pyref import PyRefError
from .runtime.errors import LMError
from .runtime.program import ProgramError
from .runtime.signature import Params
from .session import Session
from .values import options_dict, plain

PARITY_CASES = 3
# Failures of a run that are the user's to fix (exit 3), not lmc's bugs.
RUN_FAILURES = (LMError, DataError, PyRefError, OptionError, TooManyErrors, MetricError)
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildRequest:
    out_dir: str = "build"
    optimize: bool = True
    seed: int | None = None
    storage: str | None = None  # optuna RDB URL shared by several build processes
    study: str | None = None


@dataclass(frozen=True, slots=True)
class ScoreRow:
    label: str  # "classify on dev (valset)"
    baseline: float
    optimized: float | None


def _evaluate(session: Session, program: Any, dataset: Any, metric: Any, params: Mapping[str, Params], what: str):
    with bar(what) as update:
        return evaluate(
            program,
            dataset.examples,
            metric,
            lm=session.lm(),
            params=params,
            threads=session.threads,
            on_progress=update,
            fatal=(LMError,),
        )


def _optimizer_chain(value: ir.Value | None) -> list[tuple[str, dict[str, Any]]]:
    """``optimizer: A {..}`` or ``[A {..}, B]`` as (name, options) pairs."""
    if value is None:
        return [("BootstrapFewShot", {})]
    items = value.items if isinstance(value, ir.ListValue) else (value,)
    chain = []
    for item in items:
        if isinstance(item, ir.CallValue):
            chain.append((item.name.name, options_dict(item.options)))
        else:
            chain.append((str(plain(item)), {}))
    return chain


def _describe(chain: list[tuple[str, dict[str, Any]]]) -> str:
    parts = []
    for name, opts in chain:
        args = ", ".join(f"{k}: {v!r}" for k, v in opts.items())
        parts.append(f"{name} {{ {args} }}" if args else name)
    return " -> ".join(parts)


def optimize_block(session: Session, decl: ir.OptimizeDecl, params: dict[str, Params], request: BuildRequest):
    """Run one optimize block; returns (new params, score row, description)."""
    opts = decl.options
    program = session.program(decl.program.name)
    trainset = session.dataset(plain(opts.get("trainset")))
    val_name = plain(opts.get("valset")) if opts.get("valset") is not None else None
    valset = session.dataset(val_name) if val_name else trainset
    metric = session.metric(plain(opts.get("metric")))
    teacher = plain(opts.get("teacher")) if opts.get("teacher") is not None else None
    seed = request.seed
    block_seed = seed if seed is not None else (plain(opts.get("seed")) if opts.get("seed") is not None else 0)
    chain = _optimizer_chain(opts.get("optimizer"))
    split = "valset" if val_name else "trainset: no valset given"
    label = f"{program.name} on {valset.name} ({split}, {plain(opts.get('metric'))})"

    baseline = _evaluate(session, program, valset, metric, params, f"baseline {program.name}")
    current = dict(params)
    for name, options in chain:
        optimizer = create_optimizer(name, options)
        with bar(f"{name} on {program.name}") as update:
            task = Task(
                program=program,
                trainset=trainset.examples,
                valset=valset.examples,
                metric=metric,
                lm=session.lm(),
                teacher_lm=session.lm(teacher) if teacher else None,
                initial=current,
                seed=block_seed,
                threads=session.threads,
                fatal=(LMError,),
                on_progress=lambda stage, done, total, update=update: update(done, total),
                lm_named=session.lm,
                state_dir=Path(request.out_dir) / f".{session.package}-state",
                storage=request.storage,
                study=request.study,
            )
            result = optimizer.compile(task)
        current.update(result.params)
    final = _evaluate(session, program, valset, metric, current, f"optimized {program.name}")
    return current, ScoreRow(label, baseline.score, final.score), _describe(chain)


def parity_cases(session: Session, params: Mapping[str, Params], build_info: BuildInfo) -> list[ParityCase]:
    """Record a few real runs of the final package for its parity test.

    The package is rendered with the chosen params and imported, and its own
    programs run on the first examples of each optimized program's valset:
    the recorded prompts are those of the code that ships.
    """
    package = load_package(session.render(params=params, info=build_info), package=session.package)
    cases: list[ParityCase] = []
    for decl in session.source.of(ir.OptimizeDecl):
        opts = decl.options
        dataset = session.dataset(plain(opts.get("valset") or opts.get("trainset")))
        entry = package.PROGRAMS[decl.program.name]
        for example in dataset.examples[:PARITY_CASES]:
            try:
                cases.append(record_parity(entry, example.inputs(), lm=session.lm()))
            except ProgramError as exc:  # nothing to replay: the answer did not parse
                logger.info("parity run of %s failed: %s", decl.program.name, exc)
    return cases


def _build_info(session: Session, request: BuildRequest, rows: list[ScoreRow], described: list[str]) -> BuildInfo:
    text = session.loaded.text or ""
    return BuildInfo(
        lmc_version=__version__,
        source_name=Path(session.loaded.path).name,
        source_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        lm=session.lm().model,
        optimizer="; ".join(described) or "none (built with --no-optimize)",
        scores=tuple((r.label, r.baseline, r.optimized) for r in rows),
        lm_calls=session.lm().usage.calls,
        seed=request.seed if request.seed is not None else _file_seed(session),
    )


def _file_seed(session: Session) -> int | None:
    """The seed the optimize blocks ran with (0 when a block names none)."""
    seeds = [d.options.get("seed") for d in session.source.of(ir.OptimizeDecl)]
    return plain(seeds[0]) if seeds and seeds[0] is not None else (0 if seeds else None)


def write_report(path: Path, build_info: BuildInfo, rows: list[ScoreRow]) -> None:
    """A machine-readable summary next to the package (no timings: builds stay byte-identical)."""
    report = {
        "source": build_info.source_name,
        "source_sha256": build_info.source_sha256,
        "lm": build_info.lm,
        "optimizer": build_info.optimizer,
        "seed": build_info.seed,
        "lm_calls": build_info.lm_calls,
        "scores": [{"label": r.label, "baseline": r.baseline, "optimized": r.optimized} for r in rows],
    }
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def run_build(session: Session, request: BuildRequest) -> int:
    started = time.perf_counter()
    params: dict[str, Params] = {}
    rows: list[ScoreRow] = []
    described: list[str] = []
    try:
        if request.optimize:
            for decl in session.source.of(ir.OptimizeDecl):
                params, row, desc = optimize_block(session, decl, params, request)
                rows.append(row)
                described.append(f"{decl.program.name}: {desc}")
            for decl in session.source.of(ir.EvaluateDecl):
                rows.append(evaluate_block(session, decl, params))
        build_info = _build_info(session, request, rows, described)
        cases = parity_cases(session, params, build_info) if params else []
    except RUN_FAILURES as exc:
        print(f"lmc: error: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    out = Path(request.out_dir) / session.package
    write_package(session.render(params=params or None, parity=cases, info=build_info), out)
    write_report(out / "build.json", build_info, rows)
    if rows:
        table(
            f"{session.package}: scores (%)",
            ("program / split", "baseline", "optimized"),
            [(r.label, f"{r.baseline:.1f}", "-" if r.optimized is None else f"{r.optimized:.1f}") for r in rows],
        )
    usage = session.lm().usage
    if usage.calls:
        info(
            f"LM calls: {usage.calls} ({usage.cache_hits} from cache), tokens: "
            f"{usage.prompt_tokens} in / {usage.completion_tokens} out, cost: ${usage.cost_usd:.4f}"
        )
    if usage.truncated:
        info(f"{usage.truncated} answer(s) were cut at max_tokens (the model did not end its answer)")
    info(f"wrote {out}/ in {time.perf_counter() - started:.1f}s")
    return EXIT_OK


def evaluate_block(session: Session, decl: ir.EvaluateDecl, params: Mapping[str, Params]) -> ScoreRow:
    opts = decl.options
    program = session.program(decl.program.name)
    dataset = session.dataset(plain(opts.get("dataset")))
    metric = session.metric(plain(opts.get("metric")))
    base = _evaluate(session, program, dataset, metric, {}, f"evaluate {program.name} (baseline)")
    tuned = (
        _evaluate(session, program, dataset, metric, params, f"evaluate {program.name} (optimized)") if params else None
    )
    label = f"{program.name} on {dataset.name} (evaluate, {plain(opts.get('metric'))})"
    return ScoreRow(label, base.score, tuned.score if tuned else None)


def evaluate_command(session: Session, program_name: str, dataset_name: str, metric_name: str | None) -> int:
    """``lmc eval``: score the program with its baked-in (default) params."""
    names = {d.name.name for d in session.source.of(ir.ProgramDecl)}
    if program_name not in names:
        print(f"lmc: error: no program `{program_name}` (programs: {', '.join(sorted(names))})", file=sys.stderr)
        return EXIT_RUN_FAILED
    if dataset_name not in {d.name.name for d in session.source.of(ir.DatasetDecl)}:
        print(f"lmc: error: no dataset `{dataset_name}`", file=sys.stderr)
        return EXIT_RUN_FAILED
    if metric_name is None:
        for decl in session.source.of(ir.EvaluateDecl) + session.source.of(ir.OptimizeDecl):
            if decl.program.name == program_name and decl.options.get("metric") is not None:
                metric_name = plain(decl.options.get("metric"))
                break
    if metric_name is None or metric_name not in {d.name.name for d in session.source.of(ir.MetricDecl)}:
        print("lmc: error: no metric for this program: pass --metric NAME", file=sys.stderr)
        return EXIT_RUN_FAILED
    try:
        program = session.program(program_name)
        dataset = session.dataset(dataset_name)
        result = _evaluate(session, program, dataset, session.metric(metric_name), {}, f"eval {program_name}")
    except RUN_FAILURES as exc:
        print(f"lmc: error: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    rows = [
        (
            r.index + 1,
            _short(r.example.inputs()),
            _short(r.outputs) if r.error is None else "(no output)",
            f"{r.score:.2f}",
        )
        for r in result.results
    ]
    table(f"{program_name} on {dataset_name} ({metric_name})", ("#", "inputs", "outputs", "score"), rows)
    print(f"{result.score:.1f}")
    return EXIT_OK


def _short(value: Any, width: int = 60) -> str:
    from .runtime.types import to_jsonable

    text = "-" if value is None else ", ".join(f"{k}={to_jsonable(v)}" for k, v in dict(value).items())
    return text if len(text) <= width else text[: width - 1] + "…"
