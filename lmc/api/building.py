"""``lmc.building``: optimize, evaluate and render a program's package; written only where the caller says."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..building.events import ProgressEvent, Reporter
from ..building.lock import AnswerUsage
from ..building.pipeline import BuildFailed, BuildOutput, BuildRequest
from ..building.pipeline import build as run_build
from ..building.writing import emit, not_written, write_lock
from ..codegen.errors import CodegenError
from ..codegen.files import WriteError, out_dir_problem
from ..optimize.core.budget import Spent
from ..records import record
from .diagnostics import BuildError, Diagnostic
from .project import compile
from .workspace import Files, Rows, Source

if TYPE_CHECKING:
    from ..host.session import Session


@record
class ScoreRow:
    """One score of the build, in percent: a program on a split, before and after optimizing."""

    label: str  # "classify on dev (valset, accuracy)"
    baseline: float
    optimized: float | None  # None: nothing was optimized for it


@record
class Usage:
    """LM answers and what they cost (``cache_hits``: how many of them came from the LM cache)."""

    answers: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    cache_hits: int = 0


@record
class BuildResult:
    """A finished build: its package in memory, its scores, the parameters it chose, its lock and usage.

    ``params`` maps each optimized module (``"classify.judge"``) to its
    parameters as the lock writes them (``instructions``, ``demos``, ...).
    ``usage`` counts the LM answers the build used, cached or not (as the
    lock does); ``spent`` what this process asked the LMs for. ``out`` is the
    folder the package was written to, if any.
    """

    name: str
    files: Mapping[str, bytes]
    lock: str
    scores: tuple[ScoreRow, ...]
    params: Mapping[str, Mapping[str, Any]]
    usage: Usage
    spent: Usage
    out: Path | None
    from_lock: bool
    diagnostics: tuple[Diagnostic, ...] = ()  # the program's warnings
    truncated: int = 0  # answers the LM cut at max_tokens


def build(
    source: Source,
    *,
    path: str | None = None,
    files: Files | None = None,
    datasets: Rows | None = None,
    name: str | None = None,
    out: str | os.PathLike[str] | None = None,
    lock: str | os.PathLike[str] | None = None,
    lm: str | None = None,
    seed: int | None = None,
    threads: int | None = None,
    optimize: bool = True,
    frozen: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    cache: bool = True,
    progress: Callable[[ProgressEvent], None] | None = None,
    storage: str | None = None,
    study: str | None = None,
) -> BuildResult:
    """Check, optimize, evaluate and render the program, as ``lmc build`` does, and return the result.

    Raises ``CompileError`` for a program with errors and ``BuildError`` for a
    build that cannot finish (an LM that cannot be reached, data or a Python
    module failing, a ``frozen`` build that no longer matches its lock).
    Writes the package (with ``build.json`` and ``report.html``) to
    ``out/<name>/`` only when ``out`` is given, and the lock to ``lock`` only
    when it is given (``frozen`` reads it instead). ``progress`` receives the
    build's events (``lmc.building.events.ProgressEvent``); nothing is printed.
    ``cache=False`` turns the LM cache off even where ``cache_dir`` or
    ``$LMC_CACHE_DIR`` names one. ``storage`` (an optuna RDB URL) and ``study``
    let several builds share MIPROv2's trials (``docs/optimizers.md``). ``lm`` is a model id: a build
    caches, meters and records its LM's answers, which an LM object of the caller's cannot promise
    (``lmc.compile(..., lm=obj)`` runs programs on one); anything else raises ``TypeError``.
    """
    if lm is not None and not isinstance(lm, str):
        raise TypeError(
            f"lmc.build(lm=...) takes a model id (a str such as 'openai/gpt-4o-mini'), not {type(lm).__name__}; "
            "an LM object runs programs in this process: lmc.compile(source, lm=obj)"
        )
    with compile(
        source, path=path, files=files, datasets=datasets, name=name, lm=lm, cache_dir=cache_dir, cache=cache
    ) as project:
        session = project.session
        session.threads = max(1, threads or 4)
        problem = out_dir_problem(Path(out) / project.name) if out is not None else None
        if problem is None and storage is not None:
            from ..optimize.mipro.study import storage_problem

            problem = storage_problem(storage)
        if problem is not None:  # before the first LM call, not after the whole optimization
            raise BuildError(problem)
        with tempfile.TemporaryDirectory(prefix="lmc-build-") as scratch:  # optimizers' state, unless `out`
            request = BuildRequest(
                out_dir=str(out) if out is not None else scratch,
                optimize=optimize,
                seed=seed,
                frozen=frozen,
                lock=os.fspath(lock) if lock is not None else None,
                storage=storage,
                study=study,
            )
            try:
                output = run_build(session, request, Reporter(progress))
            except BuildFailed as exc:
                raise BuildError(str(exc), exc.details) from exc
        written = _write(output, out, lock, frozen, session)
        warnings = project.diagnostics
    return _result(output, written, warnings)


def _write(
    output: BuildOutput, out: str | os.PathLike[str] | None, lock: Any, frozen: bool, session: Session
) -> Path | None:
    """The package (with its records) and the lock, in one swap; a full disk or a folder in the way: BuildError."""
    folder = Path(out) / output.package if out is not None else None
    lock_path = Path(lock) if lock is not None and not frozen else None
    try:
        if folder is not None:
            emit(folder, output.files, output.lock, lock_path)
        elif lock_path is not None:
            write_lock(lock_path, output.lock)
    except WriteError as exc:  # the LM answers are spent: say what is kept, and how cheap building again is
        written = [p for p in (folder, lock_path) if p is not None]
        raise BuildError(not_written(exc, written, session, output.from_lock)) from exc
    except CodegenError as exc:  # a folder lmc did not write is in the way
        raise BuildError(str(exc)) from exc
    return folder


def _result(output: BuildOutput, out: Path | None, warnings: tuple[Diagnostic, ...]) -> BuildResult:
    lock = output.lock
    return BuildResult(
        name=output.package,
        files=MappingProxyType({str(rel): data for rel, data in output.files.items()}),
        lock=lock.to_text(),
        scores=tuple(ScoreRow(r.label, r.baseline, r.optimized) for r in lock.scores),
        params=MappingProxyType({p: MappingProxyType(params.to_json()) for p, params in lock.params.items()}),
        usage=_usage(lock.usage),
        spent=_spent(output.spent),
        out=out,
        from_lock=output.from_lock,
        diagnostics=warnings,
        truncated=output.truncated,
    )


def _usage(used: AnswerUsage) -> Usage:
    return Usage(used.answers, used.prompt_tokens, used.completion_tokens, used.cost_usd)


def _spent(spent: Spent) -> Usage:
    return Usage(spent.answers, spent.prompt_tokens, spent.completion_tokens, spent.cost_usd, spent.cache_hits)
