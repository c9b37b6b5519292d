"""The `qa` package: language-model programs compiled by lmc."""

from . import programs
from ._runtime.lm import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS
from .types import AskInputs, AskResult, CheckInputs, CheckResult, Fact

CONFIG = PackageConfig(
    package="qa",
    default_model="local/smollm2",
    default_options={"temperature": 0.0, "max_tokens": 128},
)
configure = CONFIG.configure

ask = PackagedProgram(programs.ask, PARAMS, AskResult, AskInputs, CONFIG)
check = PackagedProgram(programs.check, PARAMS, CheckResult, CheckInputs, CONFIG)

PROGRAMS = {
    "ask": ask,
    "check": check,
}

__all__ = [
    "LM",
    "PROGRAMS",
    "AskInputs",
    "AskResult",
    "CheckInputs",
    "CheckResult",
    "Fact",
    "ask",
    "check",
    "configure",
]
