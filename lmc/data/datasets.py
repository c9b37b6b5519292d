"""Datasets: labeled examples read from ``.jsonl``, ``.json`` and ``.csv`` files.

A ``dataset`` declaration names a file and the fields that are program
inputs (``inputs: [sentence]``); every other field of a row is a label the
metric may read. Rows keep their values as the file gives them: JSON
values for ``.jsonl`` and ``.json``. A ``.csv`` file has no types, so each
cell of a column the program declares (``types``: its inputs and outputs)
is read as that type, as an LM answer is (``"3"`` for an ``int`` is 3,
``"true"`` for a ``bool`` is true, JSON text for a list or a record), and
kept as its plain JSON value; a cell that does not fit is an error naming
its line and column. Other columns stay strings.

Every problem with a file is a :class:`DataError` naming the file and the
line or row, never a traceback: the driver turns it into a diagnostic or a
failed-run message.
"""

from __future__ import annotations

import csv
import io
import json
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..records import record
from ..runtime.retrieve import json_kind
from ..runtime.retrieve import too_much as _too_much

if TYPE_CHECKING:
    import _csv  # where the type of csv.reader() objects is named (csv does not export it)


FORMATS = (".jsonl", ".json", ".csv")


class DataError(Exception):
    """A dataset file that cannot be read, with the place of the problem.

    ``line`` is a physical line of the file (``.jsonl``, ``.csv``); ``row``
    is a 1-based position in the top-level list of a ``.json`` file. At most
    one of them is set; neither is set for problems with the whole file.
    """

    def __init__(self, message: str, path: Path | str, *, line: int | None = None, row: int | None = None) -> None:
        self.message = message
        self.path = Path(path)
        self.line = line
        self.row = row
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.message}"


class Example(Mapping[str, Any]):
    """One row of a dataset: a read-only mapping of field name to value.

    ``input_keys`` are the fields passed to the program; the others are
    labels. Equality compares the fields only (like DSPy's ``Example``), so
    a demo dict made from an example compares equal to it.
    """

    __slots__ = ("_fields", "input_keys")

    def __init__(self, fields: Mapping[str, Any], input_keys: frozenset[str] | Sequence[str] = frozenset()) -> None:
        keys = frozenset(input_keys)
        missing = sorted(keys - fields.keys())
        if missing:
            raise ValueError(f"input keys not among the fields: {', '.join(missing)}")
        self._fields: Mapping[str, Any] = MappingProxyType(dict(fields))
        self.input_keys: frozenset[str] = keys

    def __getitem__(self, key: str) -> Any:
        return self._fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __repr__(self) -> str:
        return f"Example({dict(self._fields)!r}, input_keys={sorted(self.input_keys)!r})"

    def inputs(self) -> dict[str, Any]:
        """The fields a program receives, in the row's order."""
        return {k: v for k, v in self._fields.items() if k in self.input_keys}

    def labels(self) -> dict[str, Any]:
        """Every field that is not an input."""
        return {k: v for k, v in self._fields.items() if k not in self.input_keys}


@record
class Dataset:
    name: str
    path: Path
    examples: tuple[Example, ...]

    def __len__(self) -> int:
        return len(self.examples)


def load_dataset(
    path: Path,
    *,
    name: str,
    input_keys: Sequence[str],
    limit: int | None = None,
    types: Mapping[str, Any] | None = None,
) -> Dataset:
    """Read a dataset file; keep the first ``limit`` rows when a limit is given.

    Every row must carry every input field. ``types`` (field name -> Python
    type) types the cells of a CSV file. Raises :class:`DataError`.
    """
    path = Path(path)
    keys = tuple(dict.fromkeys(input_keys))
    typed = {k: t for k, t in (types or {}).items() if t is not str} if path.suffix.lower() == ".csv" else {}
    examples: list[Example] = []
    for place, fields in _rows(path, limit):
        for key in keys:
            if key not in fields:
                raise place.error(path, f"row {place.row} has no field `{key}`")
        if typed:
            fields = _typed_cells(path, place, fields, typed)
        examples.append(Example(fields, keys))
    if not examples:
        raise DataError("the dataset has no rows", path)
    import logging  # here, not at the top: a check reads data files but never loads them

    logging.getLogger(__name__).debug("loaded %d examples from %s", len(examples), path)
    return Dataset(name=name, path=path, examples=tuple(examples))


@record
class DataShape:
    """What the checker learns of a data file without building examples.

    ``fields`` are present in every row counted; ``rows`` is the number of
    rows the loader would keep (the first ``limit``). A file without rows
    has no fields. ``missing`` gives, for a field that some rows have and
    others lack, where the first row lacking it is (``"line 4"``, or
    ``"row 3"`` in a ``.json`` file); ``values`` gives, per field, each
    distinct text value and where it first appears (fields with more than
    ``MAX_DISTINCT`` values are left out: they are not labels of a choice).
    """

    fields: frozenset[str]
    rows: int
    missing: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


MAX_DISTINCT = 200  # distinct text values a field may have and still be reported in ``DataShape.values``


def peek(path: Path, *, limit: int | None = None) -> DataShape | DataError:
    """The fields, the row count and the text values of a data file (its first ``limit`` rows), or the error.

    For the checker: it validates field names, sizes and labels before any
    LM call, in one pass through the loader's own reader, so both agree on
    what a row is. An empty dataset is a shape here (the checker says where
    it is used); :func:`load_dataset` refuses it.
    """
    path = Path(path)
    common: set[str] | None = None
    seen: set[str] = set()
    first_missing: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    many: set[str] = set()
    rows = 0
    first = ""
    try:
        for place, fields in _rows(path, limit):
            rows += 1
            where = place.where()
            first = first or where
            for key in seen - fields.keys():
                first_missing.setdefault(key, where)
            for key in fields.keys() - seen if rows > 1 else ():
                first_missing.setdefault(key, first)  # absent from every row before, the first one included
            seen.update(fields)
            common = set(fields) if common is None else common & fields.keys()
            for key, value in fields.items():
                if isinstance(value, str) and key not in many:
                    found = values.setdefault(key, {})
                    found.setdefault(value, where)
                    if len(found) > MAX_DISTINCT:
                        many.add(key)
                        del values[key]
    except DataError as err:
        return err
    missing = {k: w for k, w in first_missing.items() if k not in (common or set())}
    return DataShape(frozenset(common or ()), rows, MappingProxyType(missing), MappingProxyType(values))


