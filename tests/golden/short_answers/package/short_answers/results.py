"""Each program's inputs and result, as pydantic models, loaded at first use."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class BestOfInputs(BaseModel):
    """The inputs of the program `best_of`."""

    model_config = ConfigDict(extra="forbid")

    country: str


class BestOfResult(BaseModel):
    """The outputs of the program `best_of`."""

    capital: str


class RefinedInputs(BaseModel):
    """The inputs of the program `refined`."""

    model_config = ConfigDict(extra="forbid")

    country: str


class RefinedResult(BaseModel):
    """The outputs of the program `refined`."""

    capital: str


class ComparedInputs(BaseModel):
    """The inputs of the program `compared`."""

    model_config = ConfigDict(extra="forbid")

    country: str


class ComparedResult(BaseModel):
    """The outputs of the program `compared`."""

    capital: str
