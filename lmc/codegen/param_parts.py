"""The optional parts of a module's ``Params`` in ``params.py``, beyond instructions and demos.

An ensemble's module carries ``members`` (one ``Params`` per member, see
``runtime/ensemble.py``); a KNNFewShot module its ``knn`` table
(``runtime/knn.py``), written in its JSON form; a fine-tuned module the
``model`` it calls; a calibrated module (``Calibrate``) its ``choice_bias``
per field and value. Each part is written as keyword arguments of the
module's ``Params(...)``, an empty string when the module has none, so
parameters without such parts render exactly as before.
"""

from __future__ import annotations

from ..runtime.signature import Params
from .literals import py_literal


def extra_arguments(params: Params) -> str:
    """``members=``, ``knn=``, ``model=`` and ``choice_bias=`` keyword arguments, as set; "" otherwise."""
    parts = []
    if params.members:
        members = "".join(f"\n            {_params_call(m)}," for m in params.members)
        parts.append(f"members=({members}\n        ),")
    if params.knn is not None:
        # Its JSON form (Params reads it back): vectors are strings, so the file stays compact.
        parts.append(f"knn={py_literal(params.knn.to_json())},")
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
