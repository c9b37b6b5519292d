"""The optimizers a ``.lmp`` file can name, each with the option specs ``create_optimizer`` applies.

The specs are derived from the optimizers' table, ``schemas.OWN_OPTIONS``,
which the checker validates option blocks against too; each optimizer's
dataclass fields must be its table's keys. The driver calls
:func:`create_optimizer` to build one.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import fields
from types import MappingProxyType
from typing import Any

from ..records import record
from ..schemas.optimizers import OWN_OPTIONS
from .core.base import Optimizer
from .core.budget import BUDGET_OPTIONS
from .core.options import OptionError, OptionSpec, resolve

# Each optimizer's module (under ``lmc.optimize``; the class is named after the optimizer), in the order
# ``lmc`` lists them. A module is imported when its optimizer is first asked for: a build imports only the
# ones it runs.
_HOMES: Mapping[str, str] = MappingProxyType(
    {
        "LabeledFewShot": "fewshot.labeled",
        "BootstrapFewShot": "fewshot.bootstrap",
        "BootstrapFewShotWithRandomSearch": "fewshot.random_search",
        "COPRO": "copro",
        "MIPROv2": "mipro.optimizer",
        "Ensemble": "ensemble",
        "KNNFewShot": "fewshot.knn",
        "BootstrapFinetune": "finetune",
        "Calibrate": "calibrate",
        "SIMBA": "simba",
        "GEPA": "gepa",
    }
)


@record
class OptimizerInfo:
    name: str
    factory: Callable[..., Optimizer]
    options: Mapping[str, OptionSpec]


def _info(cls: type[Optimizer]) -> OptimizerInfo:
    """``cls`` with its table's options, in the order of its fields (DSPy's constructor order)."""
    specs = {spec.name: spec for spec in OWN_OPTIONS[cls.name].options}
    declared = [f.name for f in fields(cls)]
    assert set(declared) == set(specs), f"{cls.__name__}: fields and option schema differ"
    options = {name: OptionSpec.from_schema(specs[name]) for name in declared}
    return OptimizerInfo(cls.name, cls, MappingProxyType(options))


@functools.cache
def _load(name: str) -> OptimizerInfo:
    cls: type[Optimizer] = getattr(importlib.import_module(f"{__package__}.{_HOMES[name]}"), name)
    assert cls.name == name, (cls, name)
    return _info(cls)


class _Registry(Mapping[str, OptimizerInfo]):
    """Every optimizer by name; an optimizer's module is imported when its entry is first read."""

    def __getitem__(self, name: str) -> OptimizerInfo:
        if name not in _HOMES:
            raise KeyError(name)
        return _load(name)

    def __iter__(self) -> Iterator[str]:
        return iter(_HOMES)

    def __len__(self) -> int:
        return len(_HOMES)

    def __contains__(self, name: object) -> bool:
        return name in _HOMES


OPTIMIZERS: Mapping[str, OptimizerInfo] = _Registry()


def create_optimizer(name: str, options: Mapping[str, Any] | None = None) -> Optimizer:
    """Build optimizer ``name`` with ``options`` (checked; missing ones take DSPy's defaults).

    The budget options every optimizer accepts (``max_lm_calls``,
    ``max_cost_usd``) are left out: the build enforces them on the task's
    LMs (``budget.split_budget``), so no optimizer has them as fields.
    Raises :class:`OptionError` for an unknown optimizer or a bad option.
    """
    info = OPTIMIZERS.get(name)
    if info is None:
        raise OptionError(f"unknown optimizer `{name}` (known: {', '.join(OPTIMIZERS)})")
    own = {k: v for k, v in (options or {}).items() if k not in BUDGET_OPTIONS}
    return info.factory(**resolve(name, info.options, own))
