"""Safe, deterministic Python names for user identifiers.

A ``.lmp`` identifier may be a Python keyword (``class``), shadow a builtin
(``len``), clash with a name the generated code itself defines (``Program``,
``PARAMS``) or be a dunder (``__name__``). Each generated namespace claims its
names through a ``Namer`` in a fixed order, so the same file always gets the
same names; a taken name gets ``_`` appended until it is free. The original
spelling stays in every string the runtime sees (field names, module paths).
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Iterable

PYTHON_BUILTINS = frozenset(n for n in dir(builtins) if not n.startswith("_"))

# Names the emitted files define or import at module level, in any of them.
# User types and programs never take these, so every file can import freely.
GENERATED_GLOBALS = frozenset(
    {
        # submodules of the package (importing them binds these on the package)
        "types",
        "results",
        "programs",
        "params",
        "tests",
        # types.py
        "annotations",
        "enum",
        "Literal",
        "BaseModel",
        "ConfigDict",
        "Field",
        # programs.py / params.py
        "Path",
        "Signature",
        "ModuleSpec",
        "SIGNATURES",
        "Params",
        "Program",
        "Context",
        "BM25Retriever",
        "FunctionRetriever",
        "field_of",
        "Judge",
        "DATA_DIR",
        "MODULES",
        "TOOLS",
        "Tool",
        "ToolParam",
        "METRICS",
        "RETRIEVERS",
        "PROGRAMS",
        "PARAMS",
        # __init__.py / __main__.py
        "TYPE_CHECKING",
        "_LAZY",
        "Any",
        "LM",
        "LanguageModel",
        "AdapterParseError",
        "LMError",
        "ParseError",
        "ProgramError",
        "SandboxError",
        "PackageConfig",
        "PackagedProgram",
        "CONFIG",
        "configure",
        "main",
        "cli_main",
        "sys",
    }
)

# The builtins generated code itself calls or names in annotations: a user name
# never shadows these. Other builtins (``input``, ``format``, ``type``) are fine
# as parameter or program names; generated code does not use them.
USED_BUILTINS = frozenset(
    {"range", "getattr", "globals", "sorted", "str", "int", "float", "bool", "list", "dict", "object"}
)

# Names a program body uses besides its globals.
BODY_LOCALS = frozenset({"ctx", "inputs", "_"})

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def usable(name: str) -> bool:
    """Whether ``name`` can be bound in generated code as written."""
    return bool(_IDENT.match(name)) and not keyword.iskeyword(name) and not is_dunder(name)


class Namer:
    """Hands out unique Python names in one namespace, in claim order."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._taken: set[str] = set(reserved)

    def claim(self, wanted: str) -> str:
        name = wanted if _IDENT.match(wanted) else re.sub(r"\W", "_", wanted) or "_"
        if name[0].isdigit():
            name = "_" + name
        if is_dunder(name):
            name = "u" + name  # suffixes cannot make a dunder name plain
        while name in self._taken or not usable(name):
            name += "_"
        self._taken.add(name)
        return name

    def reserve(self, names: Iterable[str]) -> None:
        self._taken.update(names)

    def taken(self) -> frozenset[str]:
        return frozenset(self._taken)


def pascal_case(name: str) -> str:
    """``lookup_answer`` -> ``LookupAnswer``; ``multihop`` -> ``Multihop``."""
    parts = [p for p in name.split("_") if p]
    return "".join(p[0].upper() + p[1:] for p in parts) or "Program"


def upper_snake(name: str) -> str:
    """``GenerateQuery`` -> ``GENERATE_QUERY``; ``QA`` -> ``QA``; ``HTTPRequest`` -> ``HTTP_REQUEST``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return re.sub(r"_+", "_", spaced).strip("_").upper() or "SIGNATURE"


def isort_key(name: str) -> tuple[int, list[object]]:
    """isort's ``order-by-type`` for imported names and ``__all__``: CONSTANTS, Classes, others.

    Within a group names sort naturally (``X2`` before ``X10``), case-sensitively.
    """
    if len(name) > 1 and name.isupper():
        group = 0
    elif name[:1].isupper():
        group = 1
    else:
        group = 2
    return group, [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]
