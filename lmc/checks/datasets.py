"""Data files: datasets exist, parse, and have the fields their users need (corpora: ``corpora.py``).

Files are read here, before any LM call, so that a missing column fails in a
second instead of after an optimizer run. Reading goes through
``lmc.data.peek_fields`` (the loader's own reader), so the checker and the
loader agree on what a field is. Files above ``MAX_BYTES`` are only checked
for existence: the loader reports their problems when it reads them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from .. import ir
from ..data import DataError, peek_fields
from ..diagnostics import Span
from . import messages as msg
from .context import CheckContext
from .metrics import field_of
from .schemas import DATA_FORMATS

logger = logging.getLogger(__name__)

MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class _Data:
    """What the checker learned about one dataset."""

    fields: frozenset[str] | None  # present in every row; None when the file could not be read
    inputs: tuple[str, ...] | None  # the declared `inputs`, None when missing or malformed


def check(ctx: CheckContext) -> None:
    data = {d.name.name: _dataset(ctx, d) for d in ctx.source_file.of(ir.DatasetDecl)}
    for decl in ctx.source_file.decls:
        if isinstance(decl, ir.OptimizeDecl):
            _uses(ctx, decl, ("trainset", "valset"), data)
        elif isinstance(decl, ir.EvaluateDecl):
            _uses(ctx, decl, ("dataset",), data)


def read_fields(ctx: CheckContext, raw_path: str, span: Span, owner: str, limit: int | None) -> frozenset[str] | None:
    """E511/E502/E503 for one data file; its fields when it could be read."""
    path = ctx.base_dir / raw_path
    if Path(raw_path).suffix.lower() not in DATA_FORMATS:
        ctx.error("E511", msg.data_format(owner, raw_path), span, msg.data_format_help())
        return None
    if not path.is_file():
        what = "a folder" if path.is_dir() else "missing"
        ctx.error("E502", msg.data_missing(owner, raw_path, what), span, msg.data_missing_help(path.resolve()))
        return None
    try:
        size = path.stat().st_size
    except OSError as err:
        ctx.error("E503", msg.data_unreadable(owner, str(err.strerror or err)), span, msg.data_unreadable_help(path))
        return None
    if size > MAX_BYTES:
        logger.debug("%s is %d bytes; its fields are checked when it is loaded", path, size)
        return None
    fields = peek_fields(path, limit=limit)
    if isinstance(fields, DataError):
        ctx.error("E503", msg.data_unreadable(owner, fields.message), span, msg.data_error_help(fields, raw_path))
        return None
    return frozenset(fields)


def _dataset(ctx: CheckContext, decl: ir.DatasetDecl) -> _Data:
    limit = decl.options.get("limit")
    rows = limit.value if isinstance(limit, ir.Const) and type(limit.value) is int and limit.value > 0 else None
    owner = f"dataset `{decl.name.name}`"
    fields = read_fields(ctx, decl.path, decl.path_span or decl.span, owner, rows)
    inputs = _declared_inputs(decl.options.get("inputs"))
    if fields is not None and inputs is not None:
        for item in decl.options.get("inputs").items:  # type: ignore[union-attr]
            name = _item_name(item)
            if name is not None and name not in fields:
                ctx.error(
                    "E504",
                    msg.input_not_in_data(decl.name.name, name),
                    item.span,
                    msg.data_fields_are(fields),
                )
    return _Data(fields, inputs)


def _declared_inputs(value: ir.Value | None) -> tuple[str, ...] | None:
    if not isinstance(value, ir.ListValue) or not value.items:
        return None
    names = tuple(_item_name(item) for item in value.items)
    return None if None in names else names  # type: ignore[return-value]


def _item_name(item: ir.Value) -> str | None:
    if isinstance(item, ir.NameValue):
        return item.name.name
    if isinstance(item, ir.Const) and isinstance(item.value, str):
        return item.value
    return None


def _uses(
    ctx: CheckContext, decl: ir.OptimizeDecl | ir.EvaluateDecl, keys: tuple[str, ...], data: dict[str, _Data]
) -> None:
    """E504/E505/E510: a dataset given to a program must carry its inputs and the metric's field."""
    program = ctx.symbols.lookup(decl.program.name, ir.ProgramDecl)
    if not isinstance(program, ir.ProgramDecl):
        return
    metric = decl.options.get("metric")
    metric_field = field_of(ctx, metric.name.name) if isinstance(metric, ir.NameValue) else None
    params = [p.name.name for p in program.params]
    required = [p.name.name for p in program.params if p.default is None]
    for key in keys:
        use = decl.options.get(key)
        if not isinstance(use, ir.NameValue) or use.name.name not in data:
            continue
        name, info = use.name.name, data[use.name.name]
        prog = program.name.name
        for param in required:
            if info.fields is not None and param not in info.fields:
                if info.inputs is None or param not in info.inputs:  # else reported at the `inputs` entry
                    ctx.error(
                        "E504", msg.data_lacks_input(name, param, prog), use.span, msg.data_fields_are(info.fields)
                    )
            elif info.inputs is not None and param not in info.inputs:
                ctx.error(
                    "E510", msg.input_not_declared(name, param, prog), use.span, msg.input_not_declared_help(param)
                )
        for listed in info.inputs or ():
            if listed not in params:
                ctx.error(
                    "E510",
                    msg.input_not_param(name, listed, prog),
                    use.span,
                    msg.params_are(prog, params),
                )
        if metric_field is None:
            continue
        if info.fields is not None and metric_field.name not in info.fields:
            ctx.error(
                "E505",
                msg.data_lacks_label(name, metric_field.name, metric.name.name),  # type: ignore[union-attr]
                use.span,
                msg.data_fields_are(info.fields),
            )
        elif info.inputs is not None and metric_field.name in info.inputs:
            ctx.error(
                "E505",
                msg.label_is_input(name, metric_field.name, metric.name.name),  # type: ignore[union-attr]
                use.span,
                msg.label_is_input_help(metric_field.name),
            )
