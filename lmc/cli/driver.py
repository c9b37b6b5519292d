"""The commands of ``lmc``: each loads a file, reports diagnostics, does its job.

Returns exit codes (see ``cli``); prints results to stdout and everything
else (diagnostics, progress, tables) to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..exitcodes import EXIT_DIAGNOSTICS, EXIT_OK, EXIT_RUN_FAILED
from ..host.frontend import Loaded, load_file
from ..ir import nodes as ir
from .inputs import parse_inputs
from .output import fail, report

STDIN = "<stdin>"  # how diagnostics name a file read from standard input

if TYPE_CHECKING:  # imported by the commands that run a file: `lmc check` needs neither
    from ..host.session import Session
    from ..runtime.signature import Params


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


def _session(
    args: argparse.Namespace, loaded: Loaded, params: Mapping[str, Params] | None = None, name: str | None = None
) -> Session:
    from ..host.lms import LmSettings
    from ..host.session import Session

    threads = args.threads if getattr(args, "threads", None) else 4
    settings = LmSettings(override=args.lm, cache=not args.no_cache)
    return Session(loaded, settings, threads=max(1, threads), params=params, name=name)


def _learned_session(args: argparse.Namespace, loaded: Loaded) -> Session | None:
    """A session running the learned parameters (``cli/learned.py``), saying which; None after an error."""
    from .learned import ParamsError, choose_params
    from .progress import info

    try:
        chosen = choose_params(loaded.path, loaded.text or "", args.lock, args.unoptimized)
    except ParamsError as exc:
        fail(f"--lock: {exc}")
        return None
    info(chosen.note)
    return _session(args, loaded, chosen.params)


# ------------------------------------------------------------------ commands


def cmd_check(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.files:
        if not _check_one(path, args.format):
            status = EXIT_DIAGNOSTICS
    return status


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
        return fail(f"no program `{args.program}` in {args.file} (programs: {', '.join(names) or 'none'})")
    session = _learned_session(args, loaded)
    if session is None:
        return EXIT_RUN_FAILED
    entry = getattr(session.generated, args.program)
    inputs = parse_inputs(args.input, entry.program.inputs)
    if isinstance(inputs, str):
        return fail(inputs)
    try:
        values = entry.validate_inputs(inputs)
    except (TypeError, ValueError) as exc:  # missing or unknown names; values that do not fit their types
        return fail(input_error(exc))
    try:
        result = entry.invoke(values, lm=session.lm())
    except (LMError, ParseError, ProgramError) as exc:
        return fail(str(exc))
    print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    loaded = load_checked(args.file, args.format)
    if loaded is None:
        return EXIT_DIAGNOSTICS
    from ..building.events import Reporter
    from ..building.pipeline import BuildFailed, evaluate_program
    from .progress import ConsoleProgress
    from .results import print_evaluation, print_failure

    session = _learned_session(args, loaded)
    if session is None:
        return EXIT_RUN_FAILED
    try:
        evaluation = evaluate_program(session, args.program, args.dataset, args.metric, Reporter(ConsoleProgress()))
    except BuildFailed as exc:
        return print_failure(exc)
    return print_evaluation(evaluation)


def cmd_prompt(args: argparse.Namespace) -> int:
    loaded = load_checked(args.file, args.format)
    if loaded is None:
        return EXIT_DIAGNOSTICS
    from .prompt import print_prompt

    session = _learned_session(args, loaded)
    return EXIT_RUN_FAILED if session is None else print_prompt(session, args.target, args.input)
