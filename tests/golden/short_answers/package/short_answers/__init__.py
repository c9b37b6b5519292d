"""The `short_answers` package: language-model programs compiled by lmc."""

from . import programs
from ._runtime.lm import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS
from .types import (
    BestOfInputs,
    BestOfResult,
    ComparedInputs,
    ComparedResult,
    RefinedInputs,
    RefinedResult,
)

CONFIG = PackageConfig(
    package="short_answers",
    default_model="local/smollm2",
    default_options={
        "temperature": 0.0,
        "max_tokens": 160,
        "stop": ["[[ ## completed ## ]]"],
    },
)
configure = CONFIG.configure

best_of = PackagedProgram(programs.best_of, PARAMS, BestOfResult, BestOfInputs, CONFIG)
refined = PackagedProgram(
    programs.refined, PARAMS, RefinedResult, RefinedInputs, CONFIG
)
compared = PackagedProgram(
    programs.compared, PARAMS, ComparedResult, ComparedInputs, CONFIG
)

PROGRAMS = {
    "best_of": best_of,
    "refined": refined,
    "compared": compared,
}

__all__ = [
    "LM",
    "PROGRAMS",
    "BestOfInputs",
    "BestOfResult",
    "ComparedInputs",
    "ComparedResult",
    "RefinedInputs",
    "RefinedResult",
    "best_of",
    "compared",
    "configure",
    "refined",
]
