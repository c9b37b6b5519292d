"""Importing an emitted package loads neither pydantic nor litellm: both wait for the first call.

pydantic alone takes about 100 ms to import, the whole budget of ``import
<package>`` (``bench/import_time.py``). The program models live in
``results.py`` and load at a program's first use; the runtime imports
pydantic inside the functions that validate.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lmc.codegen import render_package, write_package
from lmc.syntax.parse import parse
from tests.codegen.helpers import load_text
from tests.scripted import ScriptedLM, chat_answer

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "sentiment" / "sentiment.lmp"

# Runs in a fresh interpreter with the built package first on sys.path.
SCRIPT = """
import sys

import sentiment

assert "pydantic" not in sys.modules, "import sentiment loaded pydantic"
assert "litellm" not in sys.modules, "import sentiment loaded litellm"
assert "sentiment.results" not in sys.modules, "import sentiment loaded the program models"
print(sentiment.classify)

from tests.scripted import ScriptedLM, chat_answer

lm = ScriptedLM([chat_answer(sentiment="negative")])
result = sentiment.classify(sentence="A dull, joyless film.", lm=lm)
assert type(result) is sentiment.ClassifyResult, type(result)
assert result.sentiment is sentiment.Sentiment.negative, result
assert "pydantic" in sys.modules and "litellm" not in sys.modules

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


def test_import_is_light_and_a_call_still_returns_the_typed_result(tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    source, _ = parse(text, SAMPLE.name)
    assert source is not None
    project = tmp_path / "sentiment"
    write_package(render_package(source, package="sentiment", source_dir=SAMPLE.parent, source_text=text), project)
    env = {k: v for k, v in os.environ.items() if k not in {"SENTIMENT_LM", "LMC_CACHE_DIR"}}
    # The package first; the repository root only for tests.scripted (imported after the checks).
    env["PYTHONPATH"] = os.pathsep.join([str(project), str(ROOT)])
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "<program classify(sentence) -> ClassifyResult>",
        '{"sentiment":"negative"}',
    ]


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
