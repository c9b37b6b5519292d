"""Option blocks: known keys, value types, required options, ranges, and no secrets in files.

Every block is checked against its schema in ``schemas.py``: lm, dataset,
retriever, optimize, evaluate, metric functions, module kinds and optimizers.
Names given as option values (``metric: accuracy``) are resolved here.
"""

from __future__ import annotations

import re

from ..diagnostics.core import Span, did_you_mean
from ..ir import nodes as ir
from ..schemas import blocks as schemas
from ..schemas.blocks import Schema, ValueType
from . import messages as msg
from .context import CheckContext

_KIND_CLASS = {word: cls for cls, word in ir.DECL_KIND.items()}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def check(ctx: CheckContext) -> None:
    for decl in ctx.source_file.decls:
        if isinstance(decl, ir.LmDecl):
            check_block(ctx, decl.options, schemas.LM, decl.name.span, f"lm `{decl.name.name}`")
            _secrets(ctx, decl.options)
        elif isinstance(decl, ir.DatasetDecl):
            check_block(ctx, decl.options, schemas.DATASET, decl.name.span, f"dataset `{decl.name.name}`")
        elif isinstance(decl, ir.RetrieverDecl) and decl.kind.name in schemas.RETRIEVERS:
            schema = schemas.RETRIEVERS[decl.kind.name]
            check_block(ctx, decl.options, schema, decl.name.span, f"retriever `{decl.name.name}`")
        elif isinstance(decl, ir.OptimizeDecl):
            check_block(ctx, decl.options, schemas.OPTIMIZE, decl.program.span, f"optimize `{decl.program.name}`")
        elif isinstance(decl, ir.EvaluateDecl):
            check_block(ctx, decl.options, schemas.EVALUATE, decl.program.span, f"evaluate `{decl.program.name}`")
        elif isinstance(decl, ir.MetricDecl) and isinstance(decl.expr, ir.BuiltinMetric):
            fn = schemas.METRIC_FUNCTIONS.get(decl.expr.func.name)
            if fn is not None:
                check_block(ctx, decl.expr.options, fn.schema, decl.expr.func.span, f"`{fn.name}`")
        elif isinstance(decl, ir.ProgramDecl):
            for module in decl.modules:
                schema = schemas.MODULES.get(module.kind.name)
                if schema is not None:
                    check_block(ctx, module.options, schema, module.kind.span, f"`{module.kind.name}`")


def check_block(ctx: CheckContext, options: ir.Options, schema: Schema, anchor: Span, owner: str) -> None:
    """Check one block; ``anchor`` is where a missing option is reported, ``owner`` names the block."""
    seen: dict[str, ir.OptionEntry] = {}
    for entry in options.entries:
        key = entry.key.name
        first = seen.setdefault(key, entry)
        if first is not entry:
            ctx.error(
                "E406",
                msg.duplicate_option(key),
                entry.key.span,
                msg.first_at(first.key.span, "the first", "remove one of them"),
            )
            continue
        spec = schema.get(key)
        if spec is None:
            if key == "api_key" and schema is schemas.LM:
                ctx.error("E405", msg.api_key_in_file(), entry.key.span, msg.api_key_help())
            else:
                ctx.error(
                    "E401",
                    msg.unknown_option(key, schema.owner),
                    entry.key.span,
                    did_you_mean(key, schema.keys()) or msg.valid_options(schema.keys()),
                )
            continue
        if _unset(entry.value, spec):
            continue
        if check_value(ctx, entry.value, spec.type, key):
            _range(ctx, entry.value, spec)
    for spec in schema.required:
        if spec.name not in seen:
            ctx.error("E403", msg.missing_option(owner, spec.name), anchor, msg.missing_option_help(spec))
    if schema is schemas.OPTIMIZERS["MIPROv2"]:
        _mipro_auto(ctx, options, anchor)


def _unset(value: ir.Value, spec: schemas.OptionSpec) -> bool:
    """``none`` for an optional option without a default means "not set"."""
    return isinstance(value, ir.Const) and value.value is None and not spec.required and spec.default is None


def check_value(ctx: CheckContext, value: ir.Value, vtype: ValueType, key: str) -> bool:
    """Report E402 (or resolve names) for one value; True when its type is right."""
    if isinstance(vtype, schemas.Scalar):
        if isinstance(value, ir.Const) and _scalar_ok(value.value, vtype.name):
            return True
        return _wrong(ctx, value, vtype, key)
    if isinstance(vtype, schemas.Ref):
        if isinstance(value, ir.NameValue):
            return ctx.resolve(value.name, _KIND_CLASS[vtype.kind]) is not None
        return _wrong(ctx, value, vtype, key)
    if isinstance(vtype, schemas.ListOf):
        if not isinstance(value, ir.ListValue):
            return _wrong(ctx, value, vtype, key)
        return all([check_value(ctx, item, vtype.item, key) for item in value.items])
    if isinstance(vtype, schemas.AnyOf):
        for choice in vtype.choices:
            if _shallow_match(value, choice):
                return check_value(ctx, value, choice, key)
        return _wrong(ctx, value, vtype, key)
    if isinstance(vtype, schemas.Choice):
        return _choice(ctx, value, vtype, key)
    if isinstance(vtype, schemas.FieldNames):
        return _field_names(ctx, value, vtype, key)
    return _optimizers(ctx, value, vtype, key)


