"""The commands of ``lmc``: each loads a file, reports diagnostics, does its job.

Returns exit codes (see ``cli``); prints results to stdout and everything
else (diagnostics, progress, tables) to stderr.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..exitcodes import EXIT_DIAGNOSTICS, EXIT_OK
from ..host.frontend import Loaded, load_file
from ..ir import nodes as ir
from .inputs import parse_inputs
from .output import fail, report

if TYPE_CHECKING:  # imported by the commands that run a file: `lmc check` needs neither
    from ..host.session import Session


def dispatch(args: argparse.Namespace) -> int:
    """Run the command; a data file that cannot be read is the user's to fix (exit 3), whichever command read it.

    Every command but ``check`` renders the package, which indexes each bm25
    corpus then: a corpus changed or deleted since the check fails there,
    with its file and line, as ``DataError``.
    """
    from ..data.datasets import DataError

    handler = {"check": cmd_check, "build": cmd_build, "run": cmd_run, "eval": cmd_eval, "prompt": cmd_prompt}
    try:
        return handler[args.command](args)
    except DataError as exc:
        return fail(str(exc))


# ----------------------------------------------------------------- reporting


def load_checked(path: str, fmt: str) -> Loaded | None:
    loaded = load_file(path)
    report(loaded, fmt)
    return loaded if loaded.ok else None


def _session(args: argparse.Namespace, loaded: Loaded) -> Session:
    from ..host.lms import LmSettings
    from ..host.session import Session

    threads = args.threads if getattr(args, "threads", None) else 4
    return Session(loaded, LmSettings(override=args.lm, cache=not args.no_cache), threads=max(1, threads))


# ------------------------------------------------------------------ commands


def cmd_check(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.files:
        if load_checked(path, args.format) is None:
            status = EXIT_DIAGNOSTICS
    return status


def cmd_build(args: argparse.Namespace) -> int:
    loaded = load_checked(args.file, args.format)
    if loaded is None:
        return EXIT_DIAGNOSTICS
    from ..build.events import Reporter
    from ..build.pipeline import BuildFailed, BuildRequest, build, emit
    from .progress import ConsoleProgress
    from .results import print_build, print_dry_run, print_failure

    request = BuildRequest(
        out_dir=args.out,
        optimize=not args.no_optimize,
        seed=args.seed,
        storage=args.storage,
        study=args.study,
        frozen=args.frozen,
    )
    session = _session(args, loaded)
    if args.dry_run:
        return print_dry_run(session, request)
    started = time.perf_counter()
    try:
        output = build(session, request, Reporter(ConsoleProgress()))
    except BuildFailed as exc:
        return print_failure(exc)
    out = Path(args.out) / output.package
    emit(out, output.files, output.lock)
    print_build(output, out, time.perf_counter() - started)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    loaded = load_checked(args.file, args.format)
    if loaded is None:
        return EXIT_DIAGNOSTICS
    from ..runtime.errors import LMError, ParseError, ProgramError

    session = _session(args, loaded)
    names = [p.name.name for p in session.source.of(ir.ProgramDecl)]
    if args.program not in names:
        return fail(f"no program `{args.program}` in {args.file} (programs: {', '.join(names) or 'none'})")
    entry = getattr(session.generated, args.program)
    inputs = parse_inputs(args.input, entry.program.inputs)
    if isinstance(inputs, str):
        return fail(inputs)
    missing = [f.name for f in entry.program.inputs if f.name not in inputs]
    if missing:
        return fail(f"missing input(s): {', '.join(missing)} (pass them with --input name=value)")
    try:
        result = entry(lm=session.lm(), **inputs)
    except (LMError, ParseError, ProgramError) as exc:
        return fail(str(exc))
    print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    loaded = load_checked(args.file, args.format)
    if loaded is None:
        return EXIT_DIAGNOSTICS
    from ..build.events import Reporter
    from ..build.pipeline import BuildFailed, evaluate_program
    from .progress import ConsoleProgress
    from .results import print_evaluation, print_failure

    session = _session(args, loaded)
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

    return print_prompt(_session(args, loaded), args.target, args.input)
