"""bm25 corpora: each retriever's corpus exists and every row holds its text field as a string.

The corpus is read whole, whatever its size (unlike datasets, which are
checked up to ``datasets.MAX_BYTES``): the build indexes all of it anyway, and
a broken row found here is a diagnostic naming the file and line before any
LM call, instead of a failed build. Reading goes through the runtime's
``load_corpus``, the reader the indexer and the shipped retriever use, so
what passes here is exactly what gets indexed.
"""

from __future__ import annotations

from pathlib import Path

from ..data.corpora import CORPUS_FORMATS, CorpusError, load_corpus
from ..diagnostics.core import did_you_mean
from ..ir import nodes as ir
from ..schemas.blocks import RETRIEVERS
from . import messages as msg
from .context import CheckContext


def check(ctx: CheckContext) -> None:
    for decl in ctx.source_file.of(ir.RetrieverDecl):
        if decl.kind.name == "bm25":
            _corpus(ctx, decl)


def _corpus(ctx: CheckContext, decl: ir.RetrieverDecl) -> None:
    """E511, E502, E503 and E504 for one bm25 corpus."""
    owner = f"retriever `{decl.name.name}`"
    span = decl.source_span or decl.span
    raw = decl.source
    path = ctx.base_dir / raw
    if Path(raw).suffix.lower() not in CORPUS_FORMATS:
        ctx.error("E511", msg.data_format(owner, raw), span, msg.data_format_help())
        return
    if not path.is_file():
        what = "a folder" if path.is_dir() else "missing"
        ctx.error("E502", msg.data_missing(owner, raw, what), span, msg.data_missing_help(path.resolve()))
        return
    option = decl.options.get("text_field")
    if option is not None and not (isinstance(option, ir.Const) and isinstance(option.value, str)):
        return  # the options check reports it
    text_field = option.value if option is not None else str(RETRIEVERS["bm25"].get("text_field").default)  # type: ignore[union-attr]
    try:
        load_corpus(path, text_field)
    except CorpusError as err:
        where = f"{raw}:{err.line}" if err.line is not None else f"{raw}, row {err.row}" if err.row else raw
        if err.fields is None:
            ctx.error("E503", msg.corpus_unreadable(owner, where, err.message), span, msg.data_error_help(err, raw))
        else:
            at = option.span if option is not None else span
            hint = did_you_mean(text_field, err.fields) or msg.corpus_field_help(err.fields)
            ctx.error("E504", msg.corpus_row_lacks_field(decl.name.name, text_field, where), at, hint)
