"""Enums, records, and each program's inputs and result, as pydantic models."""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict


class Sentiment(str, enum.Enum):
    positive = "positive"
    negative = "negative"


class ClassifyInputs(BaseModel):
    """The inputs of the program `classify`."""

    model_config = ConfigDict(extra="forbid")

    sentence: str


class ClassifyResult(BaseModel):
    """The outputs of the program `classify`."""

    sentiment: Sentiment
