"""Enums, records, and each program's inputs and result, as pydantic models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Fact(BaseModel):
    subject: str = Field(
        description="who or what the statement is about, in a few words"
    )
    year: int | None = Field(
        default=None, description="the year the statement names, if it names one"
    )


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
