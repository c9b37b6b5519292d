"""Enums, and records as pydantic models."""

from __future__ import annotations

import enum


class Route(str, enum.Enum):
    billing = "billing"
    tech = "tech"
    other = "other"
