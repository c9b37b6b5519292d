"""``lmc.check`` and ``lmc.compile``: a program's diagnostics, or a ``Project`` that runs it in this process."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..host.naming import check_name
from .diagnostics import CompileError, Diagnostic
from .workspace import TEXT_PATH, Files, Rows, Source, Workspace, load

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ..building.events import ProgressEvent
    from ..host.session import Session
    from ..runtime.lm.protocol import LanguageModel
    from ..runtime.package import PackagedProgram
    from ..runtime.signature import Params
    from .evaluation import Evaluation

DEFAULT_NAME = "program"  # the package of a source given as text without a path


def check(
    source: Source, *, path: str | None = None, files: Files | None = None, datasets: Rows | None = None
) -> list[Diagnostic]:
    """Every diagnostic of the program, errors and warnings, in source order.

    ``source`` is ``.lmp`` text or a path; ``path`` names it in diagnostics
    (and, for text, is where its relative paths point); ``files`` and
    ``datasets`` give its files in memory (``workspace.py``). Never raises
    for a problem in the program; writes nothing beside it.
    """
    workspace = load(source, path=path, files=files, datasets=datasets)
    try:
        return diagnostics_of(workspace)
    finally:
        workspace.close()


def diagnostics_of(workspace: Workspace) -> list[Diagnostic]:
    loaded = workspace.loaded
    return [Diagnostic.of(d, loaded.text) for d in loaded.diagnostics]


def compile(  # noqa: A001 - the API's verb, as re.compile
    source: Source,
    *,
    path: str | None = None,
    files: Files | None = None,
    datasets: Rows | None = None,
    name: str | None = None,
    lm: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    cache: bool = True,
    lock: str | os.PathLike[str] | None = None,
) -> Project:
    """The checked program, ready to run and to render; raises ``CompileError`` when it has errors.

    ``name`` names the package (default: the file's name, ``program`` for
    text without a path); ``lm`` replaces the model of its ``default`` lm
    (a litellm model id). LM answers are cached only in ``cache_dir`` or
    ``$LMC_CACHE_DIR`` when one is given, and not at all with ``cache=False``.
    With ``lock`` (a lock ``lmc.build`` wrote), the project runs what that
    build learned; ``BuildError`` says why a lock cannot be used (unreadable,
    or written for another version of the source).
    """
    workspace = load(source, path=path, files=files, datasets=datasets)
    name = _package_name(workspace, name)
    try:
        params = _learned(lock, workspace.loaded.text or "") if lock is not None else None
    except BaseException:
        workspace.close()
        raise
    return Project(workspace, name, lm=lm, cache_dir=cache_dir, cache=cache, params=params)


def _learned(lock: str | os.PathLike[str], text: str) -> Mapping[str, Params]:
    """The learned parameters of ``lock``, which must have been written for this very source."""
    import hashlib

    from ..building.lock import LockError, read_lock
    from .diagnostics import BuildError

    try:
        locked = read_lock(Path(lock))
    except LockError as exc:
        raise BuildError(str(exc)) from exc
    if locked.inputs["source"]["sha256"] != hashlib.sha256(text.encode("utf-8")).hexdigest():
        raise BuildError(f"{os.fspath(lock)} was written for another version of the source (build again)")
    return MappingProxyType(dict(locked.params))


def _package_name(workspace: Workspace, name: str | None) -> str:
    """The package's name, or ``CompileError`` with the program's diagnostics and E010."""
    loaded = workspace.loaded
    shown = loaded.path
    if name is None and shown == TEXT_PATH:
        name = DEFAULT_NAME
    chosen, refused = check_name(shown, name)
    found = list(loaded.diagnostics) + ([refused] if refused is not None else [])
    if not loaded.ok or refused is not None:
        workspace.close()
        raise CompileError([Diagnostic.of(d, loaded.text) for d in found])
    return chosen


class Program:
    """One program of a project: ``program(**inputs, lm=...)`` runs it and returns its typed result.

    ``lm`` is a litellm model id, an LM object (anything with ``complete``
    and ``acomplete``), or None for the project's ``default`` lm.
    """

    def __init__(self, entry: PackagedProgram, project: Project) -> None:
        self._entry = entry
        self._project = project

    @property
    def name(self) -> str:
        return self._entry.name

    @property
    def inputs(self) -> tuple[str, ...]:
        """The names of its inputs, in order (those with a default may be left out of a call)."""
        return self._entry.input_names

    @property
    def input_types(self) -> Mapping[str, Any]:
        """Each input's Python type (``str``, an enum, a pydantic model, ``list[str]``, ...), by name."""
        return MappingProxyType({f.name: f.annotation for f in self._entry.program.inputs})

    @property
    def result_type(self) -> type[BaseModel]:
        """The pydantic model a call returns: one field per output."""
        return self._entry.result_type

    def __call__(self, /, *, lm: str | LanguageModel | None = None, **inputs: Any) -> Any:
        return self._entry.invoke(inputs, lm=self._project.lm_for(lm))

    async def acall(self, /, *, lm: str | LanguageModel | None = None, **inputs: Any) -> Any:
        return await self._entry.ainvoke(inputs, lm=self._project.lm_for(lm))

    def __repr__(self) -> str:
        return f"<lmc.Program {self.name}({', '.join(self.inputs)})>"


