"""``lmc run``, ``eval`` and ``prompt`` run what the build learned, and say so.

The lock beside the source gives the learned parameters when it was written
for this very source; ``--lock PATH`` names another, ``--unoptimized`` asks
for the defaults. The project is the stub sentiment project, whose model
answers in format only when it is shown demos.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lmc.cli.main import main
from tests.stub_project import stub_project


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with stub_project(tmp_path, monkeypatch) as (server, project):
        assert main(["build", str(project), "-o", str(tmp_path / "out"), "--threads", "1"]) == 0
        yield server, project


def score_of(out: str) -> float:
    return float(out.strip().splitlines()[-1])


def test_eval_uses_the_learned_parameters_and_says_so(built, capsys):
    _, project = built
    capsys.readouterr()
    assert main(["eval", str(project), "classify", "--dataset", "dev"]) == 0
    learned = capsys.readouterr()
    assert f"using the learned parameters of {project.with_suffix('.lock')} (classify.judge)" in learned.err
    assert main(["eval", str(project), "classify", "--dataset", "dev", "--unoptimized"]) == 3  # no demos: no format
    plain = capsys.readouterr()
    assert "running the unoptimized program (--unoptimized)" in plain.err
    assert score_of(learned.out) == 75.0 and score_of(plain.out) == 0.0


def test_prompt_shows_the_learned_demos_and_run_answers_with_them(built, capsys):
    _, project = built
    capsys.readouterr()
    assert main(["prompt", str(project), "classify.judge", "--input", "sentence=Fine."]) == 0
    learned = capsys.readouterr().out
    assert main(["prompt", str(project), "classify.judge", "--input", "sentence=Fine.", "--unoptimized"]) == 0
    plain = capsys.readouterr().out
    assert learned.count("----- user -----") > 1 == plain.count("----- user -----")  # demos are user/assistant turns
    assert main(["run", str(project), "classify", "--input", "sentence=The cast is wonderful."]) == 0
    assert '"sentiment": "positive"' in capsys.readouterr().out


def test_a_lock_for_another_version_of_the_source_is_not_used(built, capsys):
    _, project = built
    project.write_text(project.read_text().replace("Classify the sentiment", "Classify the mood"))
    capsys.readouterr()
    assert main(["prompt", str(project), "classify.judge", "--input", "sentence=Fine."]) == 0
    err = capsys.readouterr().err
    assert "running the unoptimized program: " in err and "was written for another version of app.lmp" in err
    lock = str(project.with_suffix(".lock"))
    assert main(["prompt", str(project), "classify.judge", "--lock", lock]) == 3  # asked for by name: an error
    assert "--lock: " in capsys.readouterr().err


def test_without_a_lock_the_defaults_run_and_a_named_missing_lock_is_an_error(tmp_path, monkeypatch, capsys):
    with stub_project(tmp_path, monkeypatch) as (server, project):
        assert main(["prompt", str(project), "classify.judge"]) == 0
        assert "no app.lock beside app.lmp (lmc build writes it)" in capsys.readouterr().err
        assert main(["prompt", str(project), "classify.judge", "--lock", str(tmp_path / "nope.lock")]) == 3
        err = capsys.readouterr().err
        assert "--lock: there is no" in err and "Traceback" not in err
        assert server.count == 0


PARAMS_SOURCE = """\
lm default = "openai/stub" {{ api_base: "{api_base}", api_key_env: "{key_env}" }}

signature Echo {{
  in  word: str
  in  times: int
  out text: str
}}

program echo_words(word: str, times: int = 2, shout: bool = false) -> (text: str) {{
  module echo = Predict(Echo)
  return echo(word=word, times=times)
}}
"""


def test_run_takes_parameter_defaults_and_explains_badly_typed_inputs(tmp_path, monkeypatch, capsys):
    from tests.runtime.stub_server import StubServer
    from tests.scripted import chat_answer

    monkeypatch.setenv("LMC_TEST_ECHO_KEY", "sk-echo")
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    with StubServer(answer=lambda body: chat_answer(text="hi hi")) as server:
        source = tmp_path / "echo.lmp"
        source.write_text(PARAMS_SOURCE.format(api_base=server.api_base, key_env="LMC_TEST_ECHO_KEY"))
        assert main(["run", str(source), "echo_words", "--input", "word=hi"]) == 0
        assert '"text": "hi hi"' in capsys.readouterr().out
        assert "[[ ## times ## ]]\n2" in server.requests[-1].body["messages"][-1]["content"]

        assert main(["run", str(source), "echo_words", "--input", "word=hi", "--input", "times=two"]) == 3
        err = capsys.readouterr().err
        assert '--input times: Input should be a valid integer, unable to parse string as an integer (got "two")' in err
        assert "internal error" not in err

        assert main(["run", str(source), "echo_words", "--input", "times=3"]) == 3
        assert "echo_words() is missing the input(s) `word`" in capsys.readouterr().err
        assert main(["run", str(source), "echo_words", "--input", "word=hi", "--input", "shout=maybe"]) == 3
        assert "--input shout: Input should be a valid boolean" in capsys.readouterr().err
