"""``Project.evaluate``'s result: a program scored on a dataset with a metric, row by row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..records import record


@record
class Row:
    """One row of the dataset: its inputs, the outputs (None when the run failed), the score, the failure.

    ``stage`` says where a failure was (``"program"``: the run; ``"metric"``:
    the metric raised; ``"score"``: the metric returned something that is not
    a score, shown in ``error``); ``raw`` is the LM's text when its answer did
    not parse. ``feedback`` is what the metric said besides the score, when it
    returned a score with feedback.
    """

    index: int
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any] | None
    score: float
    error: str | None = None
    stage: str = "program"
    raw: str | None = None
    feedback: str | None = None


@record
class Evaluation:
    """``score`` is the mean metric value in percent (DSPy's ``Evaluate``); failed rows score 0 and count."""

    program: str
    dataset: str
    metric: str
    score: float
    rows: tuple[Row, ...]

    @property
    def failed(self) -> int:
        return sum(r.error is not None for r in self.rows)
