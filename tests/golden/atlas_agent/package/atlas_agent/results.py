"""Each program's inputs and result, as pydantic models, loaded at first use."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class AtlasInputs(BaseModel):
    """The inputs of the program `atlas`."""

    model_config = ConfigDict(extra="forbid")

    question: str


class AtlasResult(BaseModel):
    """The outputs of the program `atlas`."""

    answer: str
