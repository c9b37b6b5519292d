"""A KNNFewShot table in the emitted package: written to its own JSON file, read back, and used per call."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from lmc.codegen import record_parity, render_package, write_package
from lmc.data.datasets import Example
from lmc.host.loader import load_package
from lmc.optimize import Task
from lmc.optimize.fewshot.knn import KNNFewShot
from lmc.runtime.signature import Params
from tests.codegen.helpers import parse_ok
from tests.package_tests import run_package_tests, wheel_files
from tests.scripted import ScriptedLM, chat_answer

SOURCE = """
signature Answer {
  in  question: str
  out answer: str
}

program ask(question: str) -> (answer: str) {
  module reply = Predict(Answer)
  return reply(question=question)
}
"""
TRAIN = tuple(
    Example({"question": q, "answer": a}, {"question"})
    for q, a in [("capital of France?", "Paris"), ("capital of Italy?", "Rome"), ("largest ocean?", "Pacific")]
)


def _teacher(messages):
    question = messages[-1]["content"].split("[[ ## question ## ]]\n")[1].split("\n")[0]
    return chat_answer(answer=next(e["answer"] for e in TRAIN if e["question"] == question))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("knn")
    source = parse_ok(SOURCE, folder)
    package = load_package(
        render_package(source, package="near", source_dir=folder, source_text=SOURCE), package="near"
    )
    task = Task(
        program=package.ask.program,
        trainset=TRAIN,
        metric=lambda example, outputs: outputs["answer"] == example["answer"],
        lm=ScriptedLM(_teacher),
    )
    params = KNNFewShot(k=1, max_bootstrapped_demos=1, max_labeled_demos=1).compile(task).params
    kwargs = {"package": "near", "source_dir": folder, "source_text": SOURCE, "params": params}
    return source, folder, kwargs, params


def test_params_py_is_deterministic_and_reads_back_the_same_table(built):
    source, _, kwargs, params = built
    files = render_package(source, **kwargs)
    assert files == render_package(source, **kwargs)
    package = load_package(files, package="near")
    assert package.PARAMS["ask.reply"] == params["ask.reply"]


def test_the_table_is_data_beside_params_py_one_row_a_line(built):
    """params.py names the table's file, which holds the table's JSON form: options, then a row a line."""
    source, _, kwargs, params = built
    files = render_package(source, **kwargs)
    code = files[PurePosixPath("near/params.py")].decode()
    assert 'TABLES = {\n    "ask.reply": read_table(__file__, "ask.reply"),\n}' in code
    assert 'knn=TABLES["ask.reply"]' in code
    assert "capital of" not in code  # no row in the code
    text = files[PurePosixPath("near/knn/ask.reply.json")].decode()
    assert json.loads(text) == params["ask.reply"].knn.to_json()
    lines = text.splitlines()
    assert lines[0].startswith('{"k": 1,') and lines[0].endswith('"rows": [') and lines[-1] == "]}"
    assert [json.loads(line.rstrip(",")) for line in lines[1:-1]] == params["ask.reply"].knn.to_json()["rows"]


TWO_MODULES = """
signature Answer {
  in  question: str
  out answer: str
}

program ask(question: str) -> (answer: str) {
  module draft = Predict(Answer)
  module reply = Predict(Answer)
  first = draft(question=question).answer
  return reply(question=first)
}
"""


def test_the_modules_of_a_program_share_one_table_file_live_or_read_back(built, tmp_path: Path):
    """KNNFewShot gives every module of a program the same table: the package holds it once, whether
    the modules hold one table (a live build) or equal copies (params read back from the lock)."""
    _, _, _, params = built
    source = parse_ok(TWO_MODULES, tmp_path)
    table = params["ask.reply"].knn
    assert table is not None
    shared = {path: Params(instructions="", knn=table) for path in ("ask.draft", "ask.reply")}
    copies = {path: Params.from_json(json.loads(json.dumps(p.to_json()))) for path, p in shared.items()}
    assert copies["ask.draft"].knn is not copies["ask.reply"].knn
    kwargs = {"package": "near", "source_dir": tmp_path, "source_text": TWO_MODULES}
    live, read_back = render_package(source, params=shared, **kwargs), render_package(source, params=copies, **kwargs)
    assert live == read_back
    assert [name for name in live if "knn" in name.parts] == [PurePosixPath("near/knn/ask.draft.json")]
    code = live[PurePosixPath("near/params.py")]
    assert code.count(b"read_table(__file__,") == 1 and code.count(b'knn=TABLES["ask.draft"]') == 2
    package = load_package(live, package="near")
    assert package.PARAMS["ask.draft"].knn is package.PARAMS["ask.reply"].knn  # read once, shared
    assert package.PARAMS["ask.draft"].knn == table


def test_a_package_without_knn_has_no_table_and_no_reader(built):
    source, folder, _, _ = built
    files = render_package(source, package="near", source_dir=folder, source_text=SOURCE)
    assert not [name for name in files if "knn" in name.parts]
    assert b"read_table" not in files[PurePosixPath("near/params.py")]


def test_the_wheel_ships_the_table_and_the_installed_package_reads_it(built, tmp_path: Path):
    source, _, kwargs, params = built
    files = render_package(source, **kwargs)
    write_package(files, tmp_path / "near")
    built_wheel, names = wheel_files(tmp_path / "near", "near", tmp_path / "dist")
    assert "near/knn/ask.reply.json" in names
    assert names == {str(p) for p in files if p.parts[0] == "near"}
    site = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(built_wheel)]
    assert subprocess.run(install, capture_output=True, text=True).returncode == 0
    code = f"import sys; sys.path.insert(0, {str(site)!r}); import near; print(near.PARAMS['ask.reply'].knn.to_json() == {params['ask.reply'].knn.to_json()!r})"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert shown.stdout.strip() == "True", shown.stderr[-2000:]


def test_the_package_shows_the_nearest_examples_demo(built):
    source, _, kwargs, _ = built
    package = load_package(render_package(source, **kwargs), package="near")
    lm = ScriptedLM(lambda messages: chat_answer(answer="Berlin"))
    assert package.ask(question="capital of Germany, like Italy?", lm=lm).answer == "Berlin"
    (messages,) = lm.calls
    prompt = "\n".join(m["content"] for m in messages)
    assert "capital of Italy?" in prompt and "Rome" in prompt
    assert "France" not in prompt and "Pacific" not in prompt


def test_parity_replays_the_prompt_the_build_scored(built):
    source, folder, kwargs, params = built
    program = load_package(render_package(source, **kwargs), package="near").ask
    scored = ScriptedLM(lambda messages: chat_answer(answer="x"))
    program.program.run({"question": "ocean?"}, lm=scored, params=params)
    case = record_parity(program, {"question": "ocean?"}, lm=ScriptedLM(lambda messages: chat_answer(answer="x")))
    assert [m for m, _ in case.calls] == [scored.calls[0]]
    out = folder / "build" / "near"
    write_package(render_package(source, parity=[case], **kwargs), out)
    done = run_package_tests(out, "near")
    assert done.returncode == 0, done.stdout + done.stderr