def _typed_cells(path: Path, place: _Place, fields: dict[str, Any], types: Mapping[str, Any]) -> dict[str, Any]:
    """A CSV row with each typed column's cell read as its type (an empty cell of an optional is none)."""
    from ..runtime.types import describe_error, parse_value, to_jsonable  # pydantic: only for typed CSV cells

    out = dict(fields)
    for key, annotation in types.items():
        cell = fields.get(key)
        if cell is None:
            continue
        if cell == "" and _allows_none(annotation):
            out[key] = None
            continue
        try:
            out[key] = to_jsonable(parse_value(cell, annotation))
        except ValueError as exc:
            shown = cell if len(cell) <= 40 else cell[:39] + "…"
            raise place.error(
                path, f"column `{key}`: {shown!r} is not a {_type_name(annotation)} ({describe_error(exc)})"
            ) from None
    return out


def _allows_none(annotation: Any) -> bool:
    return type(None) in typing.get_args(annotation)


def _type_name(annotation: Any) -> str:
    return annotation.__name__ if isinstance(annotation, type) else str(annotation).replace("typing.", "")


# --------------------------------------------------------------- reading


@record
class _Place:
    """Where a row came from: its 1-based row number, and its line if the format has lines."""

    row: int
    line: int | None = None

    def where(self) -> str:
        """``line 4`` where the format has lines, else ``row 3``."""
        return f"line {self.line}" if self.line is not None else f"row {self.row}"

    def error(self, path: Path, message: str) -> DataError:
        return DataError(message, path, line=self.line, row=None if self.line is not None else self.row)


def _rows(path: Path, limit: int | None) -> Iterator[tuple[_Place, dict[str, Any]]]:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise DataError(f"unsupported file type `{suffix or path.name}` (expected .jsonl, .json or .csv)", path)
    if limit is not None and limit <= 0:
        return
    reader = {".jsonl": _jsonl_rows, ".json": _json_rows, ".csv": _csv_rows}[suffix]
    for item in reader(path, _read_text(path)):
        yield item
        if limit is not None and item[0].row >= limit:
            return


def _read_text(path: Path) -> str:
    """The file as text: UTF-8, a leading byte-order mark dropped."""
    try:
        if path.exists() and not path.is_file():  # a FIFO or a device would be read forever
            raise DataError("it is not a regular file (a folder, a FIFO or a device)", path)
        data = path.read_bytes()
    except OSError as err:
        raise DataError(f"cannot read the file: {err.strerror or err}", path) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise DataError(f"the file is not UTF-8 text ({err.reason})", path, line=line) from None


def _jsonl_rows(path: Path, text: str) -> Iterator[tuple[_Place, dict[str, Any]]]:
    row = 0
    # split("\n"), not splitlines(): U+2028 and friends may sit inside JSON strings.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataError(f"invalid JSON: {err.msg} (column {err.colno})", path, line=number) from None
        except (ValueError, RecursionError) as err:  # a number past 4,300 digits; nesting past the stack
            raise DataError(f"unreadable JSON: {_too_much(err)}", path, line=number) from None
        if not isinstance(value, dict):
            raise DataError(f"expected a JSON object, got {json_kind(value)}", path, line=number)
        row += 1
        yield _Place(row, number), value


def _json_rows(path: Path, text: str) -> Iterator[tuple[_Place, dict[str, Any]]]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataError(f"invalid JSON: {err.msg} (column {err.colno})", path, line=err.lineno) from None
    except (ValueError, RecursionError) as err:  # a number past 4,300 digits; nesting past the stack
        raise DataError(f"unreadable JSON: {_too_much(err)}", path) from None
    if not isinstance(value, list):
        raise DataError(f"expected a list of objects, got {json_kind(value)}", path)
    for number, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise DataError(f"expected a list of objects, but row {number} is {json_kind(item)}", path, row=number)
        yield _Place(number), item


def _csv_header(path: Path, reader: _csv.Reader) -> list[str]:
    try:
        header = next(reader, None)
    except csv.Error as err:
        raise DataError(f"invalid CSV: {err}", path, line=reader.line_num) from None
    if header is None:
        raise DataError("the file is empty (expected a header row)", path)
    seen: set[str] = set()
    for column, name in enumerate(header, start=1):
        if not name.strip():
            raise DataError(f"column {column} of the header has no name", path, line=reader.line_num)
        if name in seen:
            raise DataError(f"the header names `{name}` twice", path, line=reader.line_num)
        seen.add(name)
    return header


def _csv_rows(path: Path, text: str) -> Iterator[tuple[_Place, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = _csv_header(path, reader)
    row = 0
    while True:
        try:
            values = next(reader, None)
        except csv.Error as err:
            raise DataError(f"invalid CSV: {err}", path, line=reader.line_num) from None
        if values is None:
            return
        if not values:  # a blank line
            continue
        row += 1
        if len(values) != len(header):
            raise DataError(
                f"row {row} has {len(values)} values but the header names {len(header)} fields",
                path,
                line=reader.line_num,
            )
        yield _Place(row, reader.line_num), dict(zip(header, values, strict=True))
