"""Names at file level: duplicates, shadowed built-ins, and every reference outside program bodies.

References inside program bodies (variables, calls) are the ``programs``
check's, and names in option blocks the ``options`` check's; each reference
is reported by exactly one check.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterator

from ..diagnostics import catalog
from ..diagnostics.core import did_you_mean
from ..ir import nodes as ir
from ..schemas.blocks import BUILTIN_FUNCTIONS, BUILTIN_TYPES, METRIC_FUNCTIONS, MODULES, RETRIEVER_KINDS
from .context import CheckContext, NamedDecl, a_kind, is_named


def check(ctx: CheckContext) -> None:
    _duplicates(ctx)
    for ident, role in _declared_identifiers(ctx.source_file):
        _reserved(ctx, ident, role)
    for decl in ctx.source_file.decls:
        _references(ctx, decl)


# -------------------------------------------------------------- duplicates


def _duplicates(ctx: CheckContext) -> None:
    first: dict[str, NamedDecl] = {}
    optimized: dict[str, ir.OptimizeDecl] = {}
    for decl in ctx.source_file.decls:
        if isinstance(decl, ir.OptimizeDecl):
            earlier = optimized.setdefault(decl.program.name, decl)
            if earlier is not decl:
                ctx.report(
                    catalog.OPTIMIZED_TWICE, decl.program.span, program=decl.program.name, first=earlier.program.span
                )
            continue
        if not is_named(decl):
            continue
        name = decl.name
        seen = first.setdefault(name.name, decl)
        if seen is not decl:
            ctx.report(
                catalog.DUPLICATE_DECLARATION,
                name.span,
                name=name.name,
                a_kind=a_kind(ir.DECL_KIND[type(seen)]),
                first=seen.name.span,
            )
        if isinstance(decl, (ir.ProgramDecl, ir.ToolDecl)):
            _duplicate_params(ctx, decl.params)


def _duplicate_params(ctx: CheckContext, params: tuple[ir.Param, ...]) -> None:
    seen: dict[str, ir.Param] = {}
    for param in params:
        earlier = seen.setdefault(param.name.name, param)
        if earlier is not param:
            ctx.report(catalog.DUPLICATE_PARAMETER, param.name.span, name=param.name.name, first=earlier.name.span)


# ------------------------------------------------------------- shadowing


def _declared_identifiers(source_file: ir.SourceFile) -> Iterator[tuple[ir.Ident, str]]:
    """Every name a declaration introduces outside program bodies, with its role."""
    for decl in source_file.decls:
        if is_named(decl):
            yield decl.name, "declaration"
        if isinstance(decl, ir.EnumDecl):
            yield from ((m, "enum member") for m in decl.members)
        elif isinstance(decl, (ir.TypeDecl, ir.SignatureDecl)):
            yield from ((f.name, "field") for f in decl.fields)
        elif isinstance(decl, ir.ToolDecl):
            yield from ((p.name, "parameter") for p in decl.params)
        elif isinstance(decl, ir.ProgramDecl):
            yield from ((p.name, "output") for p in decl.outputs)


def _reserved(ctx: CheckContext, ident: ir.Ident, role: str) -> None:
    """E107: a name the generated Python or the language itself already uses."""
    name = ident.name
    if keyword.iskeyword(name):
        ctx.report(catalog.PYTHON_KEYWORD, ident.span, name=name, role=role)
    elif role == "declaration" and name in BUILTIN_TYPES:
        ctx.report(catalog.SHADOWS_BUILTIN, ident.span, name=name, what="type")
    elif role == "declaration" and name in BUILTIN_FUNCTIONS:
        ctx.report(catalog.SHADOWS_BUILTIN, ident.span, name=name, what="function")


# ------------------------------------------------------------- references


def _references(ctx: CheckContext, decl: ir.Decl) -> None:
    if isinstance(decl, (ir.TypeDecl, ir.SignatureDecl)):
        for f in decl.fields:
            resolve_type(ctx, f.type)
    elif isinstance(decl, ir.ToolDecl):
        for p in decl.params:
            resolve_type(ctx, p.type)
        resolve_type(ctx, decl.returns)
    elif isinstance(decl, ir.ProgramDecl):
        for p in (*decl.params, *decl.outputs):
            resolve_type(ctx, p.type)
        for module in ctx.modules_of(decl):
            _module(ctx, module)
    elif isinstance(decl, ir.RetrieverDecl):
        if decl.kind.name not in RETRIEVER_KINDS:
            ctx.report(
                catalog.UNKNOWN_RETRIEVER_KIND,
                decl.kind.span,
                help=did_you_mean(decl.kind.name, RETRIEVER_KINDS),
                kind=decl.kind.name,
                kinds=RETRIEVER_KINDS,
            )
    elif isinstance(decl, ir.MetricDecl) and isinstance(decl.expr, ir.BuiltinMetric):
        _metric(ctx, decl.expr)
    elif isinstance(decl, (ir.OptimizeDecl, ir.EvaluateDecl)):
        ctx.resolve(decl.program, ir.ProgramDecl)


def resolve_type(ctx: CheckContext, t: ir.TypeExpr) -> None:
    """E102/E106 for each name in a type expression."""
    for node in ir.walk(t):
        if isinstance(node, ir.NamedType):
            ctx.resolve_type_name(node.name)


def _module(ctx: CheckContext, module: ir.ModuleDecl) -> None:
    if module.kind.name not in MODULES:
        ctx.report(
            catalog.UNKNOWN_MODULE_KIND,
            module.kind.span,
            help=did_you_mean(module.kind.name, tuple(MODULES)),
            kind=module.kind.name,
            kinds=tuple(MODULES),
        )
    ctx.resolve(module.signature, ir.SignatureDecl)


def _metric(ctx: CheckContext, metric: ir.BuiltinMetric) -> None:
    fn = METRIC_FUNCTIONS.get(metric.func.name)
    if fn is None:
        ctx.report(
            catalog.UNKNOWN_METRIC_FUNCTION,
            metric.func.span,
            help=did_you_mean(metric.func.name, tuple(METRIC_FUNCTIONS)),
            name=metric.func.name,
        )
    elif fn.argument == "signature" and metric.args:
        ctx.resolve(metric.args[0], ir.SignatureDecl)
