"""The optional parts of a module's ``Params`` in ``params.py``, beyond instructions and demos.

An ensemble's module carries ``members`` (one ``Params`` per member, see
``runtime/ensemble.py``); a KNNFewShot module its ``knn`` table
(``runtime/knn.py``), read from its own JSON file (``knn_files``); a fine-tuned module the
``model`` it calls; a calibrated module (``Calibrate``) its ``choice_bias``
per field and value. Each part is written as keyword arguments of the
module's ``Params(...)``, an empty string when the module has none, so
parameters without such parts render exactly as before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..runtime.knn import TABLES_FOLDER
from ..runtime.signature import Params
from .literals import py_literal


def extra_arguments(params: Params, path: str) -> str:
    """``members=``, ``knn=``, ``model=`` and ``choice_bias=`` keyword arguments, as set; "" otherwise."""
    parts = []
    if params.members:
        members = "".join(f"\n            {_params_call(m)}," for m in params.members)
        parts.append(f"members=({members}\n        ),")
    if params.knn is not None:
        parts.append(f"knn=read_table(__file__, {py_literal(path)}),")
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


def knn_files(params: Mapping[str, Params]) -> dict[str, str]:
    """Each KNNFewShot module's table, by file name relative to the package: ``knn/<path>.json``.

    A module path is names joined by dots (``program.module``): a file name on every system.
    """
    return {
        f"{TABLES_FOLDER}/{path}.json": table_text(p.knn.to_json()) for path, p in params.items() if p.knn is not None
    }


def table_text(data: Mapping[str, Any]) -> str:
    """A table's JSON form as its file holds it: the options on the first line, then one row a line
    (a rebuild's diff shows the rows that changed). Deterministic: the keys in ``to_json``'s order."""
    head = json.dumps({key: value for key, value in data.items() if key != "rows"}, ensure_ascii=False)
    rows = ",\n".join(json.dumps(row, ensure_ascii=False) for row in data["rows"])
    return f'{head[:-1]}, "rows": [\n{rows}\n]}}\n'
