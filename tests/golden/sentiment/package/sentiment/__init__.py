"""The `sentiment` package: language-model programs compiled by lmc."""

from . import programs
from ._runtime.lm import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS
from .types import ClassifyInputs, ClassifyResult, Sentiment

CONFIG = PackageConfig(
    package="sentiment",
    default_model="local/smollm2",
    default_options={
        "temperature": 0.0,
        "max_tokens": 32,
        "stop": ["[[ ## completed ## ]]"],
    },
)
configure = CONFIG.configure

classify = PackagedProgram(
    programs.classify, PARAMS, ClassifyResult, ClassifyInputs, CONFIG
)

PROGRAMS = {
    "classify": classify,
}

__all__ = [
    "LM",
    "PROGRAMS",
    "ClassifyInputs",
    "ClassifyResult",
    "Sentiment",
    "classify",
    "configure",
]
