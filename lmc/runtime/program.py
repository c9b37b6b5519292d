"""Program execution: the object a generated ``programs.py`` builds per program.

A generated program body is a plain Python function ``body(ctx, **inputs)``
whose module calls go through ``ctx.module(path)``. ``Program.run`` executes
it under explicit parameters and an explicit LM (no global settings); the
optimizer calls ``run`` with candidate parameters, the emitted package calls
it with the baked-in ones. Traces of module calls are recorded through a
context variable, so concurrent runs in threads never mix.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from .errors import ProgramError, ToolError
from .signature import Field, ModuleSpec, Params
from .trace import Prediction, TraceEntry, capture_trace

if TYPE_CHECKING:
    from .lm.protocol import LanguageModel, Replaceable
    from .modules import Module


class Context:
    """What a program body and its modules see: LM, parameters, tools, retrievers and metrics.

    ``metrics`` holds the metrics that modules use as a ``reward`` (``BestOfN``,
    ``Refine``), by name: ``fn(example, prediction) -> float | bool``. ``lm`` is
    None in a context that only formats prompts: a module call then raises ``ProgramError``.
    """

    def __init__(
        self,
        *,
        lm: LanguageModel | None,
        params: Mapping[str, Params],
        modules: Mapping[str, ModuleSpec],
        tools: Mapping[str, Callable[..., Any]] | None = None,
        retrievers: Mapping[str, Callable[..., Any]] | None = None,
        metrics: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        self.lm = lm
        self.params = params
        self._specs = modules
        self._tools = tools or {}
        self._retrievers = retrievers or {}
        self._metrics = metrics or {}
        self._instances: dict[str, Module] = {}

    def module(self, path: str) -> Any:
        """The module at ``path``, made at its first use. Any, not ``Module``: lmc's tools read a
        kind's own attributes off it (a ``Predict``'s ``demos`` and ``adapters``)."""
        inst = self._instances.get(path)
        if inst is None:
            from .modules import make_module

            spec = self._specs[path]
            params = self.params.get(path) or spec.start_params()
            inst = self._instances[path] = make_module(spec, params, self.lm_for(params, spec), self)
        return inst

    def lm_for(self, params: Params, spec: ModuleSpec | None = None) -> LanguageModel | None:
        """The LM of a module: the context's, changed as its settings say (``ModuleSpec.lm``: another
        declared lm, its own temperature or max_tokens) and to the model its parameters name
        (``Params.model``, a fine-tuned model); paired, for a ``two_step`` adapter with an
        ``extraction_lm``, with the LM that fills the fields. An LM object that cannot change its
        options (no ``replace``, as test doubles) answers for every module and every step."""
        from .lm.protocol import replaceable  # here: a package's import does not load the LM interface

        lm = self.lm
        if lm is None or not replaceable(lm):
            return lm
        own = _changed(lm, spec.lm if spec is not None else {}, params.model)
        if spec is not None and spec.extraction_lm is not None and params.adapter == "two_step":
            from .lm.paired import WithExtraction

            return WithExtraction(own, _changed(lm, spec.extraction_lm, None))
        return own

    def tool(self, name: str) -> Callable[..., Any]:
        """The tool as a program body calls it: an exception it raises fails the run (``ToolError``).

        (A ReAct agent calls the tool itself, through ``tool_object``: there an exception is what it observes.)
        """
        tool = self._tools[name]

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return tool(*args, **kwargs)
            except ProgramError:
                raise
            except Exception as exc:  # noqa: BLE001 - the user's function may raise anything
                raise ToolError(f"tool `{name}` raised {type(exc).__name__}: {exc}") from exc

        return call

    def tool_object(self, name: str) -> Callable[..., Any]:
        """The declared tool itself (a ``Tool``), as an agent lists and calls it."""
        return self._tools[name]

    def retriever(self, name: str) -> Callable[..., Any]:
        return self._retrievers[name]

    def metric(self, name: str) -> Callable[..., Any]:
        try:
            return self._metrics[name]
        except KeyError:
            known = ", ".join(f"`{n}`" for n in self._metrics) or "none"
            raise ProgramError(f"no metric `{name}` in this program (its metrics: {known})") from None


def _changed(lm: LanguageModel, settings: Mapping[str, Any], model: str | None) -> LanguageModel:
    """``lm`` (a ``Replaceable``) with a module's LM settings (``ModuleSpec.lm``) and its fine-tuned model, if any."""
    changes = dict(settings)
    if "model" in changes:  # another declared lm: its own options, none of the program's LM
        from .lm.client import DEFAULT_OPTIONS

        changes = {**DEFAULT_OPTIONS, **changes}
    if model is not None:
        changes["model"] = model
    if not changes:
        return lm
    from .lm.protocol import replaceable

    assert replaceable(lm)
    return cast("Replaceable", lm).replace(**changes)


def _with_parts(modules: Mapping[str, ModuleSpec]) -> dict[str, ModuleSpec]:
    """``modules`` plus the spec of every further predictor of their kinds (``prog.agent.extract``),
    so that each predictor path has its kind and signature, as a module's path does."""
    from .modules import part_specs  # here: modules.py imports this file

    return {**modules, **part_specs(modules)}


Body = Callable[..., Any]
AsyncBody = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Run:
    """The result of one program run: outputs (a dict) and the module trace."""

    outputs: dict[str, Any]
    trace: tuple[TraceEntry, ...]


