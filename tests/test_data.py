import json

import pytest

from lmc.data import datasets
from lmc.data.datasets import DataError, DataShape, Example, load_dataset, peek

ROWS = [
    {"sentence": "a fine film", "label": "positive", "score": 4},
    {"sentence": "dull", "label": "negative", "score": 1},
    {"sentence": "it is a film", "label": "neutral", "score": 3},
]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def jsonl(tmp_path, rows=ROWS, name="train.jsonl"):
    return write(tmp_path, name, "".join(json.dumps(r) + "\n" for r in rows))


def load(path, inputs=("sentence",), **kw):
    return load_dataset(path, name="train", input_keys=inputs, **kw)


# ------------------------------------------------------------------ formats


def test_jsonl_keeps_json_values_and_skips_blank_lines(tmp_path):
    path = write(tmp_path, "t.jsonl", json.dumps(ROWS[0]) + "\n\n   \n" + json.dumps(ROWS[1]) + "\n")
    ds = load(path)
    assert ds.name == "train" and ds.path == path
    assert [dict(e) for e in ds.examples] == ROWS[:2]
    assert ds.examples[0]["score"] == 4


def test_json_list_of_objects(tmp_path):
    path = write(tmp_path, "t.json", json.dumps(ROWS, indent=2))
    assert [dict(e) for e in load(path).examples] == ROWS


def test_csv_values_stay_strings(tmp_path):
    path = write(tmp_path, "t.csv", 'sentence,label,score\n"a fine, long film",positive,4\n\ndull,negative,1\n')
    ds = load(path)
    assert [dict(e) for e in ds.examples] == [
        {"sentence": "a fine, long film", "label": "positive", "score": "4"},
        {"sentence": "dull", "label": "negative", "score": "1"},
    ]


