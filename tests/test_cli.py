"""The `lmc` command end to end, over HTTP to a loopback OpenAI-compatible stub.

Each test writes a small `.lmp` project whose `default` lm points at the
stub, so the whole path (CLI, driver, generated code, runtime, litellm) runs
for real; only the model is scripted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lmc.cli.main import main
from tests.package_tests import run_package_tests
from tests.runtime.stub_server import StubServer
from tests.scripted import chat_answer

KEY_ENV = "LMC_CLI_TEST_KEY"

SOURCE = """\
lm default = "openai/stub" {{ api_base: "{api_base}", api_key_env: "{key_env}", temperature: 0.0 }}

enum Sentiment {{ positive, negative }}

signature Classify {{
  \"\"\"Classify the sentiment of a sentence.\"\"\"
  in  sentence: str
  out sentiment: Sentiment
}}

program classify(sentence: str) -> (sentiment: Sentiment) {{
  module judge = Predict(Classify)
  return judge(sentence=sentence)
}}

metric accuracy = exact_match(sentiment)
dataset train = "train.jsonl" {{ inputs: [sentence] }}
dataset dev = "dev.jsonl" {{ inputs: [sentence] }}

optimize classify {{
  optimizer: BootstrapFewShotWithRandomSearch {{ max_bootstrapped_demos: 2, max_labeled_demos: 2, num_candidate_programs: 2 }}
  metric: accuracy
  trainset: train
  valset: dev
  seed: 0
}}

evaluate classify {{ metric: accuracy, dataset: dev }}
"""

ROWS = [
    ("A delight from start to finish.", "positive"),
    ("Dull, long and pointless.", "negative"),
    ("The cast is wonderful.", "positive"),
    ("I walked out halfway.", "negative"),
    ("Warm, funny and wise.", "positive"),
    ("A tedious mess.", "negative"),
]


def sentence_of(body: dict) -> str:
    """The sentence of the final user message (the request being answered)."""
    text = body["messages"][-1]["content"]
    match = re.search(r"\[\[ ## sentence ## \]\]\n(.*?)\n", text)
    return match.group(1) if match else ""


def knows_the_labels(body: dict) -> str:
    """Like a small model: ignores the format zero-shot; with demos, right on every row but one."""
    if len(body["messages"]) < 3:  # system + user: no demos
        return "Sure! Here is my answer."
    sentence = sentence_of(body)
    label = dict(ROWS).get(sentence, "positive")
    if sentence == "A tedious mess.":
        label = "positive"
    return chat_answer(sentiment=label)


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-cli-test")
    with StubServer(answer=knows_the_labels) as stub:
        yield stub


@pytest.fixture
def project(tmp_path: Path, server: StubServer, monkeypatch) -> Path:
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "app.lmp").write_text(SOURCE.format(api_base=server.api_base, key_env=KEY_ENV), encoding="utf-8")
    for name, rows in (("train", ROWS[:4]), ("dev", ROWS[2:])):
        lines = [json.dumps({"sentence": s, "sentiment": label}) for s, label in rows]
        (tmp_path / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path / "app.lmp"


def test_check_clean_file_exits_0(project: Path, capsys) -> None:
    assert main(["check", str(project)]) == 0
    assert capsys.readouterr().err == ""


def test_check_reports_every_error_with_caret_and_exits_1(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.lmp"
    bad.write_text(
        'signature S = "q -> a"\nprogram p(q: str) -> (a: str) {\n  module m = Predikt(S)\n'
        "  return m(question=q)\n}\nmetric acc = exact_match(b)\n",
        encoding="utf-8",
    )
    assert main(["check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:3:14: error[E103]" in err and "did you mean `Predict`?" in err
    assert "^" in err and "3 |   module m = Predikt(S)" in err
    assert err.count("error[") >= 2  # all errors of the file, not only the first


def test_check_json_format(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.lmp"
    bad.write_text("lm default = 42\n", encoding="utf-8")
    assert main(["check", "--format", "json", str(bad)]) == 1
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]  # on stdout, for tools to read
    assert captured.err == ""
    assert lines and all({"file", "line", "col", "code", "message"} <= set(d) for d in lines)
    assert lines[0]["line"] == 1


def test_check_missing_file(tmp_path: Path, capsys) -> None:
    assert main(["check", str(tmp_path / "nope.lmp")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_build_optimizes_evaluates_and_emits(project: Path, tmp_path: Path, server: StubServer) -> None:
    out = tmp_path / "out"
    assert main(["build", str(project), "-o", str(out), "--threads", "2"]) == 0
    package = out / "app"
    report = json.loads((package / "build.json").read_text())
    dev = report["scores"][0]
    assert dev["label"].startswith("classify on dev")
    assert dev["baseline"] == 0.0  # zero-shot answers do not parse
    assert dev["optimized"] == pytest.approx(75.0)  # the stub is wrong on one of four dev rows
    assert report["lm_calls"] > 0 and report["seed"] == 0
    params = (package / "app" / "params.py").read_text()
    assert "demos=(" in params and "demos=()" not in params
    # The package's own parity test replays the recorded calls and passes.
    done = run_package_tests(package, "app")
    assert done.returncode == 0, done.stdout[-2000:]


def console(capsys) -> str:
    """What the command printed to stderr, with the console's line wrapping undone."""
    return " ".join(capsys.readouterr().err.split())


