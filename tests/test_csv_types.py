"""A CSV dataset's cells are read as the types the program declares, or refused with their line and column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lmc.cli.main import main
from lmc.data.datasets import DataError, load_dataset
from tests.runtime.stub_server import StubServer
from tests.scripted import chat_answer

KEY_ENV = "LMC_TEST_CSV_KEY"
SOURCE = """\
lm default = "openai/stub" {{ api_base: "{api_base}", api_key_env: "{key_env}" }}

signature Price {{
  \"\"\"Compute the total price.\"\"\"
  in  order: str
  out total: float
  out paid: bool
}}

program price(order: str) -> (total: float, paid: bool) {{
  module compute = Predict(Price)
  return compute(order=order)
}}

metric exact = exact_match(total)
dataset orders = "orders.csv" {{ inputs: [order] }}

evaluate price {{ metric: exact, dataset: orders }}
"""

CSV = """\
order,total,paid,note
2 x 1.25,2.5,true,first
4 x 0.5,2.0,false,
3 x 1,3,TRUE,third
1 x 7.5,7.5,false,"quoted, with a comma"
"""

TOTALS = {"2 x 1.25": 2.5, "4 x 0.5": 2.0, "3 x 1": 3.0, "1 x 7.5": 8.0}  # the last answer is wrong


def answer(body: dict) -> str:
    text = body["messages"][-1]["content"]
    order = next(o for o in TOTALS if o in text)
    return chat_answer(total=TOTALS[order], paid="false")


def test_cells_take_the_declared_types_and_other_columns_stay_text(tmp_path: Path):
    (tmp_path / "orders.csv").write_text(CSV)
    types = {"order": str, "total": float, "paid": bool}
    rows = load_dataset(tmp_path / "orders.csv", name="orders", input_keys=["order"], types=types).examples
    assert [r["total"] for r in rows] == [2.5, 2.0, 3.0, 7.5]
    assert [r["paid"] for r in rows] == [True, False, True, False]
    assert [r["note"] for r in rows] == ["first", "", "third", "quoted, with a comma"]
    assert rows[0]["order"] == "2 x 1.25"


def test_a_cell_that_does_not_fit_names_its_line_and_column(tmp_path: Path):
    (tmp_path / "orders.csv").write_text(CSV.replace("3 x 1,3,TRUE", "3 x 1,three,TRUE"))
    with pytest.raises(DataError) as info:
        load_dataset(tmp_path / "orders.csv", name="orders", input_keys=["order"], types={"total": float})
    assert str(info.value).startswith(f"{tmp_path / 'orders.csv'}:4: column `total`: 'three' is not a float")


def test_exact_match_on_a_float_output_scores_what_the_answers_deserve(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv(KEY_ENV, "sk-csv")
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "orders.csv").write_text(CSV)
    with StubServer(answer=answer) as server:
        source = tmp_path / "shop.lmp"
        source.write_text(SOURCE.format(api_base=server.api_base, key_env=KEY_ENV))
        assert main(["eval", str(source), "price", "--dataset", "orders"]) == 0
        assert capsys.readouterr().out.strip() == "75.0"  # three of four totals right: "2.5" == 2.5 now
        assert main(["build", str(source), "-o", str(tmp_path / "out")]) == 0
    (row,) = json.loads((tmp_path / "out" / "shop" / "build.json").read_text())["scores"]
    assert row["label"] == "price on orders (evaluate, exact)" and row["baseline"] == 75.0
