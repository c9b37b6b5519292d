"""lmc's runtime: what a compiled program needs to run, and nothing else.

The modules of it that a package uses are vendored byte for byte into the
emitted package as ``<pkg>/_runtime`` (``lmc/codegen/vendor.py``), so the
prompts the optimizer scored are the prompts the package sends. It depends
only on the standard library at import time; pydantic is imported when a
value is first validated, litellm at the first real LM call. Imports inside
it are relative, and it knows nothing of the rest of lmc.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing: a package imports this module
if TYPE_CHECKING:
    from typing import Any

# Submodules load on first use (PEP 562): importing a generated package
# must stay fast, and most programs need only a few of these.
_EXPORTS = {
    "AdapterParseError": "errors",
    "BUILTINS": "builtins",
    "BestOfN": "kinds.best_of_n",
    "Cache": "lm.cache",
    "ChainOfThought": "modules",
    "ChatAdapter": "adapters",
    "Context": "program",
    "Field": "signature",
    "JSONAdapter": "adapters",
    "LM": "lm.client",
    "LMError": "errors",
    "METRICS": "metrics",
    "ModuleSpec": "signature",
    "MultiChainComparison": "kinds.compare",
    "Params": "signature",
    "ParseError": "errors",
    "Predict": "modules",
    "Prediction": "program",
    "Program": "program",
    "ProgramError": "program",
    "ReAct": "kinds.react",
    "Refine": "kinds.refine",
    "Run": "program",
    "Signature": "signature",
    "Tool": "tools",
    "ToolParam": "tools",
    "TraceEntry": "program",
    "Usage": "lm.client",
    "contains": "metrics",
    "default_instructions": "signature",
    "exact_match": "metrics",
    "f1": "metrics",
    "make_module": "modules",
    "rollout": "lm.rollout",
    "to_jsonable": "types",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    try:
        found = importlib.import_module(f".{module}", __name__)
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith(f"{__name__}."):
            raise  # a library the module needs, not the module itself
        # A vendored runtime holds only the modules its package uses.
        raise AttributeError(f"module {__name__!r} has no attribute {name!r} (not shipped here)") from None
    value = getattr(found, name)
    globals()[name] = value
    return value
