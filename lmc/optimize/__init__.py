"""Optimizers: new module parameters (instructions, demos) from a program, data and a metric.

The names below load at first use (PEP 562): importing a submodule that
needs none of them (``lmc.optimize.sizes``, which the checker reads) does not
import the optimizers, the runtime or optuna.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .copro import COPRO
    from .core.base import Candidate, Demo, DemoOrigin, Optimizer, OptimizeResult, Task
    from .core.options import OptionError, OptionSpec
    from .fewshot.bootstrap import BootstrapFewShot
    from .fewshot.labeled import LabeledFewShot
    from .fewshot.random_search import BootstrapFewShotWithRandomSearch
    from .gepa import GEPA
    from .mipro.optimizer import MIPROv2
    from .registry import OPTIMIZERS, OptimizerInfo, create_optimizer
    from .simba import SIMBA

# Each public name and the submodule that defines it.
_HOMES = {
    "Candidate": "core.base",
    "Demo": "core.base",
    "DemoOrigin": "core.base",
    "Optimizer": "core.base",
    "OptimizeResult": "core.base",
    "Task": "core.base",
    "BootstrapFewShot": "fewshot.bootstrap",
    "COPRO": "copro",
    "GEPA": "gepa",
    "LabeledFewShot": "fewshot.labeled",
    "MIPROv2": "mipro.optimizer",
    "OptionError": "core.options",
    "OptionSpec": "core.options",
    "BootstrapFewShotWithRandomSearch": "fewshot.random_search",
    "SIMBA": "simba",
    "OPTIMIZERS": "registry",
    "OptimizerInfo": "registry",
    "create_optimizer": "registry",
}

__all__ = [
    "COPRO",
    "OPTIMIZERS",
    "BootstrapFewShot",
    "BootstrapFewShotWithRandomSearch",
    "Candidate",
    "Demo",
    "DemoOrigin",
    "GEPA",
    "LabeledFewShot",
    "MIPROv2",
    "OptimizeResult",
    "Optimizer",
    "OptimizerInfo",
    "OptionError",
    "OptionSpec",
    "SIMBA",
    "Task",
    "create_optimizer",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
