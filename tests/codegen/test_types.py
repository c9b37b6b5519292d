"""types.py: enums and records whose .lmp names clash with Python, str or pydantic."""

from __future__ import annotations

from pathlib import Path

from tests.codegen.helpers import load_text

SOURCE = """
enum Kind { title, name, value, upper, plain }

type Rec {
  json: str "clashes with BaseModel.json"
  model_name: str
  _private: int
  str: int?
  kind: Kind
}

signature Make {
  in  seed: str
  out rec: Rec
}

program make(seed: str) -> (rec: Rec, kind: Kind, tag: str, n: int) {
  module m = Predict(Make)
  r = m(seed=seed).rec
  return { rec: r, kind: r.kind, tag: r.json + r.model_name, n: r._private }
}
"""


def test_enum_members_keep_their_values_under_safe_names(tmp_path: Path) -> None:
    pkg = load_text(SOURCE, tmp_path, check=False)
    kind = pkg.Kind
    assert [m.value for m in kind] == ["title", "name", "value", "upper", "plain"]
    assert kind("title") is kind.title_ and kind("upper") is kind.upper_ and kind("plain") is kind.plain
    assert kind("title").upper() == "TITLE"  # str methods still work on members


def test_record_fields_round_trip_by_their_lmp_names(tmp_path: Path) -> None:
    pkg = load_text(SOURCE, tmp_path, check=False)
    data = {"json": "j", "model_name": "m", "_private": 3, "str": None, "kind": "upper"}
    rec = pkg.Rec.model_validate(data)
    assert (rec.json_, rec.f_model_name, rec.f_private, rec.str_, rec.kind) == ("j", "m", 3, None, pkg.Kind.upper_)
    assert rec.model_dump(mode="json") == data
    schema = pkg.Rec.model_json_schema()
    assert set(schema["properties"]) == set(data)
    assert schema["properties"]["json"]["description"] == "clashes with BaseModel.json"


def test_a_program_returns_a_validated_record(tmp_path: Path) -> None:
    from tests.scripted import ScriptedLM, chat_answer

    pkg = load_text(SOURCE, tmp_path, check=False)
    answer = '{"json": "j", "model_name": "m", "_private": 3, "kind": "name"}'
    lm = ScriptedLM(lambda messages: chat_answer(rec=answer))
    result = pkg.make(seed="s", lm=lm)
    assert isinstance(result.rec, pkg.Rec) and result.rec.f_private == 3
    assert result.kind is pkg.Kind.name_
    # r.json is the field, not BaseModel.json; r._private and r.model_name read their aliases.
    assert (result.tag, result.n) == ("jm", 3)
    assert result.model_dump(mode="json")["rec"]["model_name"] == "m"
