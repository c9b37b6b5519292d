"""The optimizers a ``.lmp`` file can name, each with the option specs ``create_optimizer`` applies.

The specs are derived from the optimizers' table, ``schemas.OWN_OPTIONS``,
which the checker validates option blocks against too; each optimizer's
dataclass fields must be its table's keys. The driver calls
:func:`create_optimizer` to build one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any

from ..schemas.optimizers import OWN_OPTIONS
from . import calibrate, copro, ensemble, finetune, gepa, simba
from .core.base import Optimizer
from .core.budget import BUDGET_OPTIONS
from .core.options import OptionError, OptionSpec, resolve
from .fewshot import bootstrap, knn, labeled, random_search
from .mipro import optimizer as mipro


@dataclass(frozen=True, slots=True)
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


OPTIMIZERS: Mapping[str, OptimizerInfo] = MappingProxyType(
    {
        info.name: info
        for info in (
            _info(labeled.LabeledFewShot),
            _info(bootstrap.BootstrapFewShot),
            _info(random_search.BootstrapFewShotWithRandomSearch),
            _info(copro.COPRO),
            _info(mipro.MIPROv2),
            _info(ensemble.Ensemble),
            _info(knn.KNNFewShot),
            _info(finetune.BootstrapFinetune),
            _info(calibrate.Calibrate),
            _info(simba.SIMBA),
            _info(gepa.GEPA),
        )
    }
)


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
