"""The optimizers a ``.lmp`` file can name, with their option schemas.

The checker reads :data:`OPTIMIZERS` to validate ``optimizer:`` entries and
their option blocks; the driver calls :func:`create_optimizer` to build one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any

from . import bootstrap, labeled, random_search
from .base import Optimizer
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
        )
    }
)


def create_optimizer(name: str, options: Mapping[str, Any] | None = None) -> Optimizer:
    """Build optimizer ``name`` with ``options`` (checked; missing ones take DSPy's defaults).

    Raises :class:`OptionError` for an unknown optimizer or a bad option.
    """
    info = OPTIMIZERS.get(name)
    if info is None:
        raise OptionError(f"unknown optimizer `{name}` (known: {', '.join(OPTIMIZERS)})")
    return info.factory(**resolve(name, info.options, options or {}))
