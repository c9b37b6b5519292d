"""The optimizers a ``.lmp`` file can name, with their option schemas.

The checker reads :data:`OPTIMIZERS` to validate ``optimizer:`` entries and
their option blocks; the driver calls :func:`create_optimizer` to build one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any

from . import bootstrap, calibrate, copro, ensemble, finetune, knn, labeled, mipro, random_search
from .base import Optimizer
from .budget import BUDGET_OPTIONS
from .options import OptionError, OptionSpec, resolve


@dataclass(frozen=True, slots=True)
class OptimizerInfo:
    name: str
    factory: type
    options: Mapping[str, OptionSpec]


def _info(cls: type, options: Mapping[str, OptionSpec]) -> OptimizerInfo:
    declared = {f.name for f in fields(cls)}
    assert declared == set(options), f"{cls.__name__}: fields and option schema differ"
    return OptimizerInfo(cls.name, cls, MappingProxyType(dict(options)))


OPTIMIZERS: Mapping[str, OptimizerInfo] = MappingProxyType(
    {
        info.name: info
        for info in (
            _info(labeled.LabeledFewShot, labeled.OPTIONS),
            _info(bootstrap.BootstrapFewShot, bootstrap.OPTIONS),
            _info(random_search.BootstrapFewShotWithRandomSearch, random_search.OPTIONS),
            _info(copro.COPRO, copro.OPTIONS),
            _info(mipro.MIPROv2, mipro.OPTIONS),
            _info(ensemble.Ensemble, ensemble.OPTIONS),
            _info(knn.KNNFewShot, knn.OPTIONS),
            _info(finetune.BootstrapFinetune, finetune.OPTIONS),
            _info(calibrate.Calibrate, calibrate.OPTIONS),
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
