"""Optimizers: new module parameters (instructions, demos) from a program, data and a metric.

The names below load at first use (PEP 562): importing a submodule that
needs none of them (``lmc.optimize.sizes``, which the checker reads) does not
import the optimizers, the runtime or optuna.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import Candidate, Demo, DemoOrigin, Optimizer, OptimizeResult, Task
    from .bootstrap import BootstrapFewShot
    from .copro import COPRO
    from .labeled import LabeledFewShot
    from .mipro import MIPROv2
    from .options import OptionError, OptionSpec
    from .random_search import BootstrapFewShotWithRandomSearch
    from .registry import OPTIMIZERS, OptimizerInfo, create_optimizer

# Each public name and the submodule that defines it.
_HOMES = {
    "Candidate": "base",
    "Demo": "base",
    "DemoOrigin": "base",
    "Optimizer": "base",
    "OptimizeResult": "base",
    "Task": "base",
    "BootstrapFewShot": "bootstrap",
    "COPRO": "copro",
    "LabeledFewShot": "labeled",
    "MIPROv2": "mipro",
    "OptionError": "options",
    "OptionSpec": "options",
    "BootstrapFewShotWithRandomSearch": "random_search",
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
    "LabeledFewShot",
    "MIPROv2",
    "OptimizeResult",
    "Optimizer",
    "OptimizerInfo",
    "OptionError",
    "OptionSpec",
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
