"""The `word_problems` package: language-model programs compiled by lmc."""

from . import programs
from ._runtime.lm import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS
from .types import SolveInputs, SolveResult

CONFIG = PackageConfig(
    package="word_problems",
    default_model="local/smollm2",
    default_options={
        "temperature": 0.0,
        "max_tokens": 256,
        "stop": ["[[ ## completed ## ]]"],
    },
)
configure = CONFIG.configure

solve = PackagedProgram(programs.solve, PARAMS, SolveResult, SolveInputs, CONFIG)

PROGRAMS = {
    "solve": solve,
}

__all__ = ["LM", "PROGRAMS", "SolveInputs", "SolveResult", "configure", "solve"]
