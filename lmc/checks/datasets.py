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

import stat
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from types import MappingProxyType

from ..data.datasets import DataError, DataShape, peek
from ..diagnostics import catalog
from ..diagnostics.catalog import Help
from ..diagnostics.core import Span, closest, did_you_mean
from ..ir import nodes as ir
from ..records import record
from ..schemas.blocks import DATA_FORMATS
from .context import CheckContext
from .metrics import field_of

MAX_BYTES = 16 * 1024 * 1024


_MEMO = "datasets"

# What each use of a dataset does with its rows, for E513's message.
_PURPOSE = {"trainset": "train on", "valset": "score candidates on", "dataset": "evaluate on"}


@record
class DataInfo:
    """What the checker learned about one dataset."""

    path: str  # as the file writes it
    fields: frozenset[str] | None  # present in every row; None when unknown (unread, or no rows)
    rows: int | None  # the rows the loader keeps (after `limit`); None when the file was not read
    inputs: tuple[str, ...] | None  # the declared `inputs`, None when missing or malformed
    missing: Mapping[str, str] = field(default_factory=dict)  # field some rows lack -> the first such row
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # field -> text value -> its first row


@record
class _Learned:
    """What ``learned`` keeps in the context's memo."""

    datasets: Mapping[str, DataInfo]


def check(ctx: CheckContext) -> None:
    data = learned(ctx)
    for decl in ctx.source_file.decls:
        if isinstance(decl, (ir.OptimizeDecl, ir.EvaluateDecl)):
            _uses(ctx, decl, _with_rows(ctx, decl, dataset_keys(decl), data), data)


def dataset_keys(decl: ir.OptimizeDecl | ir.EvaluateDecl) -> tuple[str, ...]:
    """The options of a block that name the datasets its metric scores examples of."""
    return ("trainset", "valset") if isinstance(decl, ir.OptimizeDecl) else ("dataset",)


def _with_rows(
    ctx: CheckContext, decl: ir.OptimizeDecl | ir.EvaluateDecl, keys: tuple[str, ...], data: Mapping[str, DataInfo]
) -> tuple[str, ...]:
    """E513 for each use of an empty dataset (the loader refuses one); the other keys."""
    kept = []
    for key in keys:
        use = decl.options.get(key)
        info = data.get(use.name.name) if isinstance(use, ir.NameValue) else None
        if isinstance(use, ir.NameValue) and info is not None and info.rows == 0:
            ctx.report(catalog.DATASET_EMPTY, use.span, dataset=use.name.name, purpose=_PURPOSE[key], path=info.path)
        else:
            kept.append(key)
    return tuple(kept)


def learned(ctx: CheckContext) -> Mapping[str, DataInfo]:
    """Every dataset of the file, by name, read once per run.

    The first caller reads the files and reports their own problems (E502,
    E503, E504 at `inputs`, E511); later callers get the same answer.
    """
    found = ctx.memo.get(_MEMO)
    if not isinstance(found, _Learned):
        found = _Learned(MappingProxyType({d.name.name: _dataset(ctx, d) for d in ctx.source_file.of(ir.DatasetDecl)}))
        ctx.memo[_MEMO] = found
    return found.datasets


def _read(ctx: CheckContext, raw_path: str, span: Span, owner: str, limit: int | None) -> DataShape | None:
    """E511/E502/E503 for one data file; its fields and row count when it could be read."""
    path = ctx.base_dir / raw_path
    if not file_found(ctx, raw_path, path, span, owner, DATA_FORMATS):
        return None
    try:
        size = path.stat().st_size
    except OSError as err:
        reason = str(err.strerror or err)
        ctx.report(catalog.DATA_UNREADABLE, span, owner=owner, reason=reason, path=path)
        return None
    if size > MAX_BYTES:
        import logging  # only for a file this large: logging costs a check ~2 ms to import

        logging.getLogger(__name__).debug("%s is %d bytes; its fields are checked when it is loaded", path, size)
        return None
    shape = peek(path, limit=limit)
    if isinstance(shape, DataError):
        help = fix_help(shape.line, shape.row)
        where = {"line": shape.line, "row": shape.row, "path": raw_path}
        ctx.report(catalog.DATA_UNREADABLE, span, help=help, owner=owner, reason=shape.message, **where)
        return None
    return shape


def file_found(ctx: CheckContext, raw_path: str, path: Path, span: Span, owner: str, formats: tuple[str, ...]) -> bool:
    """E511 for a file of another format than ``formats``, E502 for one that is not there."""
    if Path(raw_path).suffix.lower() not in formats:
        ctx.report(catalog.DATA_FORMAT, span, owner=owner, suffix=Path(raw_path).suffix or raw_path)
        return False
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        near = _near_file(raw_path, path, formats)
        help = None if near is None else catalog.DATA_NEAR
        ctx.report(
            catalog.DATA_MISSING, span, help=help, owner=owner, path=raw_path, resolved=path.resolve(), near=near
        )
        return False
    except OSError as exc:  # a name too long, a loop of links, no permission
        reason = exc.strerror or type(exc).__name__
        ctx.report(catalog.DATA_UNREADABLE, span, owner=owner, reason=reason, path=raw_path)
        return False
    if stat.S_ISDIR(mode):
        ctx.report(catalog.DATA_IS_A_FOLDER, span, owner=owner, path=raw_path, resolved=path.resolve())
        return False
    if not stat.S_ISREG(mode):  # a FIFO or a device: reading it would never end
        reason = "it is not a regular file (a FIFO or a device)"
        ctx.report(catalog.DATA_UNREADABLE, span, owner=owner, reason=reason, path=raw_path)
        return False
    return True


