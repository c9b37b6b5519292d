"""The `graded` metric of the triage sample: a score with feedback, which GEPA's reflection reads.

Half a point for the team, half for the urgency. The feedback says what
was wrong and why (each row of the data says why its answer is right), so
the reflection LM can write the rule the modules were missing; a plain
score would only tell it that something was.
"""

from __future__ import annotations

from typing import Any


def _word(value: Any) -> str:
    """An enum member or a string, as the word it stands for."""
    return str(getattr(value, "value", value) or "")


def triage(example: Any, prediction: Any, trace: Any = None) -> dict[str, Any]:
    notes = []
    score = 0.0
    for field, why in (("team", example.why_team), ("urgency", example.why_urgency)):
        want, got = _word(example[field]), _word(prediction[field])
        if want == got:
            score += 0.5
        else:
            notes.append(f"The {field} should be {want}, not {got or 'missing'}: {why}.")
    return {"score": score, "feedback": " ".join(notes) or "The team and the urgency are both right."}
