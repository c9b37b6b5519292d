"""What every optimizer takes and returns.

An optimizer gets a :class:`Task` (the program, its data, the metric, the LMs,
the starting parameters and a seed, all explicit) and returns an
:class:`OptimizeResult`: new :class:`Params` per module, never a mutated
program. Optimizers only use the generic ``Program`` interface (``run``,
``module_paths``, ``default_params``) and the traces that runs record.
"""

from __future__ import annotations

import threading
from pathlib import Path
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Literal, NamedTuple, Protocol

from ..data import Example
from ..evaluate import Fatal, Metric
from ..runtime.program import Program
from ..runtime.signature import Params

# DSPy's ``settings.max_errors``: what ``max_errors: none`` means.
DEFAULT_MAX_ERRORS = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class Task:
    """Everything an optimizer may use, passed explicitly (no global settings).

    ``initial`` holds the parameters to start from (a previous optimizer's
    result in a chain); modules missing from it start from
    ``program.default_params()``. ``teacher_lm`` runs the program while
    bootstrapping demos; without it the task's ``lm`` does.

    ``rollout_lm(lm, i)`` returns a copy of ``lm`` that draws a fresh sample
    ``i`` at temperature 1.0, bypassing any cache (DSPy's
    ``lm.copy(rollout_id=i, temperature=1.0)``); bootstrapping rounds after
    the first use it. Without it those rounds reuse the same LM.

    ``fatal`` lists exception types that stop the optimizer at once (an LM
    that cannot be reached); any other failure of one run is that run's
    failure. ``on_progress(stage, done, total)`` and ``on_candidate(label,
    score)`` report progress; both are called from the optimizer's thread.

    ``lm_named(name)`` returns the LM a file declares as ``lm NAME`` (for
    options such as ``prompt_model: strong``). ``state_dir`` is a folder the
    optimizer may keep resumable state in (next to the build); ``storage``
    and ``study`` name an optuna RDB storage and study shared by several
    build processes (``lmc build --storage URL --study NAME``).
    """

    program: Program
    trainset: tuple[Example, ...]
    valset: tuple[Example, ...] = ()
    metric: Metric
    lm: Any
    teacher_lm: Any | None = None
    initial: Mapping[str, Params] = field(default_factory=dict)
    seed: int = 0
    threads: int = 1
    metric_threshold: float | None = None
    fatal: Fatal = ()
    rollout_lm: Callable[[Any, int], Any] | None = None
    on_progress: Callable[[str, int, int], None] | None = None
    on_candidate: Callable[[str, float], None] | None = None
    lm_named: Callable[[str], Any] | None = None
    state_dir: Path | None = None
    storage: str | None = None
    study: str | None = None

    def start_params(self) -> dict[str, Params]:
        """The parameters each module starts from: ``initial``, else the defaults."""
        defaults = self.program.default_params()
        return {path: self.initial.get(path, defaults[path]) for path in self.program.module_paths}

    def named_lm(self, name: str | None) -> Any:
        """The LM declared as ``lm NAME``; the task's own LM for None."""
        if name is None:
            return self.lm
        if self.lm_named is None:
            raise ValueError(f"this task cannot resolve the lm `{name}`")
        return self.lm_named(name)

    def progress(self, stage: str, done: int, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(stage, done, total)


@dataclass(frozen=True, slots=True)
class DemoOrigin:
    """Where one demo came from: trainset example ``index``, run by the teacher
    and kept because the run passed the metric (``bootstrapped``), or copied
    from the example's fields as loaded (``labeled``)."""

    kind: Literal["bootstrapped", "labeled"]
    index: int


@dataclass(frozen=True, slots=True)
class Demo:
    """A demo value (field name -> JSON value) with its origin."""

    value: Mapping[str, Any]
    origin: DemoOrigin


class Candidate(NamedTuple):
    """One set of parameters an optimizer scored (score in percent)."""

    label: str
    score: float


@dataclass(frozen=True, slots=True)
class OptimizeResult:
    """New parameters for every module, and how they were found.

    ``origins[path]`` runs parallel to ``params[path].demos``. ``score`` is
    the chosen parameters' validation score in percent, or None when the
    optimizer does not evaluate (LabeledFewShot, BootstrapFewShot).
    ``lm_calls`` counts every LM request the optimizer made, teacher's included.
    """

    params: dict[str, Params]
    origins: dict[str, tuple[DemoOrigin, ...]]
    score: float | None = None
    candidates: tuple[Candidate, ...] = ()
    lm_calls: int = 0


class Optimizer(Protocol):
    """An optimizer: its options are its (frozen dataclass) fields."""

    name: ClassVar[str]

    def compile(self, task: Task) -> OptimizeResult: ...


def with_demos(
    start: Mapping[str, Params], demos: Mapping[str, Sequence[Demo]]
) -> tuple[dict[str, Params], dict[str, tuple[DemoOrigin, ...]]]:
    """New params whose demos are ``demos[path]`` (instructions kept), and their origins."""
    params: dict[str, Params] = {}
    origins: dict[str, tuple[DemoOrigin, ...]] = {}
    for path, base in start.items():
        chosen = tuple(demos.get(path, ()))
        params[path] = replace(base, demos=tuple(dict(d.value) for d in chosen))
        origins[path] = tuple(d.origin for d in chosen)
    return params, origins


def labeled_demo(trainset: Sequence[Example], index: int) -> Demo:
    """A raw labeled demo: the example's fields exactly as loaded."""
    return Demo(dict(trainset[index]), DemoOrigin("labeled", index))


class CallCounter:
    """Counts the LM requests of one optimizer run, across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    @property
    def count(self) -> int:
        with self._lock:
            return self._count

    def add(self) -> None:
        with self._lock:
            self._count += 1

    def wrap(self, lm: Any) -> Any:
        return _CountedLM(lm, self)


class _CountedLM:
    """An LM that counts its requests and forwards everything else unchanged."""

    def __init__(self, lm: Any, counter: CallCounter) -> None:
        self._lm = lm
        self._counter = counter

    def complete(self, messages: list[dict], *args: Any, **kwargs: Any) -> str:
        self._counter.add()
        return self._lm.complete(messages, *args, **kwargs)

    async def acomplete(self, messages: list[dict], *args: Any, **kwargs: Any) -> str:
        self._counter.add()
        return await self._lm.acomplete(messages, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._lm, name)
