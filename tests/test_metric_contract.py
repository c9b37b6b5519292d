"""Python metrics written as DSPy users write them run as written.

``def metric(example, pred, trace=None): return example.intent == pred.intent``:
attribute and item access on both sides, records of the same kind on both
sides (a dataset row's nested record equals the program's), and ``trace``
passed when the function takes it (None when scoring, the run's module calls
while bootstrapping).
"""

from __future__ import annotations

import enum
import json
from pathlib import Path

import pytest

from lmc.cli.main import main
from lmc.host.metrics import PythonMetric, takes_trace
from lmc.host.records import Record
from tests.runtime.stub_server import StubServer
from tests.scripted import chat_answer


class Intent(str, enum.Enum):
    refund = "refund"
    shipping = "shipping"


def test_a_record_reads_fields_as_attributes_and_items_at_any_depth():
    pred = Record({"intent": Intent.refund, "items": [{"sku": "B-1", "quantity": 2}]})
    assert pred.intent == pred["intent"] == "refund"
    assert pred.items[0].sku == pred["items"][0]["sku"] == "B-1"  # the field `items`, not Mapping.items
    assert pred == {"intent": "refund", "items": [{"sku": "B-1", "quantity": 2}]}
    assert pred.to_dict() == {"intent": "refund", "items": [{"sku": "B-1", "quantity": 2}]}
    assert dict(pred)["intent"] == "refund" and pred.get("missing") is None
    with pytest.raises(AttributeError, match=r"no field `intnet` \(fields: intent, items\)"):
        _ = pred.intnet


def test_a_row_and_a_prediction_holding_the_same_record_are_equal():
    from pydantic import BaseModel

    class Item(BaseModel):
        sku: str
        quantity: int

    gold = Record({"items": [{"sku": "B-1", "quantity": 2}]})
    got = Record({"items": [Item(sku="B-1", quantity=2)]})
    assert gold.items == got.items and gold == got


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def m(example, pred): ...", False),
        ("def m(example, pred, trace=None): ...", True),
        ("def m(gold, pred, trace): ...", True),
        ("def m(*args): ...", True),
        ("def m(example, pred, *, trace=None): ...", True),
    ],
)
def test_trace_is_passed_when_the_function_takes_it(source: str, expected: bool):
    scope: dict = {}
    exec(source, scope)
    assert takes_trace(scope["m"]) is expected


def test_a_dspy_style_metric_gets_records_and_none_as_trace_when_scoring():
    seen = []

    def metric(example, pred, trace=None):
        seen.append(trace)
        return example.intent == pred.intent

    wrapped = PythonMetric("right", metric)
    assert wrapped({"message": "hi", "intent": "refund"}, {"intent": Intent.refund}) is True
    assert wrapped({"intent": "refund"}, {"intent": Intent.shipping}) is False
    assert seen == [None, None]


KEY_ENV = "LMC_TEST_CONTRACT_KEY"
SOURCE = """\
lm default = "openai/stub" {{ api_base: "{api_base}", api_key_env: "{key_env}", temperature: 0.0 }}

type Item {{
  sku: str
  quantity: int
}}

signature Read {{
  \"\"\"Read an order.\"\"\"
  in  text: str
  out customer: str
  out items: list[Item]
}}

program read(text: str) -> (customer: str, items: list[Item]) {{
  module parse = Predict(Read)
  return parse(text=text)
}}

metric same = python "checks_dspy:same_order"
dataset orders = "orders.jsonl" {{ inputs: [text] }}

optimize read {{
  optimizer: BootstrapFewShot {{ max_bootstrapped_demos: 1, max_labeled_demos: 0 }}
  metric: same
  trainset: orders
}}
"""

METRIC = """\
import json
from pathlib import Path


def same_order(example, pred, trace=None):
    with open(Path(__file__).with_name("traces.jsonl"), "a") as log:
        log.write(json.dumps(None if trace is None else [call[0] for call in trace]) + "\\n")
    return example.customer == pred.customer and example.items == pred["items"]
"""

ROWS = [
    {"text": "Ann: 2 x B-1", "customer": "Ann", "items": [{"sku": "B-1", "quantity": 2}]},
    {"text": "Bo: 1 x N-7", "customer": "Bo", "items": [{"sku": "N-7", "quantity": 1}]},
]


def answer(body: dict) -> str:
    text = body["messages"][-1]["content"]
    row = next((r for r in ROWS if r["text"] in text), ROWS[0])
    return chat_answer(customer=row["customer"], items=json.dumps(row["items"]))


def test_a_dspy_style_metric_scores_nested_records_and_sees_the_trace_while_bootstrapping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    monkeypatch.setenv(KEY_ENV, "sk-contract")
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    with StubServer(answer=answer) as server:
        source = tmp_path / "orders.lmp"
        source.write_text(SOURCE.format(api_base=server.api_base, key_env=KEY_ENV))
        (tmp_path / "checks_dspy.py").write_text(METRIC)
        (tmp_path / "orders.jsonl").write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")

        assert main(["eval", str(source), "read", "--dataset", "orders", "--no-cache"]) == 0
        assert capsys.readouterr().out.strip() == "100.0"
        log = tmp_path / "traces.jsonl"
        assert [json.loads(line) for line in log.read_text().splitlines()] == [None, None]

        log.unlink()
        assert main(["build", str(source), "-o", str(tmp_path / "out"), "--no-cache"]) == 0
    traces = [json.loads(line) for line in log.read_text().splitlines()]
    assert ["read.parse"] in traces  # bootstrapping: the run's module calls
    assert None in traces  # the build's scoring: no trace
