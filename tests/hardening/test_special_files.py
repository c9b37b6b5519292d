"""A FIFO or a device where a source or a data file should be is refused with a diagnostic, never read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import lmc
from lmc.cli.main import main
from lmc.data.datasets import DataError, load_dataset

SOURCE = """\
signature S {
  in  q: str
  out a: str
}
program p(q: str) -> (a: str) {
  module m = Predict(S)
  return m(q=q)
}
metric same = exact_match(a)
dataset dev = "dev.jsonl" { inputs: [q] }
evaluate p { metric: same, dataset: dev }
"""


def test_a_fifo_as_the_source_is_a_diagnostic(tmp_path: Path, capsys):
    fifo = tmp_path / "app.lmp"
    os.mkfifo(fifo)  # nothing ever writes to it: reading it would wait forever
    assert main(["check", str(fifo)]) == 1
    assert "not a regular file" in capsys.readouterr().err
    (diag,) = lmc.check(fifo)
    assert diag.code == "E000" and "not a regular file" in diag.message


def test_a_fifo_or_a_device_as_a_dataset_is_a_diagnostic(tmp_path: Path):
    os.mkfifo(tmp_path / "dev.jsonl")
    (diag,) = lmc.check(SOURCE, path=str(tmp_path / "app.lmp"))
    assert (diag.code, diag.line) == ("E503", 10) and "not a regular file" in diag.message
    (diag,) = lmc.check(SOURCE.replace('"dev.jsonl"', '"zero.jsonl"'), path=str(tmp_path / "app.lmp"))
    assert diag.code == "E502"  # missing: a plain diagnostic still
    device = tmp_path / "device.jsonl"
    device.symlink_to("/dev/zero")
    (diag,) = lmc.check(SOURCE.replace('"dev.jsonl"', '"device.jsonl"'), path=str(tmp_path / "app.lmp"))
    assert diag.code == "E503" and "not a regular file" in diag.message


def test_the_loader_never_reads_a_fifo(tmp_path: Path):
    os.mkfifo(tmp_path / "rows.jsonl")
    with pytest.raises(DataError, match="not a regular file"):
        load_dataset(tmp_path / "rows.jsonl", name="rows", input_keys=[])


def test_a_number_past_what_python_converts_is_a_diagnostic_not_a_crash():
    digits = "9" * 5000
    found = lmc.check(f'lm default = "local/smollm2" {{ max_tokens: {digits}, temperature: 1e999 }}\n')
    assert [d.code for d in found if d.code == "E011"] == ["E011", "E011"]
