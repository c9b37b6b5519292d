"""Optimizer settings against the data they run on: sizes the trainset or the valset cannot give.

An option that asks for more rows than a dataset has is found here, from
the row counts the ``datasets`` check learned (``datasets.learned``; no file
is read twice), instead of after the optimizer's first LM calls. Like DSPy,
the optimizers take fewer demos or neighbours when the trainset has fewer
rows, so a count above the trainset's size is a warning (E408) that says how
many will be used; it is reported only where the file writes the count (the
defaults suit any trainset). Where the optimizer itself would stop, it is an
error (E409): MIPROv2's minibatches larger than the rows it scores on, and
SIMBA's (``bsize``, 32 by default) larger than the trainset.
MIPROv2's ``num_candidates`` and ``num_trials`` work with any data, so they
are not compared with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from ..diagnostics import catalog
from ..ir import nodes as ir
from ..records import record
from ..schemas.blocks import OPTIMIZERS
from ..schemas.sizes import AUTO_RUN_SETTINGS, MIN_MINIBATCH_SIZE
from .context import CheckContext
from .datasets import DataInfo, learned
from .options import default

# The options of each optimizer that count trainset rows (demos per module, or KNN's neighbours).
TRAINSET_COUNTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "LabeledFewShot": ("k",),
        "BootstrapFewShot": ("max_bootstrapped_demos", "max_labeled_demos"),
        "BootstrapFewShotWithRandomSearch": ("max_bootstrapped_demos", "max_labeled_demos"),
        "KNNFewShot": ("k", "max_bootstrapped_demos", "max_labeled_demos"),
        "MIPROv2": ("max_bootstrapped_demos", "max_labeled_demos"),
    }
)

# MIPROv2's `auto` modes: the most valset rows each keeps (a sample), and the valset size above
# which auto mode uses minibatches: the optimizer's own numbers.
MIPRO_AUTO_VALSET: Mapping[str, int] = MappingProxyType({mode: rows for mode, (_, rows) in AUTO_RUN_SETTINGS.items()})
MIPRO_MIN_MINIBATCH_ROWS = MIN_MINIBATCH_SIZE

_MIPRO = OPTIMIZERS["MIPROv2"]
_SIMBA = OPTIMIZERS["SIMBA"]
_WRONG = object()  # an option value of the wrong type or word: the `options` check reports it


@record
class _Used:
    """A dataset an optimize block uses, whose rows are known and not zero (an empty one is E513)."""

    name: str
    info: DataInfo

    @property
    def rows(self) -> int:
        return self.info.rows or 0


def check(ctx: CheckContext) -> None:
    data = learned(ctx)
    for decl in ctx.source_file.of(ir.OptimizeDecl):
        trainset = _used(decl.options.get("trainset"), data)
        valset = _used(decl.options.get("valset"), data)
        scored_on = valset or trainset
        for item in _optimizers(decl.options.get("optimizer")):
            if trainset is not None:
                _trainset_counts(ctx, item, trainset)
            if item.name.name == "MIPROv2" and scored_on is not None:
                _minibatch(ctx, item, scored_on, is_valset=valset is not None)
            if item.name.name == "SIMBA" and trainset is not None:
                _simba_batch(ctx, item, trainset)


def _used(value: ir.Value | None, data: Mapping[str, DataInfo]) -> _Used | None:
    info = data.get(value.name.name) if isinstance(value, ir.NameValue) else None
    return _Used(value.name.name, info) if isinstance(value, ir.NameValue) and info is not None and info.rows else None


def _optimizers(value: ir.Value | None) -> tuple[ir.CallValue | ir.NameValue, ...]:
    items = value.items if isinstance(value, ir.ListValue) else (value,)
    return tuple(item for item in items if isinstance(item, (ir.CallValue, ir.NameValue)))


def _written(item: ir.CallValue | ir.NameValue, key: str) -> ir.Value | None:
    return item.options.get(key) if isinstance(item, ir.CallValue) else None


def _setting(item: ir.CallValue | ir.NameValue, key: str, valid: Callable[[object], bool]) -> object:
    """The optimizer's ``key`` as written, else its default; ``_WRONG`` when what is written is not ``valid``."""
    value = _written(item, key)
    if value is None:
        return default(_SIMBA if item.name.name == "SIMBA" else _MIPRO, key)
    return value.value if isinstance(value, ir.Const) and valid(value.value) else _WRONG


def _trainset_counts(ctx: CheckContext, item: ir.CallValue | ir.NameValue, trainset: _Used) -> None:
    """E408: a written count of demos or neighbours above the trainset's rows."""
    rows = trainset.rows
    for key in TRAINSET_COUNTS.get(item.name.name, ()):
        value = _written(item, key)
        if not (isinstance(value, ir.Const) and type(value.value) is int and value.value > rows):
            continue  # within the trainset, the default, or not a whole number (E402)
        neighbours = key == "k" and item.name.name == "KNNFewShot"
        entry = catalog.MORE_NEIGHBOURS_THAN_ROWS if neighbours else catalog.MORE_DEMOS_THAN_ROWS
        path = trainset.info.path
        ctx.report(entry, value.span, key=key, value=value.value, trainset=trainset.name, rows=rows, path=path)


def _minibatch(ctx: CheckContext, item: ir.CallValue | ir.NameValue, scored_on: _Used, *, is_valset: bool) -> None:
    """E409: MIPROv2 stops before its search when a minibatch is larger than the rows it scores on.

    The rows are the valset's (the trainset's without one); ``auto`` keeps a
    sample of them and turns minibatches on for more than 50 rows, whatever
    ``minibatch`` says, as DSPy does.
    """
    auto = _setting(item, "auto", lambda v: v is None or v in MIPRO_AUTO_VALSET)
    minibatch = _setting(item, "minibatch", lambda v: isinstance(v, bool))
    size = _setting(item, "minibatch_size", lambda v: type(v) is int)
    if any(v is _WRONG for v in (auto, minibatch, size)):
        return
    rows = scored_on.rows
    if auto is None:
        scored, on = rows, bool(minibatch)
    else:
        scored = min(MIPRO_AUTO_VALSET[str(auto)], rows)
        on = scored > MIPRO_MIN_MINIBATCH_ROWS
    if not on or not isinstance(size, int) or size <= scored:
        return
    mode = None if auto is None else str(auto)
    sampled = mode if mode is not None and scored < rows else None
    entry = catalog.MINIBATCH_OF_VALSET if is_valset else catalog.MINIBATCH_OF_TRAINSET
    help = catalog.SMALLER_MINIBATCH if mode is not None else None  # auto mode decides `minibatch` itself
    span = (_written(item, "minibatch_size") or item.name).span
    ctx.report(entry, span, help=help, size=size, rows=scored, auto=sampled, dataset=scored_on.name)


def _simba_batch(ctx: CheckContext, item: ir.CallValue | ir.NameValue, trainset: _Used) -> None:
    """E409: SIMBA's minibatches (``bsize`` rows of the trainset) cannot be larger than the trainset."""
    size = _setting(item, "bsize", lambda v: type(v) is int)
    if not isinstance(size, int) or size <= trainset.rows:
        return
    written = _written(item, "bsize")
    ctx.report(
        catalog.SIMBA_BATCH_OF_TRAINSET,
        (written or item.name).span,
        size=size,
        default=None if written is not None else size,
        rows=trainset.rows,
        dataset=trainset.name,
        path=trainset.info.path,
    )