def test_build_twice_gives_identical_bytes(project: Path, tmp_path: Path, capsys) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["build", str(project), "-o", str(a)]) == 0
    first = re.search(r"LM calls: (\d+) \((\d+) from cache\), tokens: (\d+) in", console(capsys))
    assert main(["build", str(project), "-o", str(b)]) == 0
    # What each run spent goes to the console only: the second one answered everything from the cache.
    assert first is not None
    answers, hits, tokens = first.groups()
    assert int(hits) < int(answers) and int(tokens) > 0
    assert f"LM calls: {answers} ({answers} from cache), tokens: 0 in / 0 out" in console(capsys)
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    assert files_a == files_b
    for rel in files_a:  # report.html too: it counts the answers used, cached or not
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_run_prints_outputs_as_json(project: Path, server: StubServer, capsys) -> None:
    server.answer = lambda body: chat_answer(sentiment="negative")
    assert main(["run", str(project), "classify", "--input", "sentence=Dull, long and pointless."]) == 0
    assert json.loads(capsys.readouterr().out) == {"sentiment": "negative"}


def test_run_with_unknown_input_or_program(project: Path, capsys) -> None:
    assert main(["run", str(project), "classify", "--input", "text=hi"]) == 3
    err = capsys.readouterr().err
    assert "unknown input `text`" in err and "did you mean" not in err  # nothing close: no guess
    assert main(["run", str(project), "classfy", "--input", "sentence=hi"]) == 3
    assert "no program `classfy` in" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["run", "{p}", "classify", "--input", "sentense=hi"],
            "unknown input `sentense` (inputs: sentence); did you mean `sentence`?",
        ),
        (["run", "{p}", "clasify", "--input", "sentence=hi"], "(programs: classify); did you mean `classify`?"),
        (
            ["eval", "{p}", "clasify", "--dataset", "dev"],
            "no program `clasify` (programs: classify); did you mean `classify`?",
        ),
        (
            ["eval", "{p}", "classify", "--dataset", "devs"],
            "no dataset `devs` (datasets: dev, train); did you mean `dev`?",
        ),
        (["prompt", "{p}", "classify.judg", "--input", "sentence=hi"], "did you mean `classify.judge`?"),
    ],
)
def test_a_misspelt_name_on_the_command_line_gets_a_guess(project: Path, capsys, argv: list[str], said: str) -> None:
    assert main([a.format(p=project) for a in argv]) in (1, 3)
    assert said in capsys.readouterr().err


