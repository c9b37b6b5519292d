"""``lmc.check`` and ``lmc.compile`` through the public names only: sources, files in memory, no side effects."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import lmc

SOURCE = """\
lm default = "local/smollm2"

enum Intent { refund, shipping }

signature Route {
  \"\"\"Name the customer's intent.\"\"\"
  in  message: str
  in  urgent: bool
  out intent: Intent
}

program route(message: str, urgent: bool = false) -> (intent: Intent) {
  module pick = Predict(Route)
  return pick(message=message, urgent=urgent)
}

metric right = exact_match(intent)
dataset dev = "data/dev.jsonl" { inputs: [message] }
evaluate route { metric: right, dataset: dev }
"""

ROWS = [{"message": "Where is my parcel?", "intent": "shipping"}, {"message": "Money back!", "intent": "refund"}]


class Answers:
    """An LM object: answers `shipping`, and keeps the requests."""

    model = "test/answers"

    def __init__(self) -> None:
        self.requests: list[list[dict]] = []

    def complete(self, messages: list[dict]) -> str:
        self.requests.append(messages)
        return "[[ ## intent ## ]]\nshipping\n\n[[ ## completed ## ]]"

    async def acomplete(self, messages: list[dict]) -> str:
        return self.complete(messages)


def test_a_text_source_reads_its_files_from_memory():
    assert lmc.check(SOURCE, datasets={"dev": ROWS}) == []
    files = {"data/dev.jsonl": "\n".join(json.dumps(r) for r in ROWS) + "\n"}
    assert lmc.check(SOURCE, files=files) == []
    (missing,) = lmc.check(SOURCE, files={"other.txt": "x"})
    assert missing.code == "E502" and missing.path == "<string>" and missing.is_error


def test_a_path_source_reads_its_folder(tmp_path: Path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "dev.jsonl").write_text(json.dumps(ROWS[0]) + "\n")
    source = tmp_path / "route.lmp"
    source.write_text(SOURCE)
    assert lmc.check(source) == []
    assert lmc.check(SOURCE, path=str(source)) == []  # text named by a path: its folder too
    (d,) = lmc.check(SOURCE.replace("Predict(Route)", "Predict(Rout)"), path=str(source))
    assert (d.code, d.path, d.line, d.column) == ("E102", str(source), 13, 25)
    assert d.render().splitlines()[2] == "13 |   module pick = Predict(Rout)"


def test_problems_of_the_program_are_diagnostics_never_exceptions(tmp_path: Path):
    (unreadable,) = lmc.check(tmp_path / "nope.lmp")
    assert unreadable.code == "E000" and "cannot read" in unreadable.message
    bad_bytes = tmp_path / "bad.lmp"
    bad_bytes.write_bytes(b"lm default = \xff\n")
    assert [d.code for d in lmc.check(bad_bytes)] == ["E000"]
    assert [d.code for d in lmc.check("program {")] == ["E002"]


def test_arguments_that_cannot_be_used_raise():
    with pytest.raises(ValueError, match="not a relative name"):
        lmc.check(SOURCE, files={"../escape.py": ""})
    with pytest.raises(ValueError, match="declares no dataset train"):
        lmc.check(SOURCE, datasets={"train": ROWS})
    with pytest.raises(TypeError, match="source must be .lmp text"):
        lmc.check(b"bytes")  # type: ignore[arg-type]  # the wrong type on purpose


def test_diagnostics_are_plain_data():
    (d,) = lmc.check(SOURCE.replace("out intent: Intent", "out intent: Intnt"), datasets={"dev": ROWS})
    assert d.to_dict() == {
        "code": "E102",
        "severity": "error",
        "message": "unknown type `Intnt`",
        "help": "did you mean `Intent`?",
        "path": "<string>",
        "line": 9,
        "column": 15,
        "end_line": 9,
        "end_column": 20,
    }
    assert str(d) == "<string>:9:15: error[E102]: unknown type `Intnt`"


def test_compile_raises_with_every_diagnostic():
    broken = SOURCE.replace("Predict(Route)", "Predict(Rout)").replace("exact_match(intent)", "exact_match(intnt)")
    with pytest.raises(lmc.CompileError) as info:
        lmc.compile(broken, datasets={"dev": ROWS})
    assert [(d.code, d.line) for d in info.value.diagnostics] == [("E102", 13), ("E501", 19), ("E505", 19)]
    assert str(info.value).startswith("3 error(s) in <string>:\n<string>:13:25: error[E102]")


def test_a_project_runs_its_programs_with_any_lm_and_typed_results():
    with lmc.compile(SOURCE, datasets={"dev": ROWS}) as project:
        route = project.programs["route"]
        assert route.inputs == ("message", "urgent")
        lm = Answers()
        result = route(message="Where is it?", lm=lm)  # `urgent` takes its default
        assert type(result).__name__ == "RouteResult" and result.intent.value == "shipping"
        assert "[[ ## urgent ## ]]\nFalse" in lm.requests[0][-1]["content"]
        with pytest.raises(TypeError, match="missing the input"):
            route(lm=lm)


def test_render_is_the_whole_package_and_the_same_each_time():
    first = lmc.compile(SOURCE, datasets={"dev": ROWS}, name="router").render()
    second = lmc.compile(SOURCE, datasets={"dev": ROWS}, name="router").render()
    assert first == second and "router/programs.py" in first and "pyproject.toml" in first
    with pytest.raises(lmc.CompileError) as info:
        lmc.compile(SOURCE, datasets={"dev": ROWS}, name="json")
    assert [d.code for d in info.value.diagnostics] == ["E010"]


def test_nothing_is_left_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LMC_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    hooks, modules = list(sys.meta_path), set(sys.modules)
    metric = "def right(example, pred):\n    return example.intent == pred.intent\n"
    source = SOURCE.replace("exact_match(intent)", 'python "scoring:right"')
    assert lmc.check(source, datasets={"dev": ROWS}, files={"scoring.py": metric}) == []
    with lmc.compile(source, datasets={"dev": ROWS}, files={"scoring.py": metric}) as project:
        assert project.programs["route"](message="x", lm=Answers()).intent.value == "shipping"
    assert sys.meta_path == hooks, "an import hook was left installed"
    assert {m for m in set(sys.modules) - modules if "_lmc_pkg" in m or m == "scoring"} == set()
    assert list(tmp_path.iterdir()) == [], "the API wrote into the current folder or a cache"
