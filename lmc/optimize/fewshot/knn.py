"""KNNFewShot: per call, BootstrapFewShot over the k training examples nearest to the input.

DSPy's ``KNNFewShot(k, trainset, vectorizer, **bootstrap_args)`` compiles a
``BootstrapFewShot`` on the k nearest trainset examples at every call, with
live LM calls. An emitted package answers offline, so the bootstrapping is
done here, once: the teacher (``BootstrapFewShot``'s, with the same
starting and labeled demos) runs on every trainset example, and each
passing run's per-module demos are kept. The result is a
``runtime.knn.KnnTable`` on every module's parameters: the examples'
vectors (lmc's stdlib vectorizer, see ``runtime/knn.py``), their labeled
fields and their runs' demos. At each call, in the build's evaluations and
in the package alike, ``Program.run`` takes the k nearest examples and
chooses demos from them as BootstrapFewShot would have.

Differences from DSPy: each example is tried once, by a teacher whose
labeled demos are sampled from the whole trainset (DSPy's teacher samples
them from the k neighbours, which differ per call); a budget running out
leaves the examples not yet tried as failed ones (labeled demos only).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import ClassVar

from ...records import record
from ...runtime.knn import KnnRow, KnnTable, example_text, idf_of, vector_text, vectorize
from ..core.base import BudgetStop, CallCounter, CallEstimate, OptimizeResult, Task, TaskSizes
from ..core.options import OptionError
from .bootstrap import BootstrapSettings, _Session, _teacher_params

logger = logging.getLogger(__name__)


@record
class KNNFewShot:
    name: ClassVar[str] = "KNNFewShot"
    k: int
    max_bootstrapped_demos: int = 4
    max_labeled_demos: int = 16

    def __post_init__(self) -> None:
        if self.k is None:
            raise OptionError("KNNFewShot needs the option `k` (the nearest trainset examples per call)")

    def compile(self, task: Task) -> OptimizeResult:
        calls = CallCounter()
        start = task.start_params()
        order = range(len(task.trainset))
        settings = BootstrapSettings(
            max_bootstrapped_demos=self.max_bootstrapped_demos,
            max_labeled_demos=self.max_labeled_demos,
            max_rounds=1,
            max_errors=None,
            metric_threshold=None,
        )
        session = _Session(task, settings, _teacher_params(task, start, order, self.max_labeled_demos), calls)
        passed: set[int] = set()
        stop = BudgetStop()
        with stop.catching(self.name):
            if self.max_bootstrapped_demos:  # no bootstrapped demo wanted: no teacher run either
                for index in order:
                    if session.attempt(index, 0):
                        passed.add(index)
                    task.progress("KNNFewShot teacher runs", index + 1, len(task.trainset))
        table = self._table(task, passed, session)
        logger.info("KNNFewShot: %d of %d trainset examples passed", len(passed), len(task.trainset))
        params = {path: replace(p, demos=(), members=(), knn=table) for path, p in start.items()}
        return OptimizeResult(
            params=params, origins={path: () for path in params}, lm_calls=calls.count, stopped=stop.reason
        )

    def _table(self, task: Task, passed: set[int], session: _Session) -> KnnTable:
        keys = tuple(f.name for f in task.program.inputs)
        texts = [example_text(keys, example.inputs()) for example in task.trainset]
        idf = idf_of(texts)
        demos: dict[int, dict[str, dict]] = {}
        for path, found in session.traces.items():
            for demo in found:
                demos.setdefault(demo.origin.index, {})[path] = dict(demo.value)
        rows = tuple(
            KnnRow(
                vector_text(vectorize(text, idf)), dict(example), i in passed, demos.get(i, {}) if i in passed else {}
            )
            for i, (text, example) in enumerate(zip(texts, task.trainset, strict=True))
        )
        return KnnTable(
            k=self.k,
            max_bootstrapped_demos=self.max_bootstrapped_demos,
            max_labeled_demos=self.max_labeled_demos,
            seed=task.seed,
            keys=keys,
            paths=tuple(task.program.module_paths),
            idf=idf,
            rows=rows,
        )

    def estimate_calls(self, sizes: TaskSizes) -> CallEstimate:
        """One teacher run per trainset example (none when no bootstrapped demo is wanted)."""
        runs = sizes.trainset if self.max_bootstrapped_demos else 0
        return CallEstimate(runs * sizes.run_calls)
