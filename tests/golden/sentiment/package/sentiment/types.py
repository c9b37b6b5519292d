"""Enums, and records as pydantic models."""

from __future__ import annotations

import enum


class Sentiment(str, enum.Enum):
    positive = "positive"
    negative = "negative"
