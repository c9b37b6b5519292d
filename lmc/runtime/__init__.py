"""lmc's runtime: what a compiled program needs to run, and nothing else.

This package is vendored byte for byte into every emitted package as
``<pkg>/_runtime``, so the prompts the optimizer scored are the prompts the
package sends. It depends only on the standard library and pydantic at import
time; litellm is imported at the first real LM call. Imports inside it are
relative, and it knows nothing of the rest of lmc.
"""

from __future__ import annotations

from .adapters import ChatAdapter, JSONAdapter
from .builtins import BUILTINS
from .cache import Cache
from .errors import AdapterParseError, LMError, ParseError
from .lm import LM, Usage
from .metrics import METRICS, contains, exact_match, f1
from .modules import ChainOfThought, Predict, make_module
from .program import Context, Prediction, Program, ProgramError, Run, TraceEntry
from .signature import Field, ModuleSpec, Params, Signature, default_instructions
from .types import to_jsonable

__all__ = [
    "BUILTINS",
    "LM",
    "METRICS",
    "AdapterParseError",
    "Cache",
    "ChainOfThought",
    "ChatAdapter",
    "Context",
    "Field",
    "JSONAdapter",
    "LMError",
    "ModuleSpec",
    "Params",
    "ParseError",
    "Predict",
    "Prediction",
    "Program",
    "ProgramError",
    "Run",
    "Signature",
    "TraceEntry",
    "Usage",
    "contains",
    "default_instructions",
    "exact_match",
    "f1",
    "make_module",
    "to_jsonable",
]
