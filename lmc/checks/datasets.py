"""Data files: datasets exist, parse, have rows and the fields their users need (corpora: ``corpora.py``).

Files are read here, before any LM call, so that a missing column or an
empty trainset fails in a second instead of after an optimizer run. Reading
goes through ``lmc.data.peek`` (the loader's own reader, one pass that also
counts the rows the loader would keep), so the checker and the loader agree
on what a field and a row are. What is learned is kept for the ``settings``
check (``learned``), which compares optimizer options with the row counts.
Files above ``MAX_BYTES`` are only checked for existence: the loader reports
their problems when it reads them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from ..data.datasets import DataError, DataShape, peek
from ..diagnostics.core import Span
from ..ir import nodes as ir
from ..schemas.blocks import DATA_FORMATS
from . import messages as msg
from .context import CheckContext
from .metrics import field_of

logger = logging.getLogger(__name__)

MAX_BYTES = 16 * 1024 * 1024


_MEMO = "datasets"

# What each use of a dataset does with its rows, for E513's message.
_PURPOSE = {"trainset": "train on", "valset": "score candidates on", "dataset": "evaluate on"}


@dataclass(frozen=True, slots=True)
class DataInfo:
    """What the checker learned about one dataset."""

    path: str  # as the file writes it
    fields: frozenset[str] | None  # present in every row; None when unknown (unread, or no rows)
    rows: int | None  # the rows the loader keeps (after `limit`); None when the file was not read
    inputs: tuple[str, ...] | None  # the declared `inputs`, None when missing or malformed


def check(ctx: CheckContext) -> None:
    data = learned(ctx)
    for decl in ctx.source_file.decls:
        if isinstance(decl, (ir.OptimizeDecl, ir.EvaluateDecl)):
            keys = ("trainset", "valset") if isinstance(decl, ir.OptimizeDecl) else ("dataset",)
            _uses(ctx, decl, _with_rows(ctx, decl, keys, data), data)


def _with_rows(
    ctx: CheckContext, decl: ir.OptimizeDecl | ir.EvaluateDecl, keys: tuple[str, ...], data: Mapping[str, DataInfo]
) -> tuple[str, ...]:
    """E513 for each use of an empty dataset (the loader refuses one); the other keys."""
    kept = []
    for key in keys:
        use = decl.options.get(key)
        info = data.get(use.name.name) if isinstance(use, ir.NameValue) else None
        if isinstance(use, ir.NameValue) and info is not None and info.rows == 0:
            message = msg.dataset_empty(use.name.name, _PURPOSE[key])
            ctx.error("E513", message, use.span, msg.dataset_empty_help(info.path))
        else:
            kept.append(key)
    return tuple(kept)


def learned(ctx: CheckContext) -> Mapping[str, DataInfo]:
    """Every dataset of the file, by name, read once per run.

    The first caller reads the files and reports their own problems (E502,
    E503, E504 at `inputs`, E511); later callers get the same answer.
    """
    found = ctx.memo.get(_MEMO)
    if found is None:
        found = MappingProxyType({d.name.name: _dataset(ctx, d) for d in ctx.source_file.of(ir.DatasetDecl)})
        ctx.memo[_MEMO] = found
    return found  # type: ignore[return-value]


def _read(ctx: CheckContext, raw_path: str, span: Span, owner: str, limit: int | None) -> DataShape | None:
    """E511/E502/E503 for one data file; its fields and row count when it could be read."""
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
    shape = peek(path, limit=limit)
    if isinstance(shape, DataError):
        ctx.error("E503", msg.data_unreadable(owner, shape.message), span, msg.data_error_help(shape, raw_path))
        return None
    return shape


def _dataset(ctx: CheckContext, decl: ir.DatasetDecl) -> DataInfo:
    limit = decl.options.get("limit")
    rows = limit.value if isinstance(limit, ir.Const) and type(limit.value) is int and limit.value > 0 else None
    owner = f"dataset `{decl.name.name}`"
    shape = _read(ctx, decl.path, decl.path_span or decl.span, owner, rows)
    fields = shape.fields if shape is not None and shape.rows else None  # no rows: E513 where it is used
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
    return DataInfo(decl.path, fields, shape.rows if shape is not None else None, inputs)


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
    ctx: CheckContext, decl: ir.OptimizeDecl | ir.EvaluateDecl, keys: tuple[str, ...], data: Mapping[str, DataInfo]
) -> None:
    """E513/E504/E505/E510: a dataset given to a program must have rows, its inputs and the metric's field."""
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
