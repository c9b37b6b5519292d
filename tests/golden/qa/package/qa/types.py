"""Enums, and records as pydantic models."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Fact(BaseModel):
    subject: str = Field(
        description="who or what the statement is about, in a few words"
    )
    year: int | None = Field(
        default=None, description="the year the statement names, if it names one"
    )