def _with_knn_demos(params: Mapping[str, Params], inputs: Mapping[str, Any]) -> Mapping[str, Params]:
    """``params`` with the demos ``KNNFewShot``'s table chooses for these inputs (``knn.py``), if it left one."""
    table = next((p.knn for p in params.values() if p.knn is not None), None)
    if table is None:
        return params
    from dataclasses import replace

    from .knn import choose_demos

    demos = choose_demos(table, inputs)
    return {path: replace(p, demos=demos.get(path, p.demos), knn=None) for path, p in params.items()}


def _members(params: Mapping[str, Params]) -> list[dict[str, Params]] | None:
    """The members' parameters when ``params`` are an ensemble's (imported only then)."""
    if not any(p.members for p in params.values()):
        return None
    from .ensemble import member_params

    return member_params(params)


class Program:
    """One ``program`` of a ``.lmp`` file, as generated code builds it."""

    def __init__(
        self,
        *,
        name: str,
        inputs: tuple[Field, ...],
        outputs: tuple[Field, ...],
        module_paths: tuple[str, ...],
        modules: Mapping[str, ModuleSpec],
        body: Body,
        abody: AsyncBody | None = None,
        tools: Mapping[str, Callable[..., Any]] | None = None,
        retrievers: Mapping[str, Callable[..., Any]] | None = None,
        metrics: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        # Every predictor reachable, callees included: a module's path, and
        # ``path.part`` for each further predictor of its kind (``prog.agent.extract``).
        self.module_paths = module_paths
        self.modules = _with_parts(modules)  # ModuleSpec by path, for every path of module_paths
        self.body = body
        self.abody = abody
        self.tools = tools or {}
        self.retrievers = retrievers or {}
        self.metrics = metrics or {}

    def default_params(self) -> dict[str, Params]:
        return {p: self.modules[p].start_params() for p in self.module_paths}

    def context(self, lm: LanguageModel | None, params: Mapping[str, Params]) -> Context:
        return Context(
            lm=lm,
            params=params,
            modules=self.modules,
            tools=self.tools,
            retrievers=self.retrievers,
            metrics=self.metrics,
        )

    def _outputs(self, value: Any) -> dict[str, Any]:
        if isinstance(value, Mapping):
            source = value
        elif hasattr(value, "model_dump"):
            source = {f.name: getattr(value, f.name) for f in self.outputs if hasattr(value, f.name)}
        else:
            raise ProgramError(f"program `{self.name}` returned {type(value).__name__}, not its outputs")
        missing = [f.name for f in self.outputs if f.name not in source]
        if missing:
            raise ProgramError(f"program `{self.name}` did not produce {', '.join(missing)}")
        return {f.name: source[f.name] for f in self.outputs}

    def run(self, inputs: Mapping[str, Any], *, lm: LanguageModel | None, params: Mapping[str, Params]) -> Run:
        """Run with explicit LM and parameters; record the module trace.

        Parameters of an ensemble (``Params.members``) run the program once per
        member and reduce the outputs by majority (``ensemble.py``); the trace
        holds every member's calls, in member order. Parameters with a
        ``KNNFewShot`` table (``Params.knn``) get the demos it chooses for these
        inputs first.
        """
        params = _with_knn_demos(params, inputs)
        members = _members(params)
        if members is None:
            return self._run_once(inputs, lm=lm, params=params)
        runs = [self._run_once(inputs, lm=lm, params=m) for m in members]
        return self._reduce(runs)

    async def arun(self, inputs: Mapping[str, Any], *, lm: LanguageModel | None, params: Mapping[str, Params]) -> Run:
        params = _with_knn_demos(params, inputs)
        members = _members(params)
        if members is None:
            return await self._arun_once(inputs, lm=lm, params=params)
        # One member after another: the LM calls keep the order a recorded run replays.
        runs = [await self._arun_once(inputs, lm=lm, params=m) for m in members]
        return self._reduce(runs)

    def _reduce(self, runs: list[Run]) -> Run:
        from .ensemble import majority

        outputs = majority([r.outputs for r in runs], [f.name for f in self.outputs])
        return Run(outputs, tuple(entry for r in runs for entry in r.trace))

    def _run_once(self, inputs: Mapping[str, Any], *, lm: LanguageModel | None, params: Mapping[str, Params]) -> Run:
        with capture_trace() as trace:
            value = self.body(self.context(lm, params), **inputs)
        return Run(self._outputs(value), tuple(trace))

    async def _arun_once(
        self, inputs: Mapping[str, Any], *, lm: LanguageModel | None, params: Mapping[str, Params]
    ) -> Run:
        with capture_trace() as trace:
            if self.abody is not None:
                value = await self.abody(self.context(lm, params), **inputs)
            else:
                import asyncio  # lazily: it costs ~30 ms of the package's import time

                # to_thread copies this context, so the trace is shared.
                value = await asyncio.to_thread(self.body, self.context(lm, params), **inputs)
        return Run(self._outputs(value), tuple(trace))

    def call(self, ctx: Context, /, **inputs: Any) -> Prediction:
        """A call from another program's body: same LM and parameters."""
        return Prediction(self._outputs(self.body(ctx, **inputs)))

    async def acall(self, ctx: Context, /, **inputs: Any) -> Prediction:
        if self.abody is None:
            return self.call(ctx, **inputs)
        return Prediction(self._outputs(await self.abody(ctx, **inputs)))
