"""Each program's inputs and result, as pydantic models, loaded at first use."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class MultihopInputs(BaseModel):
    """The inputs of the program `multihop`."""

    model_config = ConfigDict(extra="forbid")

    question: str


class MultihopResult(BaseModel):
    """The outputs of the program `multihop`."""

    answer: str


class LookupAnswerInputs(BaseModel):
    """The inputs of the program `lookup_answer`."""

    model_config = ConfigDict(extra="forbid")

    question: str
    title: str


class LookupAnswerResult(BaseModel):
    """The outputs of the program `lookup_answer`."""

    answer: str
