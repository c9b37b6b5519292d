"""Demos and inputs of the typed-signature parity test, shared with ``dspy_reference.py`` (plain JSON values)."""

from __future__ import annotations

TICKET = {
    "title": "Refund not received",
    "priority": "high",
    "reporter": {"name": "Ana Ruiz", "email": "ana@example.com"},
    "cc": [{"name": "Bo Chen", "email": None}],
    "labels": {"refund": 2},
    "channel": "email",
    "due": 3,
}

DEMOS = [
    {  # complete: every field
        "email": "I paid twice for order 1182. Please refund one.",
        "history": [],
        "hint": "high",
        "ticket": TICKET,
        "tags": ["billing", "refund"],
        "urgent": True,
        "score": 0.9,
        "route": "billing",
        "notes": "Customer «Ana» wrote twice.",
    },
    {  # incomplete: no hint, no notes, no score
        "email": "The app crashes when I open settings.",
        "history": [TICKET],
        "ticket": {**TICKET, "title": "Crash in settings", "priority": "medium", "cc": [], "due": None},
        "tags": ["crash"],
        "urgent": False,
        "route": "tech",
    },
]

INPUTS = {
    "email": "Hello,\nmy invoice shows the wrong address.\nThanks",
    "history": [TICKET],
    "hint": "low",
}

# What the main LM answers in plain words, for the two-step format's second request (its extraction).
TWO_STEP_ANSWER = "ticket: a high-priority billing ticket titled Refund not received.\n\nroute: billing"
