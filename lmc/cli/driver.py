"""The commands of ``lmc``: each loads a file, reports diagnostics, does its job.

Returns exit codes (see ``cli``); prints results to stdout and everything
else (diagnostics, progress, tables) to stderr.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..diagnostics.core import meant
from ..exitcodes import EXIT_DIAGNOSTICS, EXIT_OK
from ..host.frontend import Loaded, load_file
from ..ir import nodes as ir
from .inputs import parse_inputs
from .output import fail, report

STDIN = "<stdin>"  # how diagnostics name a file read from standard input

if TYPE_CHECKING:  # imported by the commands that run a file: `lmc check` needs neither
    from ..api.project import Project
    from ..host.session import Session


def dispatch(args: argparse.Namespace) -> int:
    """Run the command; a data file or a Python module that fails is the user's to fix (exit 3), whichever command.

    Every command but ``check`` renders the package, which indexes each bm25
    corpus then: a corpus changed or deleted since the check fails there,
    with its file and line, as ``DataError``.
    """
    from ..data.datasets import DataError
    from ..host.pyref import PyRefError

    handler = {"check": cmd_check, "build": cmd_build, "run": cmd_run, "eval": cmd_eval, "prompt": cmd_prompt}
    try:
        return handler[args.command](args)
    except (DataError, PyRefError) as exc:  # the user's data or Python modules, found broken while running
        return fail(str(exc))


# ----------------------------------------------------------------- reporting


def load_checked(path: str, fmt: str) -> Loaded | None:
    loaded = load_file(path)
    report(loaded, fmt)
    return loaded if loaded.ok else None


def _check_one(path: str, fmt: str) -> bool:
    """``lmc check`` of one file (``-``: standard input, its relative paths from the current folder).

    Prints its diagnostics (JSON lines on stdout with ``--format json``); True if clean.
    """
    from ..api.diagnostics import Diagnostic
    from ..api.project import check
    from ..host.frontend import load_bytes
    from .output import report_api

    if path == "-":  # bytes, as a file is read: a byte that is not UTF-8 is a diagnostic, not a crash
        loaded = load_bytes(sys.stdin.buffer.read(), STDIN, Path.cwd())
        found = [Diagnostic.of(d, loaded.text) for d in loaded.diagnostics]
    else:
        found = check(Path(path))
    report_api(STDIN if path == "-" else path, found, fmt, json_out=sys.stdout)
    return not any(d.is_error for d in found)


def _session(args: argparse.Namespace, loaded: Loaded, name: str | None = None) -> Session:
    from ..host.lms import LmSettings
    from ..host.session import Session

    threads = args.threads if getattr(args, "threads", None) else 4
    settings = LmSettings(override=args.lm, cache=not args.no_cache)
    return Session(loaded, settings, threads=max(1, threads), name=name)


def _learned_project(args: argparse.Namespace, loaded: Loaded) -> Project | int:
    """The file as a Python API project, with the learned parameters ``cli/learned.py`` chooses (saying
    which); else the exit code, after printing why it cannot run."""
    from ..api.diagnostics import BuildError, CompileError
    from ..api.project import compile
    from ..runtime.lm.cache import Cache
    from .learned import ParamsError, choose_params
    from .progress import info
    from .results import print_diagnostics

    try:
        chosen = choose_params(loaded.path, loaded.text or "", args.lock, args.unoptimized)
    except ParamsError as exc:
        return fail(f"--lock: {exc}")
    info(chosen.note)
    try:
        return compile(
            Path(loaded.path), lm=args.lm, cache=not args.no_cache, cache_dir=Cache.default_dir(), lock=chosen.lock
        )
    except BuildError as exc:
        return fail(f"--lock: {exc}")
    except CompileError as exc:  # the file or its data changed since the check above
        print_diagnostics(exc.diagnostics)
        return EXIT_DIAGNOSTICS


# ------------------------------------------------------------------ commands


def cmd_check(args: argparse.Namespace) -> int:
    # A check is short and makes few cycles; the collector would only walk each file's IR (~100,000
    # objects at 5,000 lines) again and again as the checks allocate: off for the command (~8 ms), and
    # back on after it for a process that goes on (``main`` called in-process).
    enabled = gc.isenabled()
    gc.disable()
    try:
        status = EXIT_OK
        for path in args.files:
            if not _check_one(path, args.format):
                status = EXIT_DIAGNOSTICS
        return status
    finally:
        if enabled:
            gc.enable()


def cmd_build(args: argparse.Namespace) -> int:
    loaded = load_checked(args.file, args.format)
    if loaded is None:
        return EXIT_DIAGNOSTICS
    from ..host.naming import check_name

    name, refused = check_name(args.file, args.name)
    if refused is not None:
        report(replace(loaded, diagnostics=(refused,)), args.format)
        return EXIT_DIAGNOSTICS
    from ..api import BuildError, CompileError, build
    from ..building.lock import lock_path_for
    from ..runtime.lm.cache import Cache
    from .progress import ConsoleProgress
    from .results import print_build, print_diagnostics, print_dry_run, print_failure

    if args.dry_run:
        return print_dry_run(_session(args, loaded, name=name), args.seed, not args.no_optimize)
    lock = Path(args.lock) if args.lock else lock_path_for(args.file)
    started = time.perf_counter()
    try:
        result = build(  # the Python API's build: the command prints its result and chooses the exit code
            Path(args.file),
            name=name,
            out=args.out,
            lock=lock,
            lm=args.lm,
            seed=args.seed,
            threads=args.threads,
            optimize=not args.no_optimize,
            frozen=args.frozen,
            cache=not args.no_cache,
            cache_dir=Cache.default_dir(),
            progress=ConsoleProgress(),
            storage=args.storage,
            study=args.study,
        )
    except BuildError as exc:
        return print_failure(exc)
    except CompileError as exc:  # the file or its data changed since the check above
        print_diagnostics(exc.diagnostics)
        return EXIT_DIAGNOSTICS
    print_build(result, lock, time.perf_counter() - started)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    loaded = load_checked(args.file, args.format)
    if loaded is None:
        return EXIT_DIAGNOSTICS
    from ..runtime.errors import LMError, ParseError, ProgramError
    from .inputs import input_error

    names = [p.name.name for p in loaded.source.of(ir.ProgramDecl)] if loaded.source else []
    if args.program not in names:
        listed = ", ".join(names) or "none"
        return fail(f"no program `{args.program}` in {args.file} (programs: {listed}){meant(args.program, names)}")
    project = _learned_project(args, loaded)
    if isinstance(project, int):
        return project
    program = project.programs[args.program]
    inputs = parse_inputs(args.input, program.input_types)
    if isinstance(inputs, str):
        return fail(inputs)
    try:
        result = program(**inputs)
    except (LMError, ParseError, ProgramError) as exc:
        return fail(str(exc))
    except (TypeError, ValueError) as exc:  # missing or unknown names; values that do not fit their types
        return fail(input_error(exc))
    print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    loaded = load_checked(args.file, args.format)
    if loaded is None:
        return EXIT_DIAGNOSTICS
    from ..api.diagnostics import BuildError
    from .progress import ConsoleProgress
    from .results import print_evaluation, print_failure

    project = _learned_project(args, loaded)
    if isinstance(project, int):
        return project
    try:
        evaluation = project.evaluate(
            args.program, args.dataset, args.metric, threads=args.threads, progress=ConsoleProgress()
        )
    except BuildError as exc:
        return print_failure(exc)
    return print_evaluation(evaluation)


def cmd_prompt(args: argparse.Namespace) -> int:
    loaded = load_checked(args.file, args.format)
    if loaded is None:
        return EXIT_DIAGNOSTICS
    from .prompt import print_prompt

    project = _learned_project(args, loaded)
    return project if isinstance(project, int) else print_prompt(project, args.target, args.input)
