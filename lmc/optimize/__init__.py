"""Optimizers: new module parameters (instructions, demos) from a program, data and a metric."""

from .base import Candidate, Demo, DemoOrigin, Optimizer, OptimizeResult, Task
from .bootstrap import BootstrapFewShot
from .copro import COPRO
from .labeled import LabeledFewShot
from .mipro import MIPROv2
from .options import OptionError, OptionSpec
from .random_search import BootstrapFewShotWithRandomSearch
from .registry import OPTIMIZERS, OptimizerInfo, create_optimizer

__all__ = [
    "OPTIMIZERS",
    "BootstrapFewShot",
    "BootstrapFewShotWithRandomSearch",
    "COPRO",
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
