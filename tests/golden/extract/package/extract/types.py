"""Enums, and records as pydantic models."""

from __future__ import annotations

import enum

from pydantic import BaseModel, Field


class Seniority(str, enum.Enum):
    """How experienced the person hired must be."""

    junior = "junior"
    mid = "mid"
    senior = "senior"


class Company(BaseModel):
    name: str = Field(description="the employer's name, as written")
    city: str | None = Field(
        default=None, description="where the job is, if the text says"
    )


class Job(BaseModel):
    """A job advertisement as structured data."""

    title: str = Field(description="the job title, as written")
    company: Company
    seniority: Seniority
    skills: list[str] = Field(
        description="the skills the advertisement asks for, lowercase"
    )
    salary: int | None = Field(
        default=None, description="the yearly salary in euros, if the text gives one"
    )
