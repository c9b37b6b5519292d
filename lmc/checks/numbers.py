"""Number literals a value cannot hold: ``1e999`` (infinity) or an integer past 4,300 digits (E011)."""

from __future__ import annotations

import math

from ..diagnostics import catalog
from ..ir import nodes as ir
from .context import CheckContext


def check(ctx: CheckContext) -> None:
    for node in ctx.nodes_of(ir.Const):
        if isinstance(node.value, float) and not math.isfinite(node.value):
            ctx.report(catalog.NUMBER_TOO_LARGE, node.span)
