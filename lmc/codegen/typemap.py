"""``.lmp`` types as Python annotations, written as source code.

The same annotation text serves ``types.py`` (pydantic fields) and
``programs.py`` (the ``Field`` annotations the runtime's adapters render and
validate against), so the package and the optimizer see one type per field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..ir import nodes as ir
from .errors import CodegenError
from .literals import py_literal

# `json` is any JSON value: `object` to the checker (narrow it before use), anything JSON to pydantic.
SCALARS = {"str": "str", "int": "int", "float": "float", "bool": "bool", "json": "object"}


@dataclass
class Annotations:
    """Writes annotations and remembers what they need imported."""

    type_names: Mapping[str, str]  # .lmp enum/type name -> Python class name
    used_types: set[str] = field(default_factory=set)  # Python class names referenced
    uses_literal: bool = False

    def code(self, t: ir.TypeExpr) -> str:
        if isinstance(t, ir.NamedType):
            name = t.name.name
            if name in SCALARS:
                return SCALARS[name]
            py = self.type_names.get(name)
            if py is None:
                raise CodegenError(f"unknown type `{name}` at {t.span.line}:{t.span.col}")
            self.used_types.add(py)
            return py
        if isinstance(t, ir.ListType):
            return f"list[{self.code(t.item)}]"
        if isinstance(t, ir.DictType):
            return f"dict[{self.code(t.key)}, {self.code(t.value)}]"
        if isinstance(t, ir.OptionalType):
            inner = self.code(t.inner)
            return inner if is_optional(t.inner) else f"{inner} | None"
        if isinstance(t, ir.LiteralType):
            self.uses_literal = True
            return f"Literal[{', '.join(py_literal(v) for v in t.values)}]"
        raise CodegenError(f"unknown type node {type(t).__name__}")


def is_optional(t: ir.TypeExpr) -> bool:
    return isinstance(t, ir.OptionalType)


def example_value(t: ir.TypeExpr, decls: Mapping[str, ir.Decl]) -> Any:
    """A JSON value of type ``t`` for usage examples in the README."""
    if isinstance(t, ir.NamedType):
        name = t.name.name
        scalar: dict[str, Any] = {"str": "...", "int": 1, "float": 0.5, "bool": True, "json": {"any": "JSON"}}
        if name in scalar:
            return scalar[name]
        decl = decls.get(name)
        if isinstance(decl, ir.EnumDecl) and decl.members:
            return decl.members[0].name
        if isinstance(decl, ir.TypeDecl):
            return {f.name.name: example_value(f.type, decls) for f in decl.fields if not is_optional(f.type)}
        return "..."
    if isinstance(t, ir.ListType):
        return [example_value(t.item, decls)]
    if isinstance(t, ir.DictType):
        return {"key": example_value(t.value, decls)}
    if isinstance(t, ir.OptionalType):
        return example_value(t.inner, decls)
    if isinstance(t, ir.LiteralType):
        return t.values[0] if t.values else "..."
    return "..."


def is_text(t: ir.TypeExpr, decls: Mapping[str, ir.Decl]) -> bool:
    """Whether a command-line value of this type is plain text (else it is JSON)."""
    if isinstance(t, ir.OptionalType):
        return is_text(t.inner, decls)
    if isinstance(t, ir.LiteralType):
        return True
    if isinstance(t, ir.NamedType):
        return (t.name.name in SCALARS and t.name.name != "json") or isinstance(decls.get(t.name.name), ir.EnumDecl)
    return False
