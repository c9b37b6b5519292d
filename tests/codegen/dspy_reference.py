"""Writes ``golden/dspy_typed.json``: the messages DSPy itself formats for the typed signature of
``test_types.py``, which the test compares byte for byte with what lmc's emitted package sends.

Not a test: it needs DSPy, which lmc does not depend on. Regenerate with a DSPy install::

    python -m venv /tmp/dspy && /tmp/dspy/bin/pip install dspy==3.4.1
    /tmp/dspy/bin/python tests/codegen/dspy_reference.py

The classes below are what a DSPy user writes for the ``.lmp`` declarations in
``test_types.TYPED_SOURCE``; nothing here comes from lmc.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Literal, Optional

import dspy
from pydantic import BaseModel, Field
from typed_values import DEMOS, INPUTS  # the shared values, beside this file


class Priority(str, enum.Enum):
    """How urgent the ticket is."""

    low = "low"
    medium = "medium"
    high = "high"


class Contact(BaseModel):
    name: str = Field(description="full name")
    email: Optional[str] = None  # noqa: UP045 - spelled as a DSPy user would


class Ticket(BaseModel):
    """A support ticket extracted from an email."""

    title: str = Field(description="a short summary")
    priority: Priority
    reporter: Contact
    cc: list[Contact]
    labels: dict[str, int]
    channel: Literal["email", "phone"]
    due: int | None = None


class Triage(dspy.Signature):
    """Triage a support email.

    Be brief."""

    email: str = dspy.InputField(desc="the raw email")
    history: list[Ticket] = dspy.InputField(desc="earlier tickets of this customer")
    hint: Optional[Priority] = dspy.InputField()  # noqa: UP045
    ticket: Ticket = dspy.OutputField()
    tags: list[str] = dspy.OutputField()
    urgent: bool = dspy.OutputField()
    score: float = dspy.OutputField(desc="between 0 and 1")
    route: Literal["billing", "tech", "other"] = dspy.OutputField()
    notes: str | None = dspy.OutputField()


def main() -> None:
    inputs = {
        "email": INPUTS["email"],
        "history": [Ticket.model_validate(t) for t in INPUTS["history"]],
        "hint": Priority(INPUTS["hint"]),
    }
    out = {
        "dspy_version": dspy.__version__,
        "chat": dspy.ChatAdapter().format(Triage, DEMOS, inputs),
        "json": dspy.JSONAdapter().format(Triage, DEMOS, inputs),
    }
    path = Path(__file__).parent / "golden" / "dspy_typed.json"
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
