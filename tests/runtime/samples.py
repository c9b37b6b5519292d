"""Signatures and types the runtime tests share, written as generated code would write them."""

from __future__ import annotations

import enum
from typing import Literal

import pydantic

from lmc.runtime.signature import Field, Signature, default_instructions


class Sentiment(str, enum.Enum):
    positive = "positive"
    negative = "negative"
    neutral = "neutral"


class Citation(pydantic.BaseModel):
    title: str = pydantic.Field(description="the document title")
    year: int | None


def signature(name: str, inputs: tuple[Field, ...], outputs: tuple[Field, ...], instructions: str = "") -> Signature:
    return Signature(name, instructions or default_instructions(inputs, outputs), inputs, outputs)


QA = signature("QA", (Field("question"),), (Field("answer"),))

REVIEW = signature(
    "Review",
    (
        Field("review", str, "one review of a film"),
        Field("aspects", list[str], "what to look at"),
    ),
    (
        Field("stars", int, "from 1 to 5"),
        Field("confidence", float, "between 0 and 1"),
        Field("keywords", list[str]),
        Field("sentiment", Sentiment),
        Field("source", Citation, "where the review was published"),
    ),
    instructions="Judge a film review.\n\nBe strict:\n  quote only what the review says.",
)

YES_NO = signature(
    "YesNo",
    (Field("claim", str), Field("evidence", str, "passages that may support the claim")),
    (Field("verdict", Literal["yes", "no"], "does the evidence support the claim?"),),
)