class Project:
    """A checked program: its ``programs`` run in this process, ``render()`` gives its package in memory.

    It holds the program's folder when its files were given in memory (see
    ``workspace.py``): ``close()``, or leaving a ``with`` block, removes it.
    """

    def __init__(
        self,
        workspace: Workspace,
        name: str,
        *,
        lm: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        cache: bool = True,
        params: Mapping[str, Params] | None = None,
    ) -> None:
        self._workspace = workspace
        self.name = name
        self._lm = lm
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._cache = cache
        self._params = params

    @property
    def path(self) -> str:
        return self._workspace.loaded.path

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """The program's warnings (a project has no errors)."""
        return tuple(diagnostics_of(self._workspace))

    @cached_property
    def session(self) -> Session:
        """The host's view of the program: its LMs, datasets and metrics (for ``lmc.building``)."""
        from ..host.lms import LmSettings
        from ..host.session import Session

        cached = self._cache and (self._cache_dir is not None or bool(os.environ.get("LMC_CACHE_DIR")))
        settings = LmSettings(override=self._lm, cache=cached, cache_dir=self._cache_dir)
        return Session(self._workspace.loaded, settings, params=self._params, name=self.name)

    @cached_property
    def programs(self) -> Mapping[str, Program]:
        """Each program of the file by name, ready to call (the generated package, imported here)."""
        generated = self.session.generated
        entries = {name: getattr(generated, name) for name in generated.programs.PROGRAMS}
        return MappingProxyType({name: Program(entry, self) for name, entry in entries.items()})

    @property
    def learned(self) -> bool:
        """Whether the project runs a build's learned parameters (``compile(..., lock=...)``)."""
        return bool(self._params)

    @property
    def params(self) -> Mapping[str, Mapping[str, Any]]:
        """The learned parameters by module path (``instructions``, ``demos``, ...), empty without a lock."""
        return MappingProxyType({path: MappingProxyType(p.to_json()) for path, p in (self._params or {}).items()})

    @property
    def modules(self) -> tuple[str, ...]:
        """Every predictor's path (``classify.judge``; a ReAct's ``atlas.agent.extract`` too), sorted."""
        from ..host.prompting import module_paths

        return tuple(sorted(module_paths(self.session.generated)))

    def prompt(self, module: str, **inputs: Any) -> list[dict[str, str]]:
        """The exact messages ``module`` sends for ``inputs`` (no LM is called): what the package sends."""
        from ..host.prompting import module_messages, module_paths

        known = module_paths(self.session.generated)
        if module not in known:
            raise KeyError(f"no module `{module}` (modules: {', '.join(sorted(known)) or 'none'})")
        return module_messages(self.session.generated, module, inputs)

    def evaluate(
        self,
        program: str,
        dataset: str,
        metric: str | None = None,
        *,
        threads: int | None = None,
        progress: Callable[[ProgressEvent], None] | None = None,
    ) -> Evaluation:
        """Score ``program`` on ``dataset`` with ``metric`` (default: its evaluate or optimize block's).

        Every row runs; a failed one scores 0 and keeps its cause. Raises
        ``BuildError`` when the run cannot go on (an LM that cannot be reached).
        """
        from ..building.events import Reporter
        from ..building.pipeline import BuildFailed, evaluate_program
        from .diagnostics import BuildError
        from .evaluation import Evaluation, Row

        session = self.session
        session.threads = max(1, threads or 4)
        try:
            done = evaluate_program(session, program, dataset, metric, Reporter(progress))
        except BuildFailed as exc:
            raise BuildError(str(exc), exc.details) from exc
        rows = tuple(
            Row(r.index, r.example.inputs(), r.outputs, r.score, r.error, r.stage, r.raw, r.feedback)
            for r in done.result.results
        )
        return Evaluation(done.program, done.dataset, done.metric, done.result.score, rows)

    def lm_for(self, lm: str | LanguageModel | None) -> LanguageModel:
        """The LM a call uses: the project's ``default``, a model id's, or the object given."""
        if lm is None:
            return self.session.lm()
        if isinstance(lm, str):
            from ..runtime.lm.client import LM

            return LM(lm)
        return lm

    def render(self) -> dict[str, bytes]:
        """The whole package, by path relative to its folder (``"name/programs.py"``), without writing it."""
        return {str(rel): data for rel, data in self.session.render(params=self._params).items()}

    def close(self) -> None:
        """Unload the program's package and remove the private folder of files given in memory.

        The project cannot run after; the process is left as before ``compile``
        (no module of the package in ``sys.modules``, no import hook).
        """
        if "programs" in self.__dict__:
            del self.__dict__["programs"]
        session = self.__dict__.get("session")
        if session is not None and "generated" in session.__dict__:
            from ..host.loader import unload_package

            unload_package(session.__dict__.pop("generated"))
        self._workspace.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<lmc.Project {self.name} ({self.path})>"
