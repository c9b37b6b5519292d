"""Importing an emitted package loads its front and nothing else: the programs load at their first call.

``from <package> import <program>`` runs the package's ``__init__.py`` and
the runtime's ``errors.py`` and ``package.py``, and imports no module the
interpreter has not loaded at start-up but ``__future__`` (issue 13: an
import costs at most 3x ``python -c pass``, ``bench/import_time.py``). The
programs module, the runtime that runs it, the LM client, pydantic and the
program models load at a program's first call; ``LM``, the public types,
``PARAMS`` and the models at their first use by name (PEP 562). Each check
runs in a fresh interpreter, where a first use is a first use.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lmc.codegen import render_package, write_package
from lmc.syntax.parse import parse
from tests.codegen.helpers import load_text, render_text
from tests.scripted import ScriptedLM, chat_answer

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "sentiment" / "sentiment.lmp"


def _write_sample(project: Path) -> Path:
    text = SAMPLE.read_text(encoding="utf-8")
    source, _ = parse(text, SAMPLE.name)
    assert source is not None
    write_package(render_package(source, package="sentiment", source_dir=SAMPLE.parent, source_text=text), project)
    return project


@pytest.fixture(scope="module")
def sentiment_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sentiment sample's package, written once for the module's fresh interpreters."""
    return _write_sample(tmp_path_factory.mktemp("import-cost") / "sentiment")


