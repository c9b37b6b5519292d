"""Ensemble: the previous optimizer's best candidates, run together and reduced by majority.

DSPy's ``Ensemble(reduce_fn=dspy.majority, size=N).compile(programs)`` makes
one program that calls each of the given programs and reduces their outputs.
In a ``.lmp`` chain the programs are the scored candidates of the optimizer
before it (``[BootstrapFewShotWithRandomSearch {...}, Ensemble { size: 3 }]``):
the ``size`` best by score (all of them when ``size`` is none), ties in the
order they were scored. DSPy samples ``size`` of the programs it is given at
random; given a search's candidates, the best ones are what the chain means.

The result is one parameter set per module whose ``members`` hold each
member's parameters (the first member's instructions and demos stand for the
module in reports); ``Program.run`` runs such parameters once per member and
reduces with ``runtime/ensemble.majority``, in the build and in the emitted
package alike. No LM call is made here; the build scores the ensemble after
the chain.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import ClassVar

from ..records import record
from ..runtime.signature import Params
from .core.base import CallEstimate, Candidate, OptimizeResult, Task, TaskSizes
from .core.options import OptionError

logger = logging.getLogger(__name__)

REDUCE_FUNCTIONS = ("majority",)


@record
class Ensemble:
    name: ClassVar[str] = "Ensemble"
    reduce_fn: str = "majority"
    size: int | None = None

    def __post_init__(self) -> None:
        if self.reduce_fn not in REDUCE_FUNCTIONS:
            raise OptionError(f"Ensemble option `reduce_fn`: must be one of {', '.join(REDUCE_FUNCTIONS)}")

    def compile(self, task: Task) -> OptimizeResult:
        chosen = self.members(task.candidates)
        start = task.start_params()
        sets = [c.params for c in chosen if c.params is not None]  # every one: members() keeps those with params
        params = {path: replace(sets[0][path], members=tuple(_plain(p[path]) for p in sets)) for path in start}
        first_origins = chosen[0].origins or {}
        origins = {path: tuple(first_origins.get(path, ())) for path in start}
        logger.info(
            "Ensemble of %d candidates: %s", len(chosen), ", ".join(f"{c.label} ({c.score:.1f})" for c in chosen)
        )
        return OptimizeResult(params=params, origins=origins)

    def members(self, candidates: tuple[Candidate, ...]) -> list[Candidate]:
        """The best ``size`` candidates that carry their parameters, best first (ties: scored first)."""
        usable = [c for c in candidates if c.params is not None]
        if not usable:
            raise OptionError(
                "Ensemble needs the scored candidates of the optimizer before it in the chain, "
                "e.g. `optimizer: [BootstrapFewShotWithRandomSearch, Ensemble { size: 3 }]`"
            )
        ranked = sorted(usable, key=lambda c: -c.score)  # stable: equal scores keep their order
        return ranked[: self.size] if self.size is not None else ranked

    def estimate_calls(self, sizes: TaskSizes) -> CallEstimate:
        return CallEstimate(0)


def _plain(params: Params) -> Params:
    """A member's parameters without members of their own (an ensemble is never nested)."""
    return replace(params, members=())
