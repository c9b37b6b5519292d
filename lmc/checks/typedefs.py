"""Types and signatures: well-formed enums, records, signatures and type expressions.

Unknown type names are the ``names`` check's; this check looks at shape:
duplicate members and fields, signatures without inputs or outputs, ``dict``
keys, records that contain themselves, and parameter defaults that do not
fit their type.
"""

from __future__ import annotations

from ..diagnostics import catalog
from ..ir import nodes as ir
from .context import CheckContext


def check(ctx: CheckContext) -> None:
    for decl in ctx.source_file.decls:
        if isinstance(decl, ir.EnumDecl):
            _enum(ctx, decl)
        elif isinstance(decl, ir.TypeDecl):
            _fields(ctx, decl.fields, f"type `{decl.name.name}`")
        elif isinstance(decl, ir.SignatureDecl):
            _signature(ctx, decl)
        elif isinstance(decl, ir.ProgramDecl):
            _fields(ctx, decl.outputs, f"the outputs of program `{decl.name.name}`")
        if isinstance(decl, (ir.ToolDecl, ir.ProgramDecl)):
            for param in decl.params:
                _default(ctx, param)
    for dict_type in ctx.nodes_of(ir.DictType):
        _dict_key(ctx, dict_type)
    for literal in ctx.nodes_of(ir.LiteralType):
        _literal(ctx, literal)
    _recursive_records(ctx)


def _enum(ctx: CheckContext, decl: ir.EnumDecl) -> None:
    if not decl.members:
        ctx.report(catalog.EMPTY_ENUM, decl.name.span, name=decl.name.name)
    seen: dict[str, ir.Ident] = {}
    for member in decl.members:
        first = seen.setdefault(member.name, member)
        if first is not member:
            ctx.report(catalog.DUPLICATE_MEMBER, member.span, enum=decl.name.name, member=member.name, first=first.span)


def _fields(ctx: CheckContext, fields: tuple[ir.FieldDecl | ir.Param, ...], owner: str) -> None:
    seen: dict[str, ir.FieldDecl | ir.Param] = {}
    for f in fields:
        first = seen.setdefault(f.name.name, f)
        if first is not f:
            ctx.report(catalog.DUPLICATE_FIELD, f.name.span, name=f.name.name, owner=owner, first=first.name.span)


def _signature(ctx: CheckContext, decl: ir.SignatureDecl) -> None:
    _fields(ctx, decl.fields, f"signature `{decl.name.name}`")
    if not decl.outputs:
        help = catalog.OUTPUTS_AFTER_ARROW if decl.from_string else None
        ctx.report(catalog.NO_OUTPUTS, decl.name.span, help=help, name=decl.name.name)
    if not decl.inputs:
        help = catalog.INPUTS_BEFORE_ARROW if decl.from_string else None
        ctx.report(catalog.NO_INPUTS, decl.name.span, help=help, name=decl.name.name)


def _dict_key(ctx: CheckContext, t: ir.DictType) -> None:
    if not (isinstance(t.key, ir.NamedType) and t.key.name.name == "str"):
        ctx.report(catalog.DICT_KEY, t.key.span)


def _literal(ctx: CheckContext, t: ir.LiteralType) -> None:
    seen: set[str] = set()
    for value in t.values:
        if value in seen:
            ctx.report(catalog.DUPLICATE_LITERAL, t.span, value=value)
        seen.add(value)


# ------------------------------------------------------------- recursion


def _recursive_records(ctx: CheckContext) -> None:
    """E206: a record that contains itself through required fields only has no finite value.

    An optional, a list or a dict breaks the chain (it can be empty).
    """
    records = {d.name.name: d for d in ctx.source_file.of(ir.TypeDecl)}
    reported: set[frozenset[str]] = set()
    for start in records.values():
        path = _cycle(start.name.name, start.name.name, records, [], frozenset())
        if path is None:
            continue
        names = frozenset(owner for owner, _ in path)
        if names in reported:
            continue
        reported.add(names)
        chain = [*(owner for owner, _ in path), start.name.name]  # each field leads to the next owner
        ctx.report(catalog.RECURSIVE_TYPE, path[0][1].type.span, name=start.name.name, chain=chain)


def _cycle(
    start: str,
    name: str,
    records: dict[str, ir.TypeDecl],
    path: list[tuple[str, ir.FieldDecl]],
    visited: frozenset[str],
) -> list[tuple[str, ir.FieldDecl]] | None:
    """The chain of required record fields leading from ``name`` back to ``start``, if any."""
    for f in records[name].fields:
        if not (isinstance(f.type, ir.NamedType) and f.type.name.name in records):
            continue
        target = f.type.name.name
        step = [*path, (name, f)]
        if target == start:
            return step
        if target not in visited:
            found = _cycle(start, target, records, step, visited | {target})
            if found is not None:
                return found
    return None


# -------------------------------------------------------------- defaults


def _default(ctx: CheckContext, param: ir.Param) -> None:
    """E209: ``k: int = "3"``; a default must be a value of its parameter's type."""
    if param.default is None:
        return
    problem = _fits(ctx, param.default.value, param.type)
    if problem is not None:
        ctx.report(catalog.BAD_DEFAULT, param.default.span, name=param.name.name, expected=problem)


def _fits(ctx: CheckContext, value: object, t: ir.TypeExpr) -> str | None:
    """None if ``value`` fits ``t``, else a description of the expected type."""
    if isinstance(t, ir.OptionalType):
        return None if value is None else _fits(ctx, value, t.inner)
    if isinstance(t, ir.LiteralType):
        return None if value in t.values else "one of " + ", ".join(f'"{v}"' for v in t.values)
    if isinstance(t, ir.NamedType):
        name = t.name.name
        if name == "str":
            return None if isinstance(value, str) else "a string"
        if name == "bool":
            return None if isinstance(value, bool) else "a boolean"
        if name == "int":
            return None if isinstance(value, int) and not isinstance(value, bool) else "an integer"
        if name == "float":
            return None if isinstance(value, (int, float)) and not isinstance(value, bool) else "a number"
        decl = ctx.symbols.lookup(name, ir.EnumDecl)
        if isinstance(decl, ir.EnumDecl):
            members = [m.name for m in decl.members]
            return None if value in members else "one of " + ", ".join(f'"{m}"' for m in members)
        return None  # records and unknown names: nothing to compare a literal with
    return "a list" if isinstance(t, ir.ListType) else "a dict"
