"""The lock lives beside its source, and a checkout of the source, its data and the lock rebuilds the package.

The program is an invoice extractor whose fields are not in alphabetical
order, with nested records, as users write them: the lock must keep each
demo's field order, or ``--frozen`` renders a different ``params.py``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lmc.cli.main import main
from tests.runtime.stub_server import StubServer
from tests.scripted import chat_answer

KEY_ENV = "LMC_TEST_INVOICE_KEY"

SOURCE = """\
lm default = "openai/stub" {{ api_base: "{api_base}", api_key_env: "{key_env}", temperature: 0.0 }}

type Item {{
  sku: str
  name: str
  quantity: int
}}

signature Extract {{
  \"\"\"Read an invoice.\"\"\"
  in  text: str
  out vendor: str
  out total: float
  out items: list[Item]
}}

program extract(text: str) -> (vendor: str, total: float, items: list[Item]) {{
  module read = Predict(Extract)
  return read(text=text)
}}

metric exact = exact_match(total)
dataset train = "invoices.jsonl" {{ inputs: [text] }}

optimize extract {{
  optimizer: LabeledFewShot {{ k: 2 }}
  metric: exact
  trainset: train
}}
"""

ROWS = [
    {
        "text": "Zeta Corp: 2 x bolt (B-1) at 1.25",
        "vendor": "Zeta Corp",
        "total": 2.5,
        "items": [{"sku": "B-1", "name": "bolt", "quantity": 2}],
    },
    {
        "text": "Acme: 3 x nut (N-7) at 0.5",
        "vendor": "Acme",
        "total": 1.5,
        "items": [{"sku": "N-7", "name": "nut", "quantity": 3}],
    },
    {
        "text": "Yodel Ltd: 1 x washer (W-2) at 4",
        "vendor": "Yodel Ltd",
        "total": 4.0,
        "items": [{"sku": "W-2", "name": "washer", "quantity": 1}],
    },
]


def answer(body: dict) -> str:
    return chat_answer(vendor="Acme", total=1.5, items=json.dumps(ROWS[1]["items"]))


def write_project(folder: Path, api_base: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "invoice.lmp").write_text(SOURCE.format(api_base=api_base, key_env=KEY_ENV), encoding="utf-8")
    lines = [json.dumps(row) for row in ROWS]
    (folder / "invoices.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "invoice.lmp"


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv(KEY_ENV, "sk-invoice")
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    with StubServer(answer=answer) as stub:
        yield stub


def test_a_clean_checkout_of_source_data_and_lock_rebuilds_the_identical_package(server, tmp_path: Path, capsys):
    source = write_project(tmp_path / "repo", server.api_base)
    assert main(["build", str(source), "-o", str(tmp_path / "repo" / "build")]) == 0
    lock = source.with_suffix(".lock")
    assert lock.is_file(), "the lock goes beside the source"
    assert f"lock: {lock}" in capsys.readouterr().err
    assert not (tmp_path / "repo" / "build" / "invoice" / "lmc.lock").exists()
    built = tree(tmp_path / "repo" / "build" / "invoice")
    params = built["invoice/params.py"].decode()
    assert params.index('"vendor"') < params.index('"total"') < params.index('"items"')
    assert params.index('"sku"') < params.index('"name"') < params.index('"quantity"')

    checkout = tmp_path / "checkout"  # what a repository holds: no build folder, no cache
    checkout.mkdir()
    for name in ("invoice.lmp", "invoices.jsonl", "invoice.lock"):
        shutil.copy(tmp_path / "repo" / name, checkout / name)
    shutil.rmtree(tmp_path / "cache")
    asked = server.count
    assert main(["build", str(checkout / "invoice.lmp"), "-o", str(checkout / "build"), "--frozen"]) == 0
    assert server.count == asked, "--frozen called the LM"
    assert tree(checkout / "build" / "invoice") == built
    assert (checkout / "invoice.lock").read_bytes() == lock.read_bytes()


def test_the_lock_keeps_each_demos_field_order_and_sorts_everything_else(server, tmp_path: Path):
    source = write_project(tmp_path, server.api_base)
    assert main(["build", str(source), "-o", str(tmp_path / "build")]) == 0
    lock = json.loads(source.with_suffix(".lock").read_text(encoding="utf-8"))
    assert list(lock) == sorted(lock) and list(lock["inputs"]) == sorted(lock["inputs"])
    demos = lock["result"]["params"]["extract.read"]["demos"]
    assert demos and all(list(demo) == ["text", "vendor", "total", "items"] for demo in demos)
    assert all(list(item) == ["sku", "name", "quantity"] for demo in demos for item in demo["items"])


def test_lock_chooses_where_the_lock_is_written_and_read(server, tmp_path: Path, capsys):
    source = write_project(tmp_path, server.api_base)
    chosen = tmp_path / "locks" / "invoice.json"
    out = tmp_path / "build"
    assert main(["build", str(source), "-o", str(out), "--lock", str(chosen)]) == 0
    assert chosen.is_file() and not source.with_suffix(".lock").exists()
    capsys.readouterr()
    assert main(["build", str(source), "-o", str(out), "--frozen"]) == 3
    assert "there is no" in capsys.readouterr().err  # the default place holds no lock
    assert main(["build", str(source), "-o", str(out), "--frozen", "--lock", str(chosen)]) == 0
