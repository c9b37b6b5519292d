"""Hostile text in instructions, demos and descriptions comes back byte for byte."""

from __future__ import annotations

import io
import subprocess
import sys
import tokenize
from pathlib import Path, PurePosixPath

from lmc.codegen import render_package, write_package
from lmc.host.loader import load_package
from lmc.ir import nodes as ir
from lmc.runtime.signature import Params
from tests.codegen.helpers import parse_ok

LONG = "word " * 120 + "x" * 300

# The .lmp text, built with placeholders because it holds both kinds of triple quotes.
SOURCE = (
    (
        "signature Tricky {\n"
        "  QQQInstructions with SSSsingle triplesSSS, a \\\\ backslash, {{ jinja }} and {% tags %} {# c #},\n"
        "  emoji 😀, CJK 中文字幕, RTL עברית, and a long line: LONGQQQ\n"
        '  in  text: str  "say \\"hi\\" and \\\\ and {{x}} and \\u0000 nul and \\t tab"\n'
        '  out label: str "it\'s \'quoted\' and \\"\\"\\"triple\\"\\"\\""\n'
        "}\n"
        "\n"
        "program tricky(text: str) -> (label: str) {\n"
        "  module m = Predict(Tricky)\n"
        "  return m(text=text)\n"
        "}\n"
    )
    .replace("QQQ", '"""')
    .replace("SSS", "'''")
    .replace("LONG", LONG)
)

HOSTILE = [
    '"""',
    "'''",
    "back\\slash\\n\\\\",
    "{{ user }} {% if x %}{% endif %} {# note #}",
    "nul\x00byte",
    "crlf\r\nline\rcr",
    "😀 emoji, 中文 CJK, עברית RTL \u200f, combining e\u0301",
    "y" * 2000,
    ("long line of words " * 50).strip(),
    "\x1b[31mansi\x1b[0m \x7f del",
]
INSTRUCTIONS = "\n".join(HOSTILE)
DEMOS = tuple({"text": text, "label": HOSTILE[-1 - i]} for i, text in enumerate(HOSTILE))


def _render(tmp_path: Path):
    source = parse_ok(SOURCE, tmp_path)
    params = {"tricky.m": Params(instructions=INSTRUCTIONS, demos=DEMOS)}
    files = render_package(source, package="tricky", source_dir=tmp_path, source_text=SOURCE, params=params)
    return source, files


def test_hostile_strings_round_trip_exactly(tmp_path: Path) -> None:
    source, files = _render(tmp_path)
    pkg = load_package(files, package="tricky")
    loaded = pkg.PARAMS["tricky.m"]
    assert loaded.instructions == INSTRUCTIONS
    assert loaded.demos == DEMOS
    for got, want in zip(loaded.demos, DEMOS, strict=True):
        assert list(got) == list(want)  # key order too

    (decl,) = source.of(ir.SignatureDecl)
    signature = pkg.programs.MODULES["tricky.m"].signature
    assert signature.instructions == decl.instructions
    assert "'''single triples'''" in signature.instructions and LONG in signature.instructions
    assert [f.desc for f in signature.fields] == [f.desc or "" for f in decl.fields]
    assert "\x00" in signature.inputs[0].desc


def test_hostile_package_compiles_and_is_clean(tmp_path: Path) -> None:
    _, files = _render(tmp_path)
    out = tmp_path / "out" / "tricky"
    write_package(files, out)
    done = subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(out / "tricky")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    check = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=out, capture_output=True)
    assert check.returncode == 0, check.stdout.decode()


def test_template_syntax_appears_only_inside_string_literals(tmp_path: Path) -> None:
    _, files = _render(tmp_path)
    for path, data in files.items():
        if path.suffix != ".py" or "_runtime" in path.parts:
            continue
        tokens = tokenize.generate_tokens(io.StringIO(data.decode("utf-8")).readline)
        for token in tokens:
            if token.type == tokenize.STRING:
                continue
            for marker in ("{{", "{%", "{#"):
                assert marker not in token.string, (str(path), token)
    assert PurePosixPath("tricky/params.py") in files
