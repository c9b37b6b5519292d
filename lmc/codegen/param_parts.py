"""The optional parts of a module's ``Params`` in ``params.py``, beyond instructions and demos.

An ensemble's module carries ``members`` (one ``Params`` per member, see
``runtime/ensemble.py``); a KNNFewShot module its ``knn`` table
(``runtime/knn.py``), read from the package's JSON file of that table
(``knn_files``: one file per table, however many modules hold it); a
fine-tuned module the ``model`` it calls; a calibrated module
(``Calibrate``) its ``choice_bias`` per field and value. Each part is
written as keyword arguments of the module's ``Params(...)``, an empty
string when the module has none, so parameters without such parts render
exactly as before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..runtime.signature import Params
from .literals import py_literal


def extra_arguments(params: Params, table: str | None) -> str:
    """``members=``, ``knn=``, ``model=`` and ``choice_bias=`` keyword arguments, as set; "" otherwise.

    ``table``: the name of the file that holds the module's KNN table (``table_names``).
    """
    parts = []
    if params.members:
        members = "".join(f"\n            {_params_call(m)}," for m in params.members)
        parts.append(f"members=({members}\n        ),")
    if params.knn is not None:
        assert table is not None, "a module with a table has its table's file"
        parts.append(f"knn=TABLES[{py_literal(table)}],")
    if params.model is not None:
        parts.append(f"model={py_literal(params.model)},")
    if params.choice_bias:
        parts.append(f"choice_bias={py_literal({f: dict(b) for f, b in params.choice_bias.items()})},")
    return "\n        ".join(parts)


def _params_call(params: Params) -> str:
    return (
        f"Params(instructions={py_literal(params.instructions)}, "
        f"demos={py_literal(tuple(dict(d) for d in params.demos))}, adapter={py_literal(params.adapter)})"
    )


def table_names(params: Mapping[str, Params]) -> dict[str, str]:
    """Per module with a KNN table, the name of its table's file: the first module path (in sorted
    order) whose table equals it. A program's modules all hold the table KNNFewShot made: one file.

    A module path is names joined by dots (``program.module``): a file name on every system.
    """
    names: dict[str, str] = {}
    firsts: list[tuple[Any, str]] = []  # (a table, the first path holding it)
    for path in sorted(params):
        table = params[path].knn
        if table is None:
            continue
        held = [first for other, first in firsts if other is table or other == table]
        if not held:
            firsts.append((table, path))
        names[path] = held[0] if held else path
    return names


def knn_files(params: Mapping[str, Params]) -> dict[str, str]:
    """Each KNN table's file, by name relative to the package: ``knn/<name>.json`` (``table_names``)."""
    names = sorted(set(table_names(params).values()))
    if not names:
        return {}
    from ..runtime.knn import TABLES_FOLDER  # only a package with a table pays for the module's import

    files = {}
    for name in names:
        table = params[name].knn
        assert table is not None
        files[f"{TABLES_FOLDER}/{name}.json"] = table_text(table.to_json())
    return files


def table_text(data: Mapping[str, Any]) -> str:
    """A table's JSON form as its file holds it: the options on the first line, then one row a line
    (a rebuild's diff shows the rows that changed). Deterministic: the keys in ``to_json``'s order."""
    head = json.dumps({key: value for key, value in data.items() if key != "rows"}, ensure_ascii=False)
    rows = ",\n".join(json.dumps(row, ensure_ascii=False) for row in data["rows"])
    return f'{head[:-1]}, "rows": [\n{rows}\n]}}\n'