def test_eval_prints_table_and_score(project: Path, server: StubServer, capsys) -> None:
    server.answer = lambda body: chat_answer(sentiment="positive")
    assert main(["eval", str(project), "classify", "--dataset", "dev"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip().splitlines()[-1] == "50.0"  # two of the four dev rows are positive
    assert "A tedious mess." in captured.err


def test_eval_shows_rows_that_look_like_markup_as_written(project: Path, server: StubServer, capsys) -> None:
    """A row's text is data: rich markup or an emoji code in it is printed as it is, never read (a `[/bold]`
    stopped `lmc eval` with an internal error)."""
    rows = [{"sentence": "Fine [/bold] :smile:", "sentiment": "positive"}, {"sentence": "[red]Bad", "sentiment": "x"}]
    (project.parent / "dev.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    server.answer = lambda body: chat_answer(sentiment="positive")
    assert main(["eval", str(project), "classify", "--dataset", "dev"]) == 0
    err = capsys.readouterr().err
    assert "Fine [/bold] :smile:" in err and "[red]Bad" in err


def test_prompt_prints_the_exact_messages_without_calling_the_lm(project: Path, server: StubServer, capsys) -> None:
    assert main(["prompt", str(project), "classify.judge", "--input", "sentence=Fine."]) == 0
    out = capsys.readouterr().out
    assert out.startswith("----- system -----\nYour input fields are:")
    assert "----- user -----\n[[ ## sentence ## ]]\nFine." in out
    assert server.count == 0


def test_garbage_answers_fail_the_run_naming_module_and_text(project: Path, server: StubServer, capsys) -> None:
    server.answer = lambda body: "I am a teapot."
    assert main(["run", str(project), "classify", "--input", "sentence=Fine."]) == 3
    err = capsys.readouterr().err
    assert "classify.judge" in err and "I am a teapot." in err
    assert "Traceback" not in err


def test_unreachable_lm_exits_3_without_traceback(project: Path, capsys) -> None:
    # Nothing listens on the discard port; no retries keep the test fast.
    text = re.sub(r'api_base: "[^"]+"', 'api_base: "http://127.0.0.1:9/v1", num_retries: 0', project.read_text())
    project.write_text(text, encoding="utf-8")
    assert main(["run", str(project), "classify", "--input", "sentence=Fine.", "--no-cache"]) == 3
    err = capsys.readouterr().err
    assert "lmc: error:" in err and "Traceback" not in err


def test_a_bug_in_lmc_exits_2_with_one_line(project: Path, capsys, monkeypatch) -> None:
    import lmc.cli.driver

    def explode(args):
        raise RuntimeError("boom")

    monkeypatch.setattr(lmc.cli.driver, "cmd_check", explode)
    monkeypatch.delenv("LMC_DEBUG", raising=False)
    assert main(["check", str(project)]) == 2
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err and "Traceback" not in err


def test_check_reads_standard_input_with_its_paths_from_the_current_folder(tmp_path: Path, capsys, monkeypatch) -> None:
    import io

    (tmp_path / "dev.jsonl").write_text('{"sentence": "a", "sentiment": "positive"}\n', encoding="utf-8")
    source = SOURCE.format(api_base="http://127.0.0.1:9/v1", key_env=KEY_ENV).replace("train.jsonl", "dev.jsonl")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(source.encode("utf-8"))))
    assert main(["check", "-"]) == 0
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"lm default = 42\n")))
    assert main(["check", "-"]) == 1
    assert "<stdin>:1:14: error[E002]" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [[], ["buidl", "x.lmp"], ["build"], ["check", "x.lmp", "--format", "yaml"]])
def test_a_wrong_command_line_exits_64_not_2_which_means_a_crash(argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 64
    assert "usage: lmc" in capsys.readouterr().err


def test_check_in_process_leaves_the_collector_as_it_found_it(tmp_path: Path) -> None:
    """`lmc check` turns the collector off while it runs; `main` called in-process (a host, these tests)
    gets it back as it was, and nothing is frozen (only the `lmc` command's own process freezes, at exit)."""
    import gc

    source = tmp_path / "ok.lmp"
    source.write_text("signature S {\n  in q: str\n  out a: str\n}\n", encoding="utf-8")
    frozen = gc.get_freeze_count()
    assert gc.isenabled()
    assert main(["check", str(source)]) == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    gc.disable()
    try:
        assert main(["check", str(source)]) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
