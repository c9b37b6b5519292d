"""A random search that scores candidates side by side, built through the CLI on a program of its own.

The server counts the requests in flight: the build never has more than
``--threads`` at once, bootstraps and scorings together. When the server
turns every request away halfway (a revoked key), the build ends with a
clean exit 3, no traceback, and no thread of the search left running.
"""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import pytest

from lmc.cli.main import main
from tests.runtime.stub_server import StubServer
from tests.scripted import chat_answer

KEY_ENV = "LMC_OVERLAP_TEST_KEY"
TOPICS = {"The striker scored twice.": "sport", "Rates rose again.": "money", "A new vaccine works.": "health"}
ROWS = [(f"{text} ({i})", topic) for i in range(6) for text, topic in TOPICS.items()]

SOURCE = """\
lm default = "openai/stub" {{ api_base: "{api_base}", api_key_env: "{key_env}", temperature: 0.0 }}

enum Topic {{ sport, money, health }}

signature Route {{
  \"\"\"Route a news line to its desk.\"\"\"
  in  line: str
  out topic: Topic
}}

program route(line: str) -> (topic: Topic) {{
  module desk = Predict(Route)
  return desk(line=line)
}}

metric right = exact_match(topic)
dataset lines = "lines.jsonl" {{ inputs: [line] }}

optimize route {{
  optimizer: BootstrapFewShotWithRandomSearch {{ max_bootstrapped_demos: 2, max_labeled_demos: 2, num_candidate_programs: 3 }}
  metric: right
  trainset: lines
  valset: lines
  seed: 1
}}
"""


class InFlight:
    """The answer function of the stub server: the right topic after a short wait, counting requests in flight."""

    def __init__(self, pause: float) -> None:
        self.pause = pause
        self.lock = threading.Lock()
        self.running = self.peak = 0

    def __call__(self, body: dict) -> str:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            time.sleep(self.pause)
            match = re.search(r"\[\[ ## line ## \]\]\n(.*?) \(\d+\)\n", body["messages"][-1]["content"])
            return chat_answer(topic=TOPICS.get(match.group(1), "sport") if match else "sport")
        finally:
            with self.lock:
                self.running -= 1


def project(folder: Path, server: StubServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(KEY_ENV, "sk-overlap")
    monkeypatch.setenv("LMC_CACHE_DIR", str(folder / "cache"))
    lines = [json.dumps({"line": line, "topic": topic}) for line, topic in ROWS]
    (folder / "lines.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = folder / "desk.lmp"
    source.write_text(SOURCE.format(api_base=server.api_base, key_env=KEY_ENV), encoding="utf-8")
    return source


def search_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(("lmc-overlap", "lmc-eval", "lmc-ahead"))]


def test_the_search_keeps_to_its_threads_and_scores_like_one_thread(tmp_path: Path, monkeypatch, capsys) -> None:
    answers = InFlight(pause=0.01)
    with StubServer(answer=answers) as server:
        source = project(tmp_path, server, monkeypatch)
        assert main(["build", str(source), "-o", str(tmp_path / "four"), "--threads", "4", "--no-cache"]) == 0
        four = server.count
        assert 1 < answers.peak <= 4
        answers.peak = 0
        assert main(["build", str(source), "-o", str(tmp_path / "one"), "--threads", "1", "--no-cache"]) == 0
        assert answers.peak == 1
        assert server.count - four == four  # the same requests, one at a time
    read = lambda name: (tmp_path / name / "desk" / "desk" / "params.py").read_text(encoding="utf-8")  # noqa: E731
    assert read("four") == read("one")
    assert search_threads() == []


def test_a_server_that_turns_every_request_away_halfway_ends_the_build_cleanly(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    answers = InFlight(pause=0.005)
    with StubServer(answer=answers) as server:
        source = project(tmp_path, server, monkeypatch)
        real = server.answer

        def revoked_halfway(body: dict) -> str:
            if server.count == 60:  # the key is revoked: every later request is refused
                server.fail(401, times=10_000)
            return real(body)

        server.answer = revoked_halfway
        code = main(["build", str(source), "-o", str(tmp_path / "out"), "--threads", "4", "--no-cache"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "Traceback" not in err and "internal error" not in err
    assert "401" in err or "auth" in err.lower(), err
    assert search_threads() == []
    assert not (tmp_path / "out").exists()
