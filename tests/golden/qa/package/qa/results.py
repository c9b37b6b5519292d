"""Each program's inputs and result, as pydantic models, loaded at first use."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from .types import Fact


class AskInputs(BaseModel):
    """The inputs of the program `ask`."""

    model_config = ConfigDict(extra="forbid")

    question: str


class AskResult(BaseModel):
    """The outputs of the program `ask`."""

    answer: str


class CheckInputs(BaseModel):
    """The inputs of the program `check`."""

    model_config = ConfigDict(extra="forbid")

    statement: str


class CheckResult(BaseModel):
    """The outputs of the program `check`."""

    verdict: Literal["true", "false", "unsure"]
    fact: Fact