def _near_file(raw_path: str, path: Path, formats: tuple[str, ...]) -> str | None:
    """A file of one of ``formats`` beside where ``path`` was looked for, with a name close to its name
    (``request.jsonl`` for ``requests.jsonl``), written as the source would write it; None if none."""
    try:
        files = sorted(p for p in path.parent.iterdir() if p.suffix.lower() in formats and p.is_file())
    except OSError:  # no such folder, or one that cannot be listed
        return None
    by_stem: dict[str, str] = {}
    for file in files:  # names compared without their suffix (`.jsonl` alone would make any two alike)
        if file.stem not in by_stem or file.suffix == path.suffix:
            by_stem[file.stem] = file.name
    stem = closest(path.stem, list(by_stem))
    if stem is None:
        return None
    near = by_stem[stem]
    folder = raw_path.replace("\\", "/").rpartition("/")[0]
    return f"{folder}/{near}" if folder else near


def fix_help(line: int | None, row: int | None) -> Help:
    """E503's help for a file that does not read: the line or row to fix, where the reader knows it."""
    if line is not None:
        return catalog.FIX_LINE
    return catalog.FIX_ROW if row is not None else catalog.FIX_FILE


def _dataset(ctx: CheckContext, decl: ir.DatasetDecl) -> DataInfo:
    limit = decl.options.get("limit")
    rows = limit.value if isinstance(limit, ir.Const) and type(limit.value) is int and limit.value > 0 else None
    owner = f"dataset `{decl.name.name}`"
    shape = _read(ctx, decl.path, decl.path_span or decl.span, owner, rows)
    fields = shape.fields if shape is not None and shape.rows else None  # no rows: E513 where it is used
    listed = decl.options.get("inputs")
    inputs = _declared_inputs(listed)
    if fields is not None and inputs is not None and isinstance(listed, ir.ListValue):
        for item in listed.items:
            name = _item_name(item)
            if name is not None and name not in fields:
                ctx.report(catalog.INPUT_NOT_IN_DATA, item.span, dataset=decl.name.name, field=name, fields=fields)
    if shape is None:
        return DataInfo(decl.path, fields, None, inputs)
    return DataInfo(decl.path, fields, shape.rows, inputs, shape.missing, shape.values)


def _declared_inputs(value: ir.Value | None) -> tuple[str, ...] | None:
    if not isinstance(value, ir.ListValue) or not value.items:
        return None
    names = tuple(name for name in map(_item_name, value.items) if name is not None)
    return names if len(names) == len(value.items) else None


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
    metric_name = metric.name.name if isinstance(metric, ir.NameValue) else None
    metric_field = field_of(ctx, metric_name) if metric_name is not None else None
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
                    fields = info.fields
                    ctx.report(
                        catalog.DATA_LACKS_INPUT, use.span, dataset=name, field=param, program=prog, fields=fields
                    )
            elif info.inputs is not None and param not in info.inputs:
                ctx.report(catalog.INPUT_NOT_DECLARED, use.span, dataset=name, field=param, program=prog)
        for listed in info.inputs or ():
            if listed not in params:
                ctx.report(
                    catalog.INPUT_NOT_A_PARAMETER, use.span, dataset=name, field=listed, program=prog, params=params
                )
        if metric_field is None:
            continue
        label = {"dataset": name, "field": metric_field.name, "metric": metric_name}
        where_missing = info.missing.get(metric_field.name)
        if info.fields is not None and metric_field.name not in info.fields and where_missing is not None:
            ctx.report(catalog.LABEL_MISSING_IN_ROWS, use.span, path=info.path, where=where_missing, **label)
        elif info.fields is not None and metric_field.name not in info.fields:
            ctx.report(catalog.DATA_LACKS_LABEL, use.span, fields=info.fields, **label)
        elif info.inputs is not None and metric_field.name in info.inputs:
            ctx.report(catalog.LABEL_IS_INPUT, use.span, **label)
        _labels_fit(ctx, use, program, metric_field.name, info)


LABELS_SHOWN = 5  # distinct bad labels reported per dataset and field


def _labels_fit(ctx: CheckContext, use: ir.NameValue, program: ir.ProgramDecl, label: str, info: DataInfo) -> None:
    """E520 for each text label that is not a value of the output's enum or literal union (once per dataset)."""
    output = next((p for p in program.outputs if p.name.name == label), None)
    found = _choices(ctx, output.type) if output is not None else None
    if found is None:
        return
    choices, type_name = found
    reported = ctx.memo.setdefault(_LABELS_MEMO, set())
    assert isinstance(reported, set)
    bad = [(v, w) for v, w in info.values.get(label, {}).items() if v.strip() not in choices]
    for value, where in bad[:LABELS_SHOWN]:
        key = (use.name.name, label, value)
        if key in reported:
            continue
        reported.add(key)
        help = did_you_mean(value.strip(), choices)
        ctx.report(
            catalog.LABEL_NOT_A_CHOICE,
            use.span,
            help=help,
            dataset=use.name.name,
            path=info.path,
            field=label,
            value=value,
            where=where,
            choices=choices,
            type=type_name,
        )


_LABELS_MEMO = "dataset labels reported"


def _choices(ctx: CheckContext, t: ir.TypeExpr) -> tuple[tuple[str, ...], str] | None:
    """The values a label of type ``t`` may take, and how to name the type; None when not a closed choice."""
    if isinstance(t, ir.OptionalType):
        return _choices(ctx, t.inner)
    if isinstance(t, ir.LiteralType):
        return t.values, "the literal union"
    if isinstance(t, ir.NamedType):
        decl = ctx.symbols.lookup(t.name.name, ir.EnumDecl)
        if isinstance(decl, ir.EnumDecl):
            return tuple(m.name for m in decl.members), f"enum `{decl.name.name}`"
    return None
