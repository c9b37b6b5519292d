"""LabeledFewShot: every module gets ``k`` raw labeled demos sampled from the trainset.

DSPy samples with ``random.Random(0)``; here the generator is
``random.Random(task.seed)``, so seed 0 picks exactly DSPy's demos. One
generator serves the modules in order, so two modules get different samples.
No LM call is made and nothing is scored, so no budget can run out.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from typing import ClassVar

from ...records import record
from ..core.base import CallEstimate, Demo, OptimizeResult, Task, TaskSizes, labeled_demo, with_demos

logger = logging.getLogger(__name__)


def sample_labeled(task: Task, order: Sequence[int], k: int, rng: random.Random) -> dict[str, list[Demo]]:
    """``min(k, len(order))`` labeled demos per module, drawn from ``order`` (trainset indices).

    ``random.sample`` picks positions from the population's length alone, so
    sampling indices picks the same examples DSPy picks from the examples.
    """
    if not order:
        return {}
    return {
        path: [labeled_demo(task.trainset, i) for i in rng.sample(list(order), min(k, len(order)))]
        for path in task.program.module_paths
    }


@record
class LabeledFewShot:
    name: ClassVar[str] = "LabeledFewShot"
    k: int = 16

    def compile(self, task: Task) -> OptimizeResult:
        demos = sample_labeled(task, range(len(task.trainset)), self.k, random.Random(task.seed))
        params, origins = with_demos(task.start_params(), demos)
        logger.info("LabeledFewShot: %d labeled demos per module", min(self.k, len(task.trainset)))
        return OptimizeResult(params=params, origins=origins)

    def estimate_calls(self, sizes: TaskSizes) -> CallEstimate:
        return CallEstimate(0)
