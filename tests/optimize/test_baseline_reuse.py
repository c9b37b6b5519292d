"""A build's baseline stands for a random search's zero-shot candidate when none of its rows failed.

Built through the CLI with the LM cache off, so that every scoring is a
request the stub server sees: the zero-shot program (no demos) is asked once
per row when the baseline scored cleanly, twice when a row failed there.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest

from lmc.cli.main import main
from tests.runtime.stub_server import StubServer
from tests.scripted import chat_answer

KEY_ENV = "LMC_BASELINE_TEST_KEY"
TRAIN = [(f"goal number {i}", "sport") for i in range(4)] + [(f"rates rose {i}", "money") for i in range(4)]
DEV = [(f"match day {i}", "sport") for i in range(5)] + [(f"bank rate {i}", "money") for i in range(5)]
SOURCE = """\
lm default = "openai/stub" {{ api_base: "{api_base}", api_key_env: "{key_env}", temperature: 0.0 }}

enum Topic {{ sport, money }}

signature Route {{
  in  line: str
  out topic: Topic
}}

program route(line: str) -> (topic: Topic) {{
  module desk = Predict(Route)
  return desk(line=line)
}}

metric right = exact_match(topic)
dataset train = "train.jsonl" {{ inputs: [line] }}
dataset dev = "dev.jsonl" {{ inputs: [line] }}

optimize route {{
  optimizer: BootstrapFewShotWithRandomSearch {{ max_bootstrapped_demos: 1, max_labeled_demos: 2, num_candidate_programs: 1 }}
  metric: right
  trainset: train
  valset: dev
}}
"""


class Answers:
    """With demos, the right topic; zero-shot (no demos) a wrong one, and no parsable answer for ``broken`` lines.

    Counts the zero-shot requests for the dev lines: the scorings of the zero-shot program (bootstraps
    run on the train lines; the winner, which has demos, is what the final scoring and parity runs ask).
    """

    def __init__(self, broken: frozenset[str]) -> None:
        self.broken = broken
        self.zero_shot = 0
        self.lock = threading.Lock()

    def __call__(self, body: dict) -> str:
        line = re.search(r"\[\[ ## line ## \]\]\n(.*?)\n", body["messages"][-1]["content"]).group(1)
        right = "money" if ("rates" in line or "bank" in line) else "sport"
        if len(body["messages"]) == 2:  # system + user: no demos
            if line in dict(DEV):
                with self.lock:
                    self.zero_shot += 1
            if line in self.broken:
                return "I would rather not say."
            return chat_answer(topic="sport" if right == "money" else "money")
        return chat_answer(topic=right)


def zero_shot_requests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: frozenset[str]) -> int:
    answers = Answers(broken)
    with StubServer(answer=answers) as server:
        monkeypatch.setenv(KEY_ENV, "sk-baseline")
        for name, rows in (("train", TRAIN), ("dev", DEV)):
            lines = [json.dumps({"line": line, "topic": topic}) for line, topic in rows]
            (tmp_path / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        source = tmp_path / "desk.lmp"
        source.write_text(SOURCE.format(api_base=server.api_base, key_env=KEY_ENV), encoding="utf-8")
        out = tmp_path / "out"
        assert main(["build", str(source), "-o", str(out), "--threads", "3", "--no-cache"]) == 0
    return answers.zero_shot


def test_a_clean_baseline_is_the_zero_shot_candidates_score(tmp_path: Path, monkeypatch, capsys) -> None:
    assert zero_shot_requests(tmp_path, monkeypatch, frozenset()) == len(DEV)  # the baseline's rows only


def test_a_baseline_with_a_failed_row_is_scored_again_by_the_search(tmp_path: Path, monkeypatch, capsys) -> None:
    # Twice the rows, and the broken row asked twice in each scoring (its answer read as chat, then as JSON).
    assert zero_shot_requests(tmp_path, monkeypatch, frozenset({"match day 0"})) == 2 * (len(DEV) + 1)
