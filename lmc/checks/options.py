"""Option blocks: known keys, value types, required options, ranges, and no secrets in files.

Every block is checked against its schema in ``schemas.py``: lm, dataset,
retriever, optimize, evaluate, metric functions, module kinds and optimizers.
Names given as option values (``metric: accuracy``) are resolved here.
"""

from __future__ import annotations

import re

from ..diagnostics import catalog
from ..diagnostics.catalog import Help
from ..diagnostics.core import Span, did_you_mean
from ..ir import nodes as ir
from ..schemas import blocks as schemas
from ..schemas.blocks import Schema, ValueType
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
            retriever = schemas.RETRIEVERS[decl.kind.name]
            check_block(ctx, decl.options, retriever, decl.name.span, f"retriever `{decl.name.name}`")
        elif isinstance(decl, ir.OptimizeDecl):
            check_block(ctx, decl.options, schemas.OPTIMIZE, decl.program.span, f"optimize `{decl.program.name}`")
        elif isinstance(decl, ir.EvaluateDecl):
            check_block(ctx, decl.options, schemas.EVALUATE, decl.program.span, f"evaluate `{decl.program.name}`")
        elif isinstance(decl, ir.MetricDecl) and isinstance(decl.expr, ir.BuiltinMetric):
            fn = schemas.METRIC_FUNCTIONS.get(decl.expr.func.name)
            if fn is not None:
                check_block(ctx, decl.expr.options, fn.schema, decl.expr.func.span, f"`{fn.name}`")
        elif isinstance(decl, ir.ProgramDecl):
            for module in ctx.modules_of(decl):
                schema = schemas.MODULES.get(module.kind.name)
                if schema is not None:
                    check_block(ctx, module.options, schema, module.kind.span, f"`{module.kind.name}`")
                    _extraction_lm(ctx, module.options)


def check_block(ctx: CheckContext, options: ir.Options, schema: Schema, anchor: Span, owner: str) -> None:
    """Check one block; ``anchor`` is where a missing option is reported, ``owner`` names the block."""
    seen: dict[str, ir.OptionEntry] = {}
    for entry in options.entries:
        key = entry.key.name
        first = seen.setdefault(key, entry)
        if first is not entry:
            ctx.report(catalog.DUPLICATE_OPTION, entry.key.span, key=key, first=first.key.span)
            continue
        spec = schema.get(key)
        if spec is None:
            if key == "api_key" and schema is schemas.LM:
                ctx.report(catalog.API_KEY, entry.key.span)
            else:
                keys = schema.keys()
                help = did_you_mean(key, keys) or (None if keys else catalog.NO_OPTIONS)
                ctx.report(catalog.UNKNOWN_OPTION, entry.key.span, help=help, key=key, owner=schema.owner, keys=keys)
            continue
        if _unset(entry.value, spec):
            continue
        if check_value(ctx, entry.value, spec.type, key):
            _range(ctx, entry.value, spec)
    for spec in schema.required:
        if spec.name not in seen:
            ctx.report(catalog.MISSING_OPTION, anchor, owner=owner, key=spec.name, type=spec.type.describe())
    if schema is schemas.OPTIMIZERS["MIPROv2"]:
        _mipro_auto(ctx, options, anchor)
    if schema is schemas.OPTIMIZERS["GEPA"]:
        _gepa_size(ctx, options, anchor)


def default(schema: Schema, key: str) -> object:
    """The default of the option ``key``, which ``schema`` has."""
    spec = schema.get(key)
    if spec is None:
        raise KeyError(f"{schema.owner} has no option `{key}`")
    return spec.default


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
    expected = vtype.describe()
    help, text = _wrong_help(value, vtype)
    example = _EXAMPLES[vtype.name] if isinstance(vtype, schemas.Scalar) else None
    ctx.report(
        catalog.WRONG_TYPE,
        value.span,
        help=help,
        key=key,
        expected=expected,
        got=describe(value),
        text=text,
        example=example,
    )
    return False


# How each scalar is written, for E402's help.
_EXAMPLES = {"int": "`4`", "float": "`0.5`", "bool": "`true` or `false`", "str": '`"text"`'}


