"""What a build tells the emitted package about itself: provenance and parity cases.

Plain frozen values, filled in by the driver after optimizing; codegen only
writes them out. Nothing here holds a timestamp or an absolute path, so
rebuilding with the same inputs gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..records import record


@record
class ScoreRow:
    """One row of the README's scores table: a split's score before and after optimizing."""

    split: str  # its label, naming the program, the split and the metric: "classify on dev (valset, accuracy)"
    baseline: float | None = None
    optimized: float | None = None


@record
class BuildInfo:
    """Provenance shown in the package's README.

    ``lm`` is the model id the build ran with; it also becomes the package's
    default model (``lm default``, or ``--lm`` when it replaced it).
    """

    lmc_version: str
    source_name: str  # the .lmp file name, never its absolute path
    source_sha256: str
    lm: str | None = None
    optimizer: str | None = None  # a one-line description, e.g. "BootstrapFewShot (max_labeled_demos=4)"
    scores: tuple[ScoreRow, ...] = ()
    lm_calls: int | None = None
    seed: int | None = None


Message = Mapping[str, Any]


# One recorded request: messages, response, and the LM's changes when it went to a changed LM.
ParityCall = (
    tuple[Sequence[Message], str | Mapping[str, Any]]
    | tuple[Sequence[Message], str | Mapping[str, Any], Mapping[str, Any]]
)


@record
class ParityCase:
    """One recorded program run: the package's parity test replays it.

    ``calls`` holds each LM request of the run in order, as the exact
    ``messages`` sent and the ``response`` text the LM gave; for a
    choice-scored request the response is ``{"text": ..., "logprobs": ...}``
    (``runtime/choices.py``'s token JSON). A request made through a changed
    LM (a module on another lm, at its own temperature, with a response
    format: ``LM.replace``) has a third item, those changes (``"lm"``).
    """

    program: str
    inputs: Mapping[str, Any]
    calls: tuple[ParityCall, ...]

    def to_json(self) -> dict[str, Any]:
        return {"program": self.program, "inputs": dict(self.inputs), "calls": [_call_json(c) for c in self.calls]}


def _call_json(call: ParityCall) -> dict[str, Any]:
    data: dict[str, Any] = {"messages": [dict(m) for m in call[0]], "response": call[1]}
    if len(call) > 2:
        data["lm"] = dict(call[2])
    return data
