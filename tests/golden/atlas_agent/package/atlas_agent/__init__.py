"""The `atlas_agent` package: language-model programs compiled by lmc."""

from . import programs
from ._runtime.lm import LM
from ._runtime.package import PackageConfig, PackagedProgram
from .params import PARAMS
from .types import AtlasInputs, AtlasResult

CONFIG = PackageConfig(
    package="atlas_agent",
    default_model="local/smollm2",
    default_options={
        "temperature": 0.0,
        "max_tokens": 200,
        "stop": ["[[ ## completed ## ]]"],
    },
)
configure = CONFIG.configure

atlas = PackagedProgram(programs.atlas, PARAMS, AtlasResult, AtlasInputs, CONFIG)

PROGRAMS = {
    "atlas": atlas,
}

__all__ = ["LM", "PROGRAMS", "AtlasInputs", "AtlasResult", "atlas", "configure"]
