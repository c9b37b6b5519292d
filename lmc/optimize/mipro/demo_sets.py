"""Candidate demo sets for MIPROv2: DSPy's ``create_n_fewshot_demo_sets``.

``n`` sets, by DSPy's candidate seeds ``-3 .. n - 4``:

- ``-3``: no demos (zero-shot);
- ``-2``: LabeledFewShot(``k = max_labeled_demos``), when that is not 0;
- ``-1``: BootstrapFewShot over the trainset in file order;
- every other seed (``-2`` too when ``max_labeled_demos`` is 0): BootstrapFewShot
  over the trainset shuffled by the optimizer's generator, asking for
  ``rng.randint(1, max_bootstrapped_demos)`` bootstrapped demos.

The shuffles and sizes come from one generator shared with the rest of
MIPROv2 (DSPy's ``self.rng``), so the sets depend on the seed and on the LM
answers only. As in the random search, ``max_bootstrapped_demos: 0`` asks
for none instead of failing on ``randint(1, 0)``.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from ...records import record
from ...runtime.signature import Params
from ..core.ahead import Gate, in_order, may_build_ahead
from ..core.base import CallCounter, Demo, DemoOrigin, Task
from ..fewshot.bootstrap import BootstrapSettings, bootstrap
from ..fewshot.labeled import sample_labeled


@record
class DemoSet:
    """One candidate: the demos of every module (paths of the program), and how it was made."""

    label: str
    demos: Mapping[str, tuple[Demo, ...]]


def demo_sets(
    task: Task,
    n: int,
    settings: BootstrapSettings,
    rng: random.Random,
    calls: CallCounter,
    gate: Gate | None = None,
) -> list[DemoSet]:
    """``n`` candidate demo sets, made in DSPy's order with DSPy's rules (see the module docstring).

    Every random draw is made first, in DSPy's order; the bootstraps then run
    ``task.threads`` at a time (``ahead.py``), each holding a slot of
    ``gate`` when given: the same sets, in less time.
    """
    everything = range(len(task.trainset))
    quiet = replace(task, on_progress=None)  # progress is reported from this thread only
    jobs: list[Callable[[], DemoSet]] = []
    for seed in range(-3, n - 3):
        stage = f"demo set {seed + 4}/{n}"
        if seed == -3:
            jobs.append(functools.partial(DemoSet, "zero-shot", _complete(task, {})))
        elif seed == -2 and settings.max_labeled_demos > 0:
            labeled = sample_labeled(task, everything, settings.max_labeled_demos, random.Random(task.seed))
            jobs.append(
                functools.partial(DemoSet, "labeled", _complete(task, {p: tuple(d) for p, d in labeled.items()}))
            )
        elif seed == -1:
            jobs.append(functools.partial(_bootstrapped, "bootstrap", quiet, settings, everything, calls, stage))
        else:
            order = list(everything)
            rng.shuffle(order)
            size = rng.randint(1, settings.max_bootstrapped_demos) if settings.max_bootstrapped_demos else 0
            label = f"bootstrap, shuffled, up to {size} bootstrapped"
            sized = replace(settings, max_bootstrapped_demos=size)
            jobs.append(functools.partial(_bootstrapped, label, quiet, sized, order, calls, stage))
    threads = task.threads if may_build_ahead(task.lm) else 1
    sets: list[DemoSet] = []
    for demo_set in in_order(jobs, threads, gate):
        sets.append(demo_set)
        task.progress("demo sets", len(sets), n)
    return sets


def _bootstrapped(
    label: str, task: Task, settings: BootstrapSettings, order: Sequence[int], calls: CallCounter, stage: str
) -> DemoSet:
    """A demo set bootstrapped over the trainset rows in ``order``."""
    return DemoSet(label, _as_demos(*bootstrap(task, settings, order, calls, stage=stage)))


def _as_demos(
    params: Mapping[str, Params], origins: Mapping[str, tuple[DemoOrigin, ...]]
) -> dict[str, tuple[Demo, ...]]:
    return {
        path: tuple(Demo(dict(value), origin) for value, origin in zip(p.demos, origins[path], strict=True))
        for path, p in params.items()
    }


def _complete(task: Task, demos: Mapping[str, tuple[Demo, ...]]) -> dict[str, tuple[Demo, ...]]:
    """Every module's demos; an empty trainset samples none."""
    return {path: tuple(demos.get(path, ())) for path in task.program.module_paths}
