"""Each program's inputs and result, as pydantic models, loaded at first use."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .types import Team, Urgency


class TriageInputs(BaseModel):
    """The inputs of the program `triage`."""

    model_config = ConfigDict(extra="forbid")

    ticket: str


class TriageResult(BaseModel):
    """The outputs of the program `triage`."""

    team: Team
    urgency: Urgency
