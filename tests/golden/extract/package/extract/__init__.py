"""The `extract` package: language-model programs compiled by lmc."""

from . import programs
from ._runtime.lm import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS
from .types import Company, ExtractInputs, ExtractResult, Job, Seniority

CONFIG = PackageConfig(
    package="extract",
    default_model="local/smollm2",
    default_options={"temperature": 0.0, "max_tokens": 256},
)
configure = CONFIG.configure

extract = PackagedProgram(
    programs.extract, PARAMS, ExtractResult, ExtractInputs, CONFIG
)

PROGRAMS = {
    "extract": extract,
}

__all__ = [
    "LM",
    "PROGRAMS",
    "Company",
    "ExtractInputs",
    "ExtractResult",
    "Job",
    "Seniority",
    "configure",
    "extract",
]
