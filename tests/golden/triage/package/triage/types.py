"""Enums, and records as pydantic models."""

from __future__ import annotations

import enum


class Team(str, enum.Enum):
    billing = "billing"
    shipping = "shipping"
    account = "account"
    technical = "technical"


class Urgency(str, enum.Enum):
    low = "low"
    high = "high"
