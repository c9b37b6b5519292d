"""Each program's inputs and result, as pydantic models, loaded at first use."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .types import Sentiment


class ClassifyInputs(BaseModel):
    """The inputs of the program `classify`."""

    model_config = ConfigDict(extra="forbid")

    sentence: str


class ClassifyResult(BaseModel):
    """The outputs of the program `classify`."""

    sentiment: Sentiment
