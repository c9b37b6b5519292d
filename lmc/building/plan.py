"""What ``lmc build`` will optimize, read from the checked file before any LM call.

One :class:`BlockPlan` per ``optimize`` block, with one :class:`StepPlan` per
optimizer of its chain (options checked, defaults filled in, the budget
options split off). The build runs the plans, ``--dry-run`` estimates their
LM calls, and the lock records them so that ``--frozen`` can say which
block or option no longer matches.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..ir import nodes as ir
from ..ir.values import options_dict, plain
from ..optimize import Optimizer, create_optimizer
from ..optimize.core.base import DEFAULT_MAX_ERRORS
from ..optimize.core.budget import Budget, split_budget
from ..records import record


@record
class StepPlan:
    """One optimizer of a chain: as written (``given``), built, and its budget."""

    name: str
    given: Mapping[str, Any]
    optimizer: Optimizer
    budget: Budget

    @property
    def options(self) -> dict[str, Any]:
        """Every option of the optimizer, defaults included (the budget is apart), as JSON values.

        ``adapters`` (lmc's, DSPy has none) is left out when unset, so a lock
        written before the option existed still matches its build.
        """
        found = {f.name: getattr(self.optimizer, f.name) for f in dataclasses.fields(self.optimizer)}
        if found.get("adapters", False) is None:
            del found["adapters"]
        return {k: list(v) if isinstance(v, tuple) else v for k, v in found.items()}

    def describe(self) -> str:
        """``Name { key: value, ... }`` with the options as written."""
        args = ", ".join(f"{k}: {v!r}" for k, v in self.given.items())
        return f"{self.name} {{ {args} }}" if args else self.name

    def to_json(self) -> dict[str, Any]:
        budget = {k: v for k, v in dataclasses.asdict(self.budget).items() if v is not None}
        return {"optimizer": self.name, "options": self.options, "budget": budget}


@record
class BlockPlan:
    """One ``optimize`` block: its program, data, metric, teacher, seed and optimizer chain."""

    program: str
    metric: str
    trainset: str
    valset: str | None
    teacher: str | None
    seed: int
    steps: tuple[StepPlan, ...]

    @property
    def scored_on(self) -> str:
        """The dataset candidates are scored on: the valset, else the trainset."""
        return self.valset or self.trainset

    @property
    def max_errors(self) -> int:
        """Failed runs that stop the block's scoring: the first ``max_errors`` its chain sets, else DSPy's 10."""
        given = [step.options.get("max_errors") for step in self.steps]
        return next((int(n) for n in given if n is not None), DEFAULT_MAX_ERRORS)

    def label(self) -> str:
        split = "valset" if self.valset else "trainset: no valset given"
        return f"{self.program} on {self.scored_on} ({split}, {self.metric})"

    def describe(self) -> str:
        return " -> ".join(step.describe() for step in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "metric": self.metric,
            "trainset": self.trainset,
            "valset": self.valset,
            "teacher": self.teacher,
            "seed": self.seed,
            "chain": [step.to_json() for step in self.steps],
        }


def plan_blocks(source: ir.SourceFile, seed: int | None = None) -> tuple[BlockPlan, ...]:
    """The plan of every ``optimize`` block; ``seed`` (``--seed``) replaces each block's.

    Raises ``OptionError`` for an optimizer or option the checks let through
    but the optimizer cannot take.
    """
    return tuple(_plan(decl, seed) for decl in source.of(ir.OptimizeDecl))


def _plan(decl: ir.OptimizeDecl, seed: int | None) -> BlockPlan:
    opts = decl.options

    def name(key: str) -> str | None:
        value = opts.get(key)
        return None if value is None else str(plain(value))

    given_seed = opts.get("seed")
    block_seed = seed if seed is not None else (plain(given_seed) if given_seed is not None else 0)
    return BlockPlan(
        program=decl.program.name,
        metric=name("metric") or "",
        trainset=name("trainset") or "",
        valset=name("valset"),
        teacher=name("teacher"),
        seed=block_seed,
        steps=tuple(_step(n, given) for n, given in optimizer_chain(opts.get("optimizer"))),
    )


def required(options: ir.Options, key: str) -> Any:
    """Option ``key`` as Python, of a block the checks made sure has it (an ``evaluate`` block's ``dataset``)."""
    value = options.get(key)
    if value is None:
        raise KeyError(f"the block has no option `{key}`")
    return plain(value)


def _step(name: str, given: dict[str, Any]) -> StepPlan:
    budget, own = split_budget(name, given)
    return StepPlan(name=name, given=given, optimizer=create_optimizer(name, own), budget=budget)


def optimizer_chain(value: ir.Value | None) -> list[tuple[str, dict[str, Any]]]:
    """``optimizer: A {..}`` or ``[A {..}, B]`` as (name, options) pairs; BootstrapFewShot when absent."""
    if value is None:
        return [("BootstrapFewShot", {})]
    items = value.items if isinstance(value, ir.ListValue) else (value,)
    chain = []
    for item in items:
        if isinstance(item, ir.CallValue):
            chain.append((item.name.name, options_dict(item.options)))
        else:
            chain.append((str(plain(item)), {}))
    return chain
