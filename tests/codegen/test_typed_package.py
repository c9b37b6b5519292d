"""An emitted package is typed: ``mypy --strict`` passes on it, and a program call has its result's type.

Each golden package is checked on disk with its vendored ``_runtime``, by the
mypy the project pins, under the settings of the package's own
``pyproject.toml`` (which says ``strict``, and names what is not checked).
A program's class takes its inputs as keyword parameters, defaults included,
and the errors a call can raise are importable from the package.
"""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from lmc.host.loader import load_package
from lmc.runtime import errors
from lmc.runtime.kinds.sandbox import SandboxError
from tests.codegen.helpers import load_text, render_text
from tests.codegen.test_cli import SOURCE as RATER
from tests.codegen.test_render import SAMPLES, SENTIMENT
from tests.runtime.test_pot import SOURCE as POT
from tests.scripted import ScriptedLM


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the module's runs: the standard library, pydantic and litellm are read once."""
    return tmp_path_factory.mktemp("mypy-cache")


def _mypy(root: Path, cache: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    """``mypy --strict`` in the package folder ``root``: its pyproject.toml's settings, its files unless ``targets``."""
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), "--no-color-output", *targets],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("sample", [p.stem for p in SAMPLES])
def test_mypy_strict_passes_on_each_golden_package(
    sample: str, sample_packages: dict[str, Path], mypy_cache: Path
) -> None:
    done = _mypy(sample_packages[sample], mypy_cache)
    assert done.returncode == 0, done.stdout + done.stderr
    found = re.search(r"no issues found in (\d+) source files", done.stdout)
    assert found is not None, done.stdout
    # The generated files and every vendored one were read.
    assert int(found.group(1)) > len(list((sample_packages[sample] / sample / "_runtime").rglob("*.py"))) > 0


USE = """\
import asyncio

from sentiment import PROGRAMS, ClassifyResult, ParseError, classify

reveal_type(classify(sentence="A warm, funny film."))
reveal_type(asyncio.run(classify.acall(sentence="A warm, funny film.", lm="openai/gpt-4o-mini")))
reveal_type(classify.invoke({"sentence": "A warm, funny film."}))
reveal_type(PROGRAMS["classify"].result_type)
classify(sentence=3)
classify(sentence="A warm, funny film.", mood="warm")
classify()
try:
    classify(sentence="A warm, funny film.")
except ParseError as exc:
    reveal_type(exc.raw)
"""


def test_a_program_call_is_typed_as_its_result_model(sample_packages: dict[str, Path], mypy_cache: Path) -> None:
    root = sample_packages["sentiment"]
    (root / "use_sentiment.py").write_text(USE, encoding="utf-8")
    done = _mypy(root, mypy_cache, "use_sentiment.py")
    lines = [line.removeprefix("use_sentiment.py:") for line in done.stdout.splitlines()]
    revealed = [line for line in lines if "Revealed type" in line]
    assert revealed == [
        '5: note: Revealed type is "sentiment.results.ClassifyResult"',
        '6: note: Revealed type is "sentiment.results.ClassifyResult"',
        '7: note: Revealed type is "sentiment.results.ClassifyResult"',
        '8: note: Revealed type is "type[sentiment.results.ClassifyResult]"',
        '15: note: Revealed type is "tuple[str, ...]"',
    ], done.stdout
    errors = [line for line in lines if ": error:" in line]
    assert [(e.split(":")[0], e.rsplit("[", 1)[-1]) for e in errors] == [
        ("9", "arg-type]"),
        ("10", "call-arg]"),
        ("11", "call-arg]"),
    ], done.stdout


def test_a_program_call_takes_its_inputs_as_keyword_parameters_with_their_defaults(tmp_path: Path) -> None:
    pkg = load_text(RATER.replace("hint: Sentiment? = none", 'hint: Sentiment = "positive"'), tmp_path)
    assert str(inspect.signature(pkg.rate)) == (
        "(*, sentence: 'str', notes: 'list[str]', help: 'str', strictness: 'int' = 1, "
        "hint: 'Sentiment' = <Sentiment.positive: 'positive'>, lm: 'LanguageModel | str | None' = None)"
        " -> 'RateResult'"
    )
    assert inspect.signature(pkg.rate.acall) == inspect.signature(pkg.rate)


def test_an_optional_input_without_a_default_defaults_to_none(tmp_path: Path) -> None:
    pkg = load_text(RATER.replace("hint: Sentiment? = none", "hint: Sentiment?"), tmp_path)
    hint = inspect.signature(pkg.rate).parameters["hint"]
    assert (hint.annotation, hint.default) == ("Sentiment | None", None)


def test_the_errors_a_caller_can_meet_are_exported_and_documented(tmp_path: Path) -> None:
    files = render_text(SENTIMENT, tmp_path, package="plain")
    pkg = load_package(files, package="plain")
    readme = files[PurePosixPath("README.md")].decode()
    for name in ("AdapterParseError", "LMError", "ParseError", "ProgramError"):
        assert getattr(pkg, name) is getattr(errors, name) and name in pkg.__all__
        assert f"- `{name}`:" in readme
    assert "SandboxError" not in pkg.__all__ and "SandboxError" not in readme
    with pytest.raises(pkg.ParseError):
        pkg.classify(sentence="A warm, funny film.", lm=ScriptedLM(lambda messages: "no fields at all"))
    pot = render_text(POT, tmp_path, package="thinker")
    assert "- `SandboxError`:" in pot[PurePosixPath("README.md")].decode()
    assert load_package(pot, package="thinker").SandboxError is SandboxError