def test_a_byte_order_mark_is_ignored(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("\ufeffsentence,label\nok,positive\n".encode())
    assert list(load(path).examples[0]) == ["sentence", "label"]


def test_limit_keeps_the_first_rows(tmp_path):
    assert [e["sentence"] for e in load(jsonl(tmp_path), limit=2).examples] == ["a fine film", "dull"]


def test_example_inputs_and_labels(tmp_path):
    example = load(jsonl(tmp_path), inputs=("sentence",)).examples[0]
    assert example.inputs() == {"sentence": "a fine film"}
    assert example.labels() == {"label": "positive", "score": 4}
    assert example.input_keys == frozenset({"sentence"})
    assert example == ROWS[0]  # equal to a dict with the same fields


def test_example_is_read_only():
    example = Example({"a": 1}, {"a"})
    with pytest.raises(TypeError):
        example["a"] = 2  # type: ignore[index]
    with pytest.raises(ValueError, match="input keys not among the fields: b"):
        Example({"a": 1}, {"b"})


# ------------------------------------------------------------------- errors


def error_of(path, **kw) -> DataError:
    with pytest.raises(DataError) as caught:
        load(path, **kw)
    return caught.value


def test_invalid_json_line_names_the_line(tmp_path):
    path = write(tmp_path, "t.jsonl", json.dumps(ROWS[0]) + "\n\n{not json}\n")
    err = error_of(path)
    assert err.line == 3
    assert str(err).startswith(f"{path}:3: invalid JSON: Expecting property name")


def test_jsonl_line_that_is_not_an_object(tmp_path):
    err = error_of(write(tmp_path, "t.jsonl", "[1, 2]\n"))
    assert (err.line, err.message) == (1, "expected a JSON object, got a list")


def test_missing_input_field_names_row_and_line(tmp_path):
    path = jsonl(tmp_path, [ROWS[0], {"label": "x"}])
    err = error_of(path)
    assert str(err) == f"{path}:2: row 2 has no field `sentence`"


def test_missing_input_field_in_json(tmp_path):
    path = write(tmp_path, "t.json", json.dumps([ROWS[0], ROWS[1], {"text": "x"}]))
    err = error_of(path)
    assert (err.row, err.line) == (3, None)
    assert str(err) == f"{path}: row 3 has no field `sentence`"


def test_json_that_is_not_a_list(tmp_path):
    err = error_of(write(tmp_path, "t.json", '{"rows": []}'))
    assert err.message == "expected a list of objects, got an object"


def test_json_list_item_that_is_not_an_object(tmp_path):
    err = error_of(write(tmp_path, "t.json", json.dumps([ROWS[0], "oops"])))
    assert (err.row, err.message) == (2, "expected a list of objects, but row 2 is a string")


def test_invalid_json_document_names_the_line(tmp_path):
    err = error_of(write(tmp_path, "t.json", '[\n  {"a": 1},\n  {"a": }\n]'))
    assert err.line == 3 and err.message.startswith("invalid JSON:")


def test_csv_row_with_the_wrong_number_of_values(tmp_path):
    path = write(tmp_path, "t.csv", "sentence,label\nok,positive\nno label\n")
    err = error_of(path)
    assert str(err) == f"{path}:3: row 2 has 1 values but the header names 2 fields"


def test_csv_header_problems(tmp_path):
    assert error_of(write(tmp_path, "a.csv", "")).message == "the file is empty (expected a header row)"
    assert error_of(write(tmp_path, "b.csv", "sentence,sentence\nx,y\n")).message == "the header names `sentence` twice"
    assert error_of(write(tmp_path, "c.csv", "sentence,\nx,y\n")).message == "column 2 of the header has no name"


def test_unsupported_missing_undecodable_and_empty_files(tmp_path):
    assert "unsupported file type `.txt`" in error_of(write(tmp_path, "t.txt", "x")).message
    assert error_of(tmp_path / "nope.jsonl").message.startswith("cannot read the file: No such file")
    bad = tmp_path / "t.jsonl"
    bad.write_bytes(b'{"sentence": "ok"}\n{"sentence": "\xff"}\n')
    err = error_of(bad)
    assert err.line == 2 and err.message.startswith("the file is not UTF-8 text")
    assert error_of(write(tmp_path, "e.jsonl", "\n\n")).message == "the dataset has no rows"


# -------------------------------------------------------------------- peek


def test_peek_gives_the_fields_of_every_row_and_the_row_count(tmp_path):
    path = jsonl(tmp_path, [ROWS[0], {"sentence": "x", "label": "y"}])
    shape = peek(path)
    assert isinstance(shape, DataShape)
    assert (shape.fields, shape.rows, dict(shape.missing)) == (frozenset({"sentence", "label"}), 2, {"score": "line 2"})
    first = peek(path, limit=1)
    assert isinstance(first, DataShape)
    assert (first.fields, first.rows, dict(first.missing)) == (frozenset({"sentence", "label", "score"}), 1, {})


def test_peek_gives_each_text_value_of_a_field_and_where_it_first_appears(tmp_path):
    rows = [{"q": "a", "l": "yes"}, {"q": "b"}, {"q": "c", "l": "no", "n": 3}, {"q": "d", "l": "yes"}]
    shape = peek(jsonl(tmp_path, rows))
    assert isinstance(shape, DataShape)
    assert dict(shape.values["l"]) == {"yes": "line 1", "no": "line 3"}
    assert "n" not in shape.values  # numbers are not text labels
    assert dict(shape.missing) == {"l": "line 2", "n": "line 1"}
    listed = write(tmp_path, "t.json", json.dumps([{"q": "a"}, {"q": "b", "l": "z"}]))
    shape = peek(listed)
    assert isinstance(shape, DataShape) and dict(shape.missing) == {"l": "row 1"}


def test_peek_leaves_out_fields_with_too_many_distinct_values(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "MAX_DISTINCT", 2)
    shape = peek(jsonl(tmp_path, [{"q": "a", "l": "x"}, {"q": "b", "l": "x"}, {"q": "c", "l": "y"}]))
    assert isinstance(shape, DataShape) and set(shape.values) == {"l"}


def test_peek_counts_csv_rows_after_its_header(tmp_path):
    path = write(tmp_path, "t.csv", "sentence,label\na,b\n\nc,d\n")
    shape = peek(path)
    assert isinstance(shape, DataShape) and (shape.fields, shape.rows) == (frozenset({"sentence", "label"}), 2)
    assert dict(shape.values["label"]) == {"b": "line 2", "d": "line 4"}
    assert peek(path, limit=5).rows == 2


@pytest.mark.parametrize(("name", "text"), [("t.csv", "sentence,label\n"), ("t.jsonl", "\n\n"), ("t.json", "[]")])
def test_peek_gives_an_empty_dataset_no_rows_and_no_fields(tmp_path, name, text):
    shape = peek(write(tmp_path, name, text))
    assert isinstance(shape, DataShape) and (shape.fields, shape.rows) == (frozenset(), 0)


def test_peek_returns_errors(tmp_path):
    err = peek(write(tmp_path, "t.jsonl", '{"a": 1}\nnope\n'))
    assert isinstance(err, DataError) and err.line == 2
    assert isinstance(peek(write(tmp_path, "t.csv", "a,b\n1\n")), DataError)
    assert isinstance(peek(tmp_path / "missing.csv"), DataError)
