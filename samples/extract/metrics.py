"""The `fields` metric of the extract sample: partial credit per field of the extracted job.

Exact match on a whole record gives a small model no credit for getting four
fields of five right; this metric scores each field (the company's name and
city separately, the skills as a set, case and surrounding spaces ignored)
and returns the share that match.
"""

from __future__ import annotations

from typing import Any


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    if isinstance(value, list):
        return sorted({_norm(v) for v in value}, key=str)
    return value


def _plain(job: Any) -> dict[str, Any]:
    """A job as a dict, whether the program gave a model or the dataset a dict."""
    return job.model_dump(mode="json") if hasattr(job, "model_dump") else dict(job or {})


def job_fields(example: dict, prediction: dict) -> float:
    gold, got = _plain(example["job"]), _plain(prediction.get("job"))
    gold_company, got_company = gold.get("company") or {}, got.get("company") or {}
    pairs = [(gold.get(k), got.get(k)) for k in ("title", "seniority", "skills", "salary")]
    pairs += [(gold_company.get(k), got_company.get(k)) for k in ("name", "city")]
    return sum(_norm(a) == _norm(b) for a, b in pairs) / len(pairs)
