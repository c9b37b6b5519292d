"""Ensembles: a program run once per member parameter set, its outputs reduced by majority.

``Ensemble`` (the optimizer) leaves each module's ``Params`` with
``members``: the module's parameters in each member. ``Program.run`` asks
:func:`member_params` for the members' full parameter sets and, when there
are some, runs the program once per member, in member order (so the LM calls
are made in a fixed order and a recorded run replays), and reduces the runs
with :func:`majority`. The build's evaluations and the emitted package go
through this same code.

``majority`` is DSPy's (``dspy/predict/aggregation.py``): a value's key is its
normalized text (lowercased, without punctuation or articles, whitespace
collapsed; records and lists as canonical JSON), an empty key does not vote
unless no value has another, the most common key wins and ties go to the
member that came first; the winning member's own value is returned. DSPy votes
on a prediction's last output field and returns that completion whole; a
program here has typed output fields of its own, so each field is voted on
separately.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .metrics import as_text, normalize_text
from .signature import Params

__all__ = ["majority", "member_params"]


def member_params(params: Mapping[str, Params]) -> list[dict[str, Params]] | None:
    """Each member's parameters for every module, or None when ``params`` is no ensemble.

    A module without members keeps its own parameters in every member.
    Modules with members must all have the same number of them.
    """
    sizes = {len(p.members) for p in params.values() if p.members}
    if not sizes:
        return None
    if len(sizes) > 1:
        raise ValueError(f"ensemble modules disagree on the number of members: {sorted(sizes)}")
    (size,) = sizes
    return [{path: p.members[i] if p.members else p for path, p in params.items()} for i in range(size)]


def _key(value: Any) -> str | None:
    return normalize_text(as_text(value)) or None


def majority(outputs: Sequence[Mapping[str, Any]], names: Sequence[str]) -> dict[str, Any]:
    """Each field ``names`` lists, voted on across ``outputs`` (one mapping per member, in order)."""
    if not outputs:
        raise ValueError("majority of no outputs")
    reduced: dict[str, Any] = {}
    for name in names:
        values = [out[name] for out in outputs]
        keys = [_key(v) for v in values]
        voting = [k for k in keys if k is not None] or keys
        counts: dict[str | None, int] = {}
        for key in voting:
            counts[key] = counts.get(key, 0) + 1
        winner = max(counts, key=counts.__getitem__)  # the first key seen among the most common
        reduced[name] = values[keys.index(winner)]
    return reduced
