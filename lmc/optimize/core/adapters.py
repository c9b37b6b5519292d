"""The ``adapters:`` option of a search (MIPROv2, BootstrapFewShotWithRandomSearch): a prompt format per module.

Each module whose adapter the file does not fix (``adapter:`` in its
declaration) may get any adapter of the list, one per candidate; the chosen
one is the candidate's ``Params.adapter``, so the winner's is learned like
its demos (the lock, ``params.py``, the parity test). A module's starting
adapter (``chat`` unless an earlier optimizer chose) comes first in its
choices when it is listed, so the first choice is the starting program.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import replace

from ...runtime.signature import Params
from .base import Task

__all__ = ["adapter_choices", "draw_adapters", "with_adapters"]


def adapter_choices(task: Task, adapters: Sequence[str] | None) -> dict[str, tuple[str, ...]]:
    """The adapters each searchable module path may get, its starting one first when listed; {} without the option."""
    if not adapters:
        return {}
    listed = tuple(dict.fromkeys(adapters))
    start = task.start_params()
    found: dict[str, tuple[str, ...]] = {}
    for path in task.program.module_paths:
        if task.program.modules[path].adapter is not None:  # the file fixes it
            continue
        first = start[path].adapter
        found[path] = (first, *(a for a in listed if a != first)) if first in listed else listed
    return found


def draw_adapters(choices: Mapping[str, Sequence[str]], seed: int) -> dict[str, str]:
    """One adapter per module, drawn from its choices by a generator of its own for this seed."""
    rng = random.Random(f"adapters {seed}")
    return {path: rng.choice(list(options)) for path, options in choices.items()}


def with_adapters(params: Mapping[str, Params], chosen: Mapping[str, str]) -> dict[str, Params]:
    """``params`` with each chosen module's adapter."""
    return {path: replace(p, adapter=chosen[path]) if path in chosen else p for path, p in params.items()}
