"""The samples check clean, and the multihop tool works where it runs."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from lmc.host.frontend import load_file

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.mark.parametrize("path", sorted(p for p in SAMPLES.glob("*/*.lmp") if p.parent.name != "errors"), ids=str)
def test_sample_checks_clean(path: Path) -> None:
    loaded = load_file(str(path))
    assert loaded.ok, [d.message for d in loaded.diagnostics]
    assert loaded.diagnostics == ()


def _load_tool(path: Path):
    spec = importlib.util.spec_from_file_location(f"tools_{abs(hash(path))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lookup


def test_multihop_lookup_in_the_sample_folder() -> None:
    lookup = _load_tool(SAMPLES / "multihop" / "tools.py")
    assert lookup("mira  talvane").startswith("Mira Talvane (1861-1930)")
    assert lookup("Nowhere") == "No passage has the title 'Nowhere'."


def test_multihop_lookup_in_a_built_package_layout(tmp_path: Path) -> None:
    # A package ships the tool as <pkg>/_ext/tools.py and the corpus as <pkg>/data/corpus.jsonl.
    pkg = tmp_path / "multihop"
    (pkg / "_ext").mkdir(parents=True)
    (pkg / "data").mkdir()
    shutil.copy(SAMPLES / "multihop" / "tools.py", pkg / "_ext" / "tools.py")
    shutil.copy(SAMPLES / "multihop" / "data" / "corpus.jsonl", pkg / "data" / "corpus.jsonl")
    lookup = _load_tool(pkg / "_ext" / "tools.py")
    assert lookup("The Glass Orchard").startswith("The Glass Orchard is an 1894 novel")


# ------------------------------------------------------------------ triage (GEPA)

TEAM_RULE = "Charges go to billing, parcels to shipping, logins to account, errors to technical."
URGENCY_RULE = "A ticket is high when the customer cannot use the service or lost money or data."


def _triage_labels() -> dict[str, dict]:
    rows = {}
    for split in ("train", "dev", "test"):
        for line in (SAMPLES / "triage" / "data" / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            rows[row["ticket"]] = row
    return rows


def test_triage_metric_scores_each_field_and_says_why() -> None:
    spec = importlib.util.spec_from_file_location("triage_grading", SAMPLES / "triage" / "grading.py")
    grading = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(grading)
    example = _Row({"team": "billing", "urgency": "high", "why_team": "money", "why_urgency": "lost money"})
    assert grading.triage(example, _Row({"team": "billing", "urgency": "high"})) == {
        "score": 1.0,
        "feedback": "The team and the urgency are both right.",
    }
    assert grading.triage(example, _Row({"team": "billing", "urgency": "low"})) == {
        "score": 0.5,
        "feedback": "The urgency should be high, not low: lost money.",
    }


class _Row(dict):
    """A row with attribute access, as a Python metric gets its example and prediction."""

    __getattr__ = dict.__getitem__


def test_triage_optimizes_both_modules_from_the_metrics_feedback() -> None:
    """The sample's own plan, data and metric, with a scripted LM playing the task model and the reflector."""
    from lmc.building.plan import plan_blocks
    from lmc.host.session import Session
    from lmc.optimize.core.base import Task
    from tests.scripted import ScriptedLM, chat_answer

    labels = _triage_labels()
    reflections: list[str] = []

    def respond(messages: list[dict]) -> str:
        content = messages[-1]["content"]
        if content.startswith("[[ ## current_instruction ## ]]"):  # DSPy's ProposeInstruction, JSON format
            reflections.append(content)
            now = content.split("[[ ## current_instruction ## ]]\n", 1)[1].split("\n\n[[ ## ", 1)[0]
            rule = TEAM_RULE if now.startswith("Choose the team") else URGENCY_RULE
            return json.dumps({"new_instruction": f"{now} {rule}"})
        system = messages[0]["content"]
        row = labels[re.search(r"\[\[ ## ticket ## \]\]\n(.*?)\n", content).group(1)]
        if "`urgency`" in system.split("Your output fields are:")[1]:
            return chat_answer(urgency=row["urgency"] if URGENCY_RULE in system else "low")
        return chat_answer(team=row["team"] if TEAM_RULE in system else "technical")

    session = Session(load_file(str(SAMPLES / "triage" / "triage.lmp")))
    (plan,) = plan_blocks(session.source)
    labeled, step = plan.steps
    assert (labeled.name, step.name) == ("LabeledFewShot", "GEPA")
    lm = ScriptedLM(respond)
    task = Task(
        program=session.program(plan.program),
        trainset=session.dataset(plan.trainset).examples,
        valset=session.dataset(plan.scored_on).examples,
        metric=session.metric(plan.metric),
        lm=lm,
        lm_named=lambda name: lm,
        seed=plan.seed,
    )
    start = labeled.optimizer.compile(task)
    result = step.optimizer.compile(replace(task, initial=start.params, initial_origins=start.origins))
    assert result.score == 100.0
    assert result.params["triage.route"].demos == start.params["triage.route"].demos  # GEPA keeps the demos
    assert len(start.params["triage.route"].demos) == 4
    assert result.params["triage.route"].instructions.endswith(TEAM_RULE)
    assert result.params["triage.rate"].instructions.endswith(URGENCY_RULE)
    assert any('"Feedback": "The urgency should be high, not low: a ticket is high when' in r for r in reflections)
    assert result.frontier is not None and len(result.frontier.rows[0]) == 9
