"""Each program's inputs and result, as pydantic models, loaded at first use."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .types import Job


class ExtractInputs(BaseModel):
    """The inputs of the program `extract`."""

    model_config = ConfigDict(extra="forbid")

    text: str


class ExtractResult(BaseModel):
    """The outputs of the program `extract`."""

    job: Job