def _wrong_help(value: ir.Value, vtype: ValueType) -> tuple[Help | None, str | None]:
    """E402's help for ``value`` (and the text it quotes): quotes to add or remove, or an example."""
    if isinstance(value, ir.Const) and isinstance(value.value, str):
        if isinstance(vtype, schemas.Ref):
            return catalog.WITHOUT_QUOTES_NAME, value.value
        if isinstance(vtype, schemas.Scalar) and _is_number(value.value):
            return catalog.WITHOUT_QUOTES_NUMBER, value.value
    if isinstance(vtype, schemas.Scalar) and vtype.name == "str" and isinstance(value, ir.NameValue):
        return catalog.IN_QUOTES, value.name.name
    return (catalog.LIKE_EXAMPLE if isinstance(vtype, schemas.Scalar) else None), None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


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
        entry = catalog.BELOW_MINIMUM
    elif spec.maximum is not None and v > spec.maximum:
        entry = catalog.ABOVE_MAXIMUM
    elif spec.above is not None and v <= spec.above:
        entry = catalog.NOT_ABOVE
    else:
        return
    if spec.minimum is not None and spec.maximum is not None:
        help = catalog.FROM_TO
    else:
        help = catalog.GREATER_THAN if spec.above is not None else catalog.AT_LEAST
    default = spec.default if isinstance(spec.default, (int, float)) else None
    ctx.report(
        entry,
        value.span,
        help=help,
        key=spec.name,
        value=v,
        minimum=spec.minimum or 0,
        maximum=spec.maximum,
        above=spec.above,
        default=default,
    )


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
    help = did_you_mean(word, vtype.values)
    ctx.report(catalog.NOT_A_CHOICE, value.span, help=help, key=key, expected=vtype.describe(), got=word)
    return False


def _field_names(ctx: CheckContext, value: ir.Value, vtype: schemas.FieldNames, key: str) -> bool:
    if not isinstance(value, ir.ListValue):
        return _wrong(ctx, value, vtype, key)
    ok = True
    for item in value.items:
        if not (isinstance(item, ir.NameValue) or (isinstance(item, ir.Const) and isinstance(item.value, str))):
            ok = _wrong(ctx, item, vtype, key)
    if ok and not value.items:
        ctx.report(catalog.EMPTY_INPUTS, value.span, key=key)
        return False
    return ok


def _optimizers(ctx: CheckContext, value: ir.Value, vtype: ValueType, key: str) -> bool:
    items = value.items if isinstance(value, ir.ListValue) else (value,)
    if isinstance(value, ir.ListValue) and not items:
        ctx.report(catalog.EMPTY_OPTIMIZERS, value.span, key=key)
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
            entry = catalog.NEEDS_CANDIDATES_AFTER if previous else catalog.NEEDS_CANDIDATES_FIRST
            ctx.report(entry, item.name.span, name=item.name.name, previous=previous)
            ok = False
        previous = item.name.name
    return ok


def _optimizer(ctx: CheckContext, name: ir.Ident, options: ir.Options) -> bool:
    schema = schemas.OPTIMIZERS.get(name.name)
    if schema is None:
        known = tuple(schemas.OPTIMIZERS)
        ctx.report(
            catalog.UNKNOWN_OPTIMIZER, name.span, help=did_you_mean(name.name, known), name=name.name, known=known
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
            ctx.report(catalog.MIPRO_AUTO_CONFLICT, entry.key.span, key=entry.key.name)
        return
    for name in schemas.MIPRO_MANUAL_OPTIONS:
        if options.get(name) is None:
            ctx.report(catalog.MIPRO_MANUAL_MISSING, anchor, key=name)


def _gepa_size(ctx: CheckContext, options: ir.Options, anchor: Span) -> None:
    """E403 / E407: GEPA's run is sized by exactly one of ``auto``, ``max_full_evals`` and ``max_metric_calls``.

    An option written as ``none`` is not set (DSPy's default for all three).
    """
    given = [
        e
        for e in options.entries
        if e.key.name in schemas.GEPA_SIZE_OPTIONS and not (isinstance(e.value, ir.Const) and e.value.value is None)
    ]
    if not given:
        ctx.report(catalog.GEPA_SIZE_MISSING, anchor)
    for entry in given[1:]:
        ctx.report(catalog.GEPA_SIZE_CONFLICT, entry.key.span, key=entry.key.name, first=given[0].key.name)


def _extraction_lm(ctx: CheckContext, options: ir.Options) -> None:
    """E407: ``extraction_lm`` serves the ``two_step`` adapter; with another adapter fixed, it would do nothing.

    (With no ``adapter:``, an optimizer's ``adapters:`` may choose ``two_step``.)
    """
    extraction, adapter = options.get("extraction_lm"), options.get("adapter")
    if extraction is None or adapter is None:
        return
    word = adapter.name.name if isinstance(adapter, ir.NameValue) else getattr(adapter, "value", None)
    if isinstance(word, str) and word in schemas.ADAPTER_NAMES and word != "two_step":
        entry = next(e for e in options.entries if e.key.name == "extraction_lm")
        ctx.report(catalog.EXTRACTION_LM_ADAPTER, entry.key.span, adapter=word)


def _secrets(ctx: CheckContext, options: ir.Options) -> None:
    """E405: ``api_key_env`` names a variable; a value that is not a name is probably the key itself."""
    value = options.get("api_key_env")
    if isinstance(value, ir.Const) and isinstance(value.value, str) and not _ENV_NAME.match(value.value):
        ctx.report(catalog.API_KEY_ENV, value.span)
