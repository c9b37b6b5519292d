"""bm25 corpora: each retriever's corpus exists and every row holds its text field as a string.

The corpus is read whole, whatever its size (unlike datasets, which are
checked up to ``datasets.MAX_BYTES``): the build indexes all of it anyway, and
a broken row found here is a diagnostic naming the file and line before any
LM call, instead of a failed build. Reading goes through the runtime's
``load_corpus``, the reader the indexer and the shipped retriever use, so
what passes here is exactly what gets indexed.
"""

from __future__ import annotations

from ..data.corpora import CORPUS_FORMATS, CorpusError, load_corpus
from ..diagnostics import catalog
from ..diagnostics.core import did_you_mean
from ..ir import nodes as ir
from ..schemas.blocks import RETRIEVERS
from .context import CheckContext
from .datasets import file_found, fix_help
from .options import default


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
    if not file_found(ctx, raw, path, span, owner, CORPUS_FORMATS):
        return
    option = decl.options.get("text_field")
    if option is None:
        text_field = str(default(RETRIEVERS["bm25"], "text_field"))
    elif isinstance(option, ir.Const) and isinstance(option.value, str):
        text_field = option.value
    else:
        return  # the options check reports it
    try:
        load_corpus(path, text_field)
    except CorpusError as err:
        where = f"{raw}:{err.line}" if err.line is not None else f"{raw}, row {err.row}" if err.row else raw
        if err.fields is None:
            ctx.report(
                catalog.CORPUS_UNREADABLE,
                span,
                help=fix_help(err.line, err.row),
                owner=owner,
                where=where,
                reason=err.message,
                line=err.line,
                row=err.row,
                path=raw,
            )
        else:
            ctx.report(
                catalog.CORPUS_LACKS_FIELD,
                option.span if option is not None else span,
                help=did_you_mean(text_field, err.fields),
                retriever=decl.name.name,
                field=text_field,
                where=where,
                fields=err.fields,
            )
