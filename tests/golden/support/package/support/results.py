"""Each program's inputs and result, as pydantic models, loaded at first use."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .types import Route


class TriageInputs(BaseModel):
    """The inputs of the program `triage`."""

    model_config = ConfigDict(extra="forbid")

    email: str


class TriageResult(BaseModel):
    """The outputs of the program `triage`."""

    route: Route
    summary: str
