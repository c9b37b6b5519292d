"""Calibrate against the LM it runs on: the embedded models give log-probabilities only greedily.

``Calibrate`` reads answers from log-probabilities; a ``local/`` model gives
them by greedy decoding (``runtime/local_logprobs.py``), so its plain answers
must be greedy too: temperature 0 in the options of ``lm default``, the LM
optimizers run on. Otherwise the build would stop at the Calibrate step,
after the steps before it had spent their calls: E410 says so first.
"""

from __future__ import annotations

from ..diagnostics import catalog
from ..ir import nodes as ir
from .context import CheckContext

LOCAL_PREFIX = "local/"


def check(ctx: CheckContext) -> None:
    default = next((d for d in ctx.source_file.of(ir.LmDecl) if d.name.name == "default"), None)
    if default is None or not default.model.startswith(LOCAL_PREFIX) or _greedy(default):
        return
    for decl in ctx.source_file.of(ir.OptimizeDecl):
        chain = decl.options.get("optimizer")
        items = chain.items if isinstance(chain, ir.ListValue) else (chain,)
        for item in items:
            if isinstance(item, (ir.CallValue, ir.NameValue)) and item.name.name == "Calibrate":
                ctx.report(catalog.CALIBRATE_NOT_GREEDY, item.name.span, model=default.model)


def _greedy(lm: ir.LmDecl) -> bool:
    temperature = lm.options.get("temperature")
    value = temperature.value if isinstance(temperature, ir.Const) else None
    return not isinstance(value, bool) and isinstance(value, (int, float)) and value == 0
