"""The `multihop` package: language-model programs compiled by lmc."""

from . import programs
from ._runtime.lm import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS
from .types import (
    LookupAnswerInputs,
    LookupAnswerResult,
    MultihopInputs,
    MultihopResult,
)

CONFIG = PackageConfig(
    package="multihop",
    default_model="local/smollm2",
    default_options={"temperature": 0.0, "max_tokens": 200},
)
configure = CONFIG.configure

multihop = PackagedProgram(
    programs.multihop, PARAMS, MultihopResult, MultihopInputs, CONFIG
)
lookup_answer = PackagedProgram(
    programs.lookup_answer, PARAMS, LookupAnswerResult, LookupAnswerInputs, CONFIG
)

PROGRAMS = {
    "multihop": multihop,
    "lookup_answer": lookup_answer,
}

__all__ = [
    "LM",
    "PROGRAMS",
    "LookupAnswerInputs",
    "LookupAnswerResult",
    "MultihopInputs",
    "MultihopResult",
    "configure",
    "lookup_answer",
    "multihop",
]
