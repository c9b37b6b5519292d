"""No input from the user ends in exit 2 ("internal error"): every command, every broken file or module.

Exit 2 means a bug in lmc. A broken ``.lmp`` file is a diagnostic (1); a
broken tool or metric module, a metric returning nonsense, a tool raising,
are the user's to fix (1 from ``check``, or 3 when found while running).
Every file of ``samples/errors/`` and a project with each kind of broken
Python module go through ``check``, ``run``, ``build``, ``eval`` and ``prompt``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lmc.cli.main import main
from tests.runtime.stub_server import StubServer
from tests.scripted import chat_answer

ROOT = Path(__file__).resolve().parent.parent
ERROR_SAMPLES = sorted((ROOT / "samples" / "errors").glob("*.lmp"))
KEY_ENV = "LMC_TEST_NEVER_KEY"


def commands(source: Path, out: Path) -> list[list[str]]:
    file = str(source)
    return [
        ["check", file],
        ["run", file, "answer", "--input", "question=What is 2 + 3?"],
        ["build", file, "-o", str(out), "--lock", str(out / "lock")],  # nothing written beside the source
        ["eval", file, "answer", "--dataset", "dev"],
        ["prompt", file, "answer.respond", "--input", "question=What is 2 + 3?"],
    ]


@pytest.mark.parametrize("sample", ERROR_SAMPLES, ids=lambda p: p.stem)
def test_every_error_sample_is_a_diagnostic_for_every_command(sample: Path, tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    # A sample with warnings only goes on to call its LM: one without a key fails at once (exit 3).
    no_lm = ["--lm", "openai/lmc-test-no-key"]
    for argv in commands(sample, tmp_path / "out"):
        argv = argv if argv[0] == "check" else [*argv, *no_lm]
        code = main(argv)
        err = capsys.readouterr().err
        assert code in (0, 1, 3), f"lmc {argv[0]} {sample.name} exited {code}:\n{err[-2000:]}"  # 0: warnings only
        assert "internal error" not in err and "Traceback" not in err


SOURCE = """\
lm default = "openai/stub" {{ api_base: "{api_base}", api_key_env: "{key_env}" }}

signature Answer {{
  \"\"\"Answer with the help of the tool.\"\"\"
  in  question: str
  out answer: str
}}

tool add(a: int, b: int) -> int = python "{tool}" "Add two numbers."

program answer(question: str) -> (answer: str) {{
  module respond = Predict(Answer)
  total = add(a=2, b=3)
  return respond(question=question)
}}

metric right = python "{metric}"
dataset dev = "dev.jsonl" {{ inputs: [question] }}

optimize answer {{
  optimizer: LabeledFewShot {{ k: 1 }}
  metric: right
  trainset: dev
}}
"""

GOOD_TOOL = "def add(a, b):\n    return a + b\n"
GOOD_METRIC = "def right(example, pred):\n    return example.answer == pred.answer\n"

# (name, the tool reference, the metric reference, files written beside the source)
BROKEN: list[tuple[str, str, str, dict[str, str]]] = [
    ("tool module missing", "toolz:add", "metrics:right", {"metrics.py": GOOD_METRIC}),
    ("tool function misspelled", "tools:ad", "metrics:right", {"tools.py": GOOD_TOOL, "metrics.py": GOOD_METRIC}),
    (
        "tool module syntax error",
        "tools:add",
        "metrics:right",
        {"tools.py": "def add(a, b)\n", "metrics.py": GOOD_METRIC},
    ),
    (
        "tool module raises on import",
        "tools:add",
        "metrics:right",
        {"tools.py": "import no_such_dependency\n" + GOOD_TOOL, "metrics.py": GOOD_METRIC},
    ),
    (
        "tool raises",
        "tools:add",
        "metrics:right",
        {"tools.py": "def add(a, b):\n    raise RuntimeError('down')\n", "metrics.py": GOOD_METRIC},
    ),
    (
        "tool returns the wrong type",
        "tools:add",
        "metrics:right",
        {"tools.py": "def add(a, b):\n    return 'five'\n", "metrics.py": GOOD_METRIC},
    ),
    ("tool is not a function", "tools:add", "metrics:right", {"tools.py": "add = 3\n", "metrics.py": GOOD_METRIC}),
    ("metric function misspelled", "tools:add", "metrics:rigth", {"tools.py": GOOD_TOOL, "metrics.py": GOOD_METRIC}),
    (
        "metric returns text",
        "tools:add",
        "metrics:right",
        {"tools.py": GOOD_TOOL, "metrics.py": "def right(example, pred):\n    return 'yes'\n"},
    ),
    (
        "metric takes one argument",
        "tools:add",
        "metrics:right",
        {"tools.py": GOOD_TOOL, "metrics.py": "def right(example):\n    return 1\n"},
    ),
    (
        "metric raises",
        "tools:add",
        "metrics:right",
        {"tools.py": GOOD_TOOL, "metrics.py": "def right(example, pred):\n    return 1 / 0\n"},
    ),
    ("module shadows the standard library", "json:add", "metrics:right", {"metrics.py": GOOD_METRIC}),
]


@pytest.mark.parametrize(("name", "tool", "metric", "files"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_python_modules_never_crash_a_command(name, tool, metric, files, tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-never")
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    with StubServer(answer=lambda body: chat_answer(answer="5")) as server:
        source = tmp_path / "broken.lmp"
        source.write_text(SOURCE.format(api_base=server.api_base, key_env=KEY_ENV, tool=tool, metric=metric))
        rows = [{"question": "What is 2 + 3?", "answer": "5"}, {"question": "What is 1 + 1?", "answer": "2"}]
        (tmp_path / "dev.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
        for file, text in files.items():
            (tmp_path / file).write_text(text)
        for argv in commands(source, tmp_path / "out"):
            code = main(argv)
            err = capsys.readouterr().err
            assert code != 2, f"{name}: lmc {argv[0]} exited 2:\n{err[-2000:]}"
            assert "internal error" not in err and "Traceback" not in err, err[-2000:]