def _run(script: str, project: Path, cwd: Path, **env_vars: str) -> subprocess.CompletedProcess[str]:
    """``script`` in a fresh interpreter, the package's folder first on its path.

    The repository root follows it, for ``tests.scripted`` only (each script
    imports it after its checks of the import).
    """
    env = {k: v for k, v in os.environ.items() if not k.endswith("_LM") and k != "LMC_CACHE_DIR"}
    env["PYTHONPATH"] = os.pathsep.join([str(project), str(ROOT)])
    env.update(env_vars)
    return subprocess.run([sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


SCRIPT = """
import sys

import sentiment

assert "pydantic" not in sys.modules, "import sentiment loaded pydantic"
assert "litellm" not in sys.modules, "import sentiment loaded litellm"
assert "sentiment.results" not in sys.modules, "import sentiment loaded the program models"
print(sentiment.classify.name)

from tests.scripted import ScriptedLM, chat_answer

lm = ScriptedLM([chat_answer(sentiment="negative")])
result = sentiment.classify(sentence="A dull, joyless film.", lm=lm)
assert type(result) is sentiment.ClassifyResult, type(result)
assert result.sentiment is sentiment.Sentiment.negative, result
assert "pydantic" in sys.modules and "litellm" not in sys.modules
print(sentiment.classify)

from sentiment import ClassifyInputs, ClassifyResult
assert ClassifyResult is sentiment.results.ClassifyResult
assert ClassifyInputs.__module__ == "sentiment.results"
try:
    sentiment.NoSuchName
except AttributeError as exc:
    assert "NoSuchName" in str(exc)
else:
    raise AssertionError("an unknown attribute did not raise")
print(result.model_dump_json())
"""


def test_import_is_light_and_a_call_still_returns_the_typed_result(sentiment_project: Path, tmp_path: Path) -> None:
    done = _run(SCRIPT, sentiment_project, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "classify",
        "<program classify(sentence) -> ClassifyResult>",
        '{"sentiment":"negative"}',
    ]


# What the import must leave for the first call: the runtime that runs a program, the LM client and
# its HTTP path, the module kinds, and the libraries they need.
NOT_AT_IMPORT = (
    "sentiment.programs",
    "sentiment.params",
    "sentiment.results",
    "sentiment.types",
    "sentiment._runtime.program",
    "sentiment._runtime.modules",
    "sentiment._runtime.signature",
    "sentiment._runtime.lm.client",
    "sentiment._runtime.lm.openai_compat",
    "typing",
    "logging",
    "inspect",
    "dataclasses",
    "re",
    "json",
    "enum",
    "pathlib",
    "threading",
    "urllib.parse",
    "http.client",
    "sqlite3",
    "pydantic",
    "litellm",
)

FRONT = f"""
import sys

before = set(sys.modules)
from sentiment import classify

added = set(sys.modules) - before
own = sorted(m for m in added if m.partition(".")[0] == "sentiment")
assert own == ["sentiment", "sentiment._runtime", "sentiment._runtime.errors", "sentiment._runtime.package"], own
others = sorted(m for m in added if m.partition(".")[0] != "sentiment")
assert set(others) <= {{"__future__"}}, others
loaded = sorted(set({NOT_AT_IMPORT!r}) & added)
assert not loaded, loaded

import sentiment
from tests.scripted import ScriptedLM, chat_answer

result = classify(sentence="A warm, funny film.", lm=ScriptedLM([chat_answer(sentiment="positive")]))
assert result.sentiment is sentiment.Sentiment.positive, result
assert classify.program is sentiment.programs.PROGRAMS["classify"]
assert {{"sentiment.programs", "sentiment._runtime.program", "pydantic"}} <= set(sys.modules)
assert "sentiment._runtime.lm.client" not in sys.modules  # the call was given an LM object

from sentiment import LM, PARAMS, Sentiment

assert LM.__module__ == "sentiment._runtime.lm.client", LM
assert Sentiment is sentiment.types.Sentiment
assert PARAMS is sentiment.params.PARAMS and classify.params == PARAMS
assert {{"LM", "PARAMS", "ClassifyInputs", "ClassifyResult", "Sentiment", "classify"}} <= set(dir(sentiment))
print("ok")
"""


def test_from_import_loads_only_the_package_front(sentiment_project: Path, tmp_path: Path) -> None:
    """``from sentiment import classify`` loads four modules of the package and no library; a call loads the rest."""
    done = _run(FRONT, sentiment_project, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ok"]


THREADS = """
import sys
import threading

sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can: races show

from sentiment import Sentiment, classify
from tests.scripted import ScriptedLM, chat_answer

N = 32
barrier = threading.Barrier(N)
results, errors = [], []


def call(i: int) -> None:
    answer = "positive" if i % 2 else "negative"
    lm = ScriptedLM([chat_answer(sentiment=answer)])
    barrier.wait()
    try:
        results.append((i, classify(sentence=f"Film {i}.", lm=lm).sentiment))
    except BaseException as exc:
        errors.append(repr(exc))


threads = [threading.Thread(target=call, args=(i,)) for i in range(N)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert not errors, errors
assert sorted(results) == [(i, Sentiment.positive if i % 2 else Sentiment.negative) for i in range(N)], results
print(len(results))
"""


def test_many_threads_making_the_first_call_at_once_all_get_their_results(
    sentiment_project: Path, tmp_path: Path
) -> None:
    done = _run(THREADS, sentiment_project, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["32"]


BROKEN_TOOL = """
signature Echo {
  in text: str
  out said: str
}

tool shout(text: str) -> str = python "helpers:shout" "Upper-case the text."

program echo(text: str) -> (said: str) {
  module m = Predict(Echo)
  return m(text=shout(text=text))
}
"""

HELPERS = """
import os

if os.environ.get("HELPERS_BROKEN"):
    raise RuntimeError("helpers cannot load")


def shout(text: str) -> str:
    return text.upper()
"""

BROKEN = """
import os
import sys

from pkg import echo
from tests.scripted import ScriptedLM, chat_answer

for attempt in (1, 2):
    try:
        echo(text="hi", lm=ScriptedLM([chat_answer(said="HI")]))
    except RuntimeError as exc:
        assert str(exc) == "helpers cannot load", exc
    else:
        raise AssertionError("the call ran without its tool's module")
    assert "pkg.programs" not in sys.modules, attempt
os.environ.pop("HELPERS_BROKEN")
lm = ScriptedLM([chat_answer(said="HI")])
print(echo(text="hi", lm=lm).said, lm.calls[0][-1]["content"].count("HI"))
"""


def test_a_first_call_whose_programs_fail_to_load_raises_their_error_each_time(tmp_path: Path) -> None:
    """The failed load stores nothing: each call raises the module's own error, and one after the fix runs."""
    (tmp_path / "helpers.py").write_text(HELPERS, encoding="utf-8")
    project = tmp_path / "out" / "pkg"
    write_package(render_text(BROKEN_TOOL, tmp_path, package="pkg"), project)
    done = _run(BROKEN, project, tmp_path, HELPERS_BROKEN="1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["HI", "1"]


MOOD_DEFAULT = """
enum Mood { happy, sad }

signature Judge {
  in text: str
  in mood: Mood
  out said: str
}

program judge(text: str, mood: Mood = "sad") -> (said: str) {
  module m = Predict(Judge)
  return m(text=text, mood=mood)
}
"""

DEFAULT = """
import inspect
import sys

from pkg import judge

assert "pkg.types" in sys.modules  # the class's default is one of its members
assert "pkg.programs" not in sys.modules and "pydantic" not in sys.modules
import pkg

assert inspect.signature(judge).parameters["mood"].default is pkg.Mood.sad
from tests.scripted import ScriptedLM, chat_answer

lm = ScriptedLM([chat_answer(said="ok")])
print(judge(text="hi", lm=lm).said, "sad" in lm.calls[0][-1]["content"])
"""


def test_an_enum_an_input_defaults_to_is_imported_with_the_package(tmp_path: Path) -> None:
    project = tmp_path / "out" / "pkg"
    write_package(render_text(MOOD_DEFAULT, tmp_path, package="pkg"), project)
    done = _run(DEFAULT, project, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ok", "True"]


CLASHES = """
type Any { text: str }

signature Echo {
  in text: str
  out said: Any
}

program results(text: str) -> (said: Any) {
  module m = Predict(Echo)
  return m(text=text)
}
"""


def test_names_of_the_lazy_machinery_never_clash_with_user_names(tmp_path: Path) -> None:
    """A program named ``results`` or a type named ``Any`` is renamed; the lazy models still load.

    The loader imports the package under a private name, so the models load by ``__name__``.
    """
    pkg = load_text(CLASHES, tmp_path, package="clash")
    assert pkg.__name__ != "clash"
    program = pkg.results_
    result = program(text="hi", lm=ScriptedLM([chat_answer(said='{"text": "hello"}')]))
    assert type(result) is pkg.ResultsResult and type(result.said) is pkg.Any_
    assert result.said.text == "hello"
    assert pkg.results.ResultsResult is pkg.ResultsResult  # the submodule, bound by the first use
    assert {"Any_", "ResultsInputs", "ResultsResult", "results_"} <= set(pkg.__all__)
