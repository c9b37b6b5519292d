"""Each program's inputs and result, as pydantic models, loaded at first use."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SolveInputs(BaseModel):
    """The inputs of the program `solve`."""

    model_config = ConfigDict(extra="forbid")

    question: str


class SolveResult(BaseModel):
    """The outputs of the program `solve`."""

    answer: int