def _scalar_ok(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return name == "bool"
    if name == "float":
        return isinstance(value, (int, float))
    return isinstance(value, {"int": int, "str": str, "bool": bool}[name])


def _shallow_match(value: ir.Value, vtype: ValueType) -> bool:
    if isinstance(vtype, schemas.Scalar):
        return isinstance(value, ir.Const) and _scalar_ok(value.value, vtype.name)
    if isinstance(vtype, schemas.ListOf):
        return isinstance(value, ir.ListValue)
    return False


def _wrong(ctx: CheckContext, value: ir.Value, vtype: ValueType, key: str) -> bool:
    ctx.error(
        "E402", msg.wrong_type(key, vtype.describe(), describe(value)), value.span, msg.wrong_type_help(value, vtype)
    )
    return False


def describe(value: ir.Value) -> str:
    """How a value reads in a message: ``a string``, ``the name `x```, ``a list``..."""
    if isinstance(value, ir.Const):
        v = value.value
        if v is None:
            return "`none`"
        if isinstance(v, bool):
            return "a boolean"
        return {int: "an integer", float: "a number", str: "a string"}[type(v)]
    if isinstance(value, ir.ListValue):
        return "a list"
    if isinstance(value, ir.NameValue):
        return f"the name `{value.name.name}`"
    if isinstance(value, ir.CallValue):
        return f"`{value.name.name} {{ ... }}`"
    return "an option block"


def _range(ctx: CheckContext, value: ir.Value, spec: schemas.OptionSpec) -> None:
    if not isinstance(value, ir.Const) or isinstance(value.value, bool) or not isinstance(value.value, (int, float)):
        return
    v = value.value
    if spec.minimum is not None and v < spec.minimum:
        ctx.error("E404", msg.below_minimum(spec.name, spec.minimum, v), value.span, msg.range_help(spec))
    elif spec.maximum is not None and v > spec.maximum:
        ctx.error("E404", msg.above_maximum(spec.name, spec.maximum, v), value.span, msg.range_help(spec))
    elif spec.above is not None and v <= spec.above:
        ctx.error("E404", msg.not_above(spec.name, spec.above, v), value.span, msg.range_help(spec))


def _choice(ctx: CheckContext, value: ir.Value, vtype: schemas.Choice, key: str) -> bool:
    if vtype.nullable and isinstance(value, ir.Const) and value.value is None:
        return True
    if isinstance(value, ir.Const) and isinstance(value.value, str):
        word = value.value
    elif vtype.bare and isinstance(value, ir.NameValue):
        word = value.name.name
    else:
        return _wrong(ctx, value, vtype, key)
    if word in vtype.values:
        return True
    ctx.error(
        "E404",
        msg.not_a_choice(key, vtype.describe(), word),
        value.span,
        did_you_mean(word, vtype.values) or msg.choice_help(vtype.describe()),
    )
    return False


def _field_names(ctx: CheckContext, value: ir.Value, vtype: schemas.FieldNames, key: str) -> bool:
    if not isinstance(value, ir.ListValue):
        return _wrong(ctx, value, vtype, key)
    ok = True
    for item in value.items:
        if not (isinstance(item, ir.NameValue) or (isinstance(item, ir.Const) and isinstance(item.value, str))):
            ok = _wrong(ctx, item, vtype, key)
    if ok and not value.items:
        ctx.error("E404", msg.empty_list(key), value.span, msg.empty_inputs_help())
        return False
    return ok


def _optimizers(ctx: CheckContext, value: ir.Value, vtype: ValueType, key: str) -> bool:
    items = value.items if isinstance(value, ir.ListValue) else (value,)
    if isinstance(value, ir.ListValue) and not items:
        ctx.error("E404", msg.empty_list(key), value.span, msg.optimizer_help())
        return False
    ok = True
    previous: str | None = None
    for item in items:
        if isinstance(item, ir.NameValue):
            ok = _optimizer(ctx, item.name, ir.Options(entries=(), span=item.span)) and ok
        elif isinstance(item, ir.CallValue):
            ok = _optimizer(ctx, item.name, item.options) and ok
        else:
            ok = _wrong(ctx, item, vtype, key)
            continue
        if item.name.name in schemas.NEEDS_CANDIDATES and previous not in schemas.GIVES_CANDIDATES:
            ctx.error(
                "E407", msg.needs_candidates(item.name.name, previous), item.name.span, msg.needs_candidates_help()
            )
            ok = False
        previous = item.name.name
    return ok


def _optimizer(ctx: CheckContext, name: ir.Ident, options: ir.Options) -> bool:
    schema = schemas.OPTIMIZERS.get(name.name)
    if schema is None:
        known = tuple(schemas.OPTIMIZERS)
        ctx.error(
            "E104", msg.unknown_optimizer(name.name), name.span, did_you_mean(name.name, known) or msg.one_of(known)
        )
        return False
    check_block(ctx, options, schema, name.span, f"`{name.name}`")
    return True


def _mipro_auto(ctx: CheckContext, options: ir.Options, anchor: Span) -> None:
    """E407: MIPROv2 sizes its own search unless ``auto: none``; then it needs both sizes."""
    auto = options.get("auto")
    manual = auto is not None and isinstance(auto, ir.Const) and auto.value is None
    given = [e for e in options.entries if e.key.name in schemas.MIPRO_MANUAL_OPTIONS]
    if not manual:
        for entry in given:
            ctx.error("E407", msg.mipro_auto_conflict(entry.key.name), entry.key.span, msg.mipro_auto_help())
        return
    for name in schemas.MIPRO_MANUAL_OPTIONS:
        if options.get(name) is None:
            ctx.error("E403", msg.mipro_manual_missing(name), anchor, msg.mipro_manual_help(name))


def _secrets(ctx: CheckContext, options: ir.Options) -> None:
    """E405: ``api_key_env`` names a variable; a value that is not a name is probably the key itself."""
    value = options.get("api_key_env")
    if isinstance(value, ir.Const) and isinstance(value.value, str) and not _ENV_NAME.match(value.value):
        ctx.error("E405", msg.api_key_env_not_a_name(), value.span, msg.api_key_help())
