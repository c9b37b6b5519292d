"""The block's final score is the search's score of its winner when that scoring can stand for a second one.

A random search scores each candidate on the whole valset with the block's
LM and metric. When the winner's scoring had no failed row, no metric
threshold, and every LM keeps a cache (a second scoring would read the very
same answers), the build takes that score instead of scoring the winner
again. Without a cache a second scoring is a new sample, and the winner's
search score is the best of several (biased up by the choice): the build
then scores it again, as it does when a row failed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import lmc
from lmc.building.events import ProgressEvent
from tests.optimize.test_baseline_reuse import DEV, KEY_ENV, SOURCE, TRAIN
from tests.runtime.stub_server import StubServer
from tests.scripted import chat_answer

FINAL_STAGE = "optimized route on dev"


def answer(broken: frozenset[str]) -> Callable[[dict], str]:
    """Right with demos, wrong zero-shot; no parsable answer at all for the ``broken`` lines."""

    def reply(body: dict) -> str:
        line = re.search(r"\[\[ ## line ## \]\]\n(.*?)\n", body["messages"][-1]["content"]).group(1)
        if line in broken:
            return "I would rather not say."
        right = "money" if ("rates" in line or "bank" in line) else "sport"
        if len(body["messages"]) == 2:  # system + user: no demos
            return chat_answer(topic="sport" if right == "money" else "money")
        return chat_answer(topic=right)

    return reply


def built(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    cache: bool,
    broken: frozenset[str] = frozenset(),
    source: str = SOURCE,
    reply: Callable[[dict], str] | None = None,
):
    """The build's result and the names of the stages it ran (the stub answers by ``reply``, else ``answer``)."""
    stages: list[str] = []

    def progress(event: ProgressEvent) -> None:
        if event.kind == "start":
            stages.append(event.text)

    with StubServer(answer=reply or answer(broken)) as server:
        monkeypatch.setenv(KEY_ENV, "sk-final")
        files = {
            f"{name}.jsonl": "\n".join(json.dumps({"line": line, "topic": topic}) for line, topic in rows) + "\n"
            for name, rows in (("train", TRAIN), ("dev", DEV))
        }
        result = lmc.build(
            source.format(api_base=server.api_base, key_env=KEY_ENV),
            files=files,
            threads=3,
            cache=cache,
            cache_dir=tmp_path / "cache",
            progress=progress,
        )
    return result, stages


def test_a_clean_scoring_of_the_winner_is_the_final_score(tmp_path: Path, monkeypatch) -> None:
    result, stages = built(tmp_path, monkeypatch, cache=True)
    assert FINAL_STAGE not in stages and "baseline route on dev" in stages
    (step,) = json.loads(result.lock)["blocks"][0]["steps"]
    assert result.scores[0].optimized == step["score"] == 100.0  # the search's score of its winner, as it is


def test_without_a_cache_the_winner_is_scored_again(tmp_path: Path, monkeypatch) -> None:
    result, stages = built(tmp_path, monkeypatch, cache=False)
    assert stages.count(FINAL_STAGE) == 1
    assert result.scores[0].optimized == 100.0


def test_a_failed_row_in_the_winners_scoring_has_it_scored_again(tmp_path: Path, monkeypatch) -> None:
    result, stages = built(tmp_path, monkeypatch, cache=True, broken=frozenset({"bank rate 4"}))
    assert stages.count(FINAL_STAGE) == 1
    assert result.scores[0].optimized == 90.0  # the broken row scores 0


def test_a_metric_threshold_has_it_scored_again(tmp_path: Path, monkeypatch) -> None:
    """With a threshold the search scores pass or fail by it, not the metric's mean the final score is."""
    source = SOURCE.replace("num_candidate_programs: 1 }", "num_candidate_programs: 1, metric_threshold: 0.5 }")
    assert source != SOURCE
    _, stages = built(tmp_path, monkeypatch, cache=True, source=source)
    assert stages.count(FINAL_STAGE) == 1


SEARCH = (
    "BootstrapFewShotWithRandomSearch { max_bootstrapped_demos: 1, max_labeled_demos: 2, num_candidate_programs: 1 }"
)
CHAIN = SOURCE.replace(
    SEARCH.replace("{", "{{").replace("}", "}}"), f"[{SEARCH}, {SEARCH}]".replace("{", "{{").replace("}", "}}")
)


def test_a_later_step_takes_the_scores_an_earlier_step_measured(tmp_path: Path, monkeypatch, caplog) -> None:
    """In a chain, the second search's candidates that are programs the first one scored take those scores."""
    assert CHAIN != SOURCE
    with caplog.at_level("INFO", logger="lmc.optimize"):
        result, stages = built(tmp_path, monkeypatch, cache=True, source=CHAIN)
    taken = [r.getMessage() for r in caplog.records if "scored already" in r.getMessage()]
    # The first search takes the baseline for its zero-shot candidate; the second, starting from the first's
    # winner, proposes the same four programs (the same seeds and demos here) and scores none of them again.
    assert len(taken) == 1 + 4
    first, second = json.loads(result.lock)["blocks"][0]["steps"]
    assert [c[:2] for c in second["candidates"]] == [c[:2] for c in first["candidates"]]
    assert FINAL_STAGE not in stages


JUDGED = SOURCE.replace(
    "metric right = exact_match(topic)",
    """lm grader = "openai/stub" {{ api_base: "{api_base}", api_key_env: "{key_env}", temperature: 0.0, cache: false }}

signature Verdict {{
  in  line: str
  in  topic: str
  out correct: bool
}}

metric right = judge(Verdict, lm: grader)""",
)


def judged_answer(body: dict) -> str:
    """The program as ``answer`` has it; the judge says whether the topic fits the line."""
    system, user = body["messages"][0]["content"], body["messages"][-1]["content"]
    if "`correct` (bool)" not in system:
        return answer(frozenset())(body)
    line = re.search(r"\[\[ ## line ## \]\]\n(.*?)\n", user).group(1)
    topic = re.search(r"\[\[ ## topic ## \]\]\n(.*?)\n", user).group(1)
    right = "money" if ("rates" in line or "bank" in line) else "sport"
    return chat_answer(correct=str(topic == right))


def test_an_uncached_judge_has_the_winner_scored_again(tmp_path: Path, monkeypatch) -> None:
    """A judge whose LM keeps no cache gives a new verdict at each scoring: the search's score of its winner
    cannot stand for the final one, however the program's own LM is cached."""
    assert JUDGED != SOURCE
    result, stages = built(tmp_path, monkeypatch, cache=True, source=JUDGED, reply=judged_answer)
    assert stages.count(FINAL_STAGE) == 1
    assert result.scores[0].optimized == 100.0


def test_without_a_cache_a_later_step_takes_only_the_baselines_score(tmp_path: Path, monkeypatch, caplog) -> None:
    """A winner's score from an earlier search is the best of several samples: without a cache the second
    search scores its programs again; the baseline (measured before any choice) still stands for zero-shot."""
    with caplog.at_level("INFO", logger="lmc.optimize"):
        built(tmp_path, monkeypatch, cache=False, source=CHAIN)
    taken = [r.getMessage() for r in caplog.records if "scored already" in r.getMessage()]
    assert taken == ["candidate zero-shot: scored already, on the same rows"] * 2
