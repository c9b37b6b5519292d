"""Judge metrics: every input of a judge's signature has a value where the metric is used.

A ``judge`` metric fills each input of its signature from the prediction
(an output of the program it scores) or else from the example (a field of
the dataset row), so where it is used (``optimize``, ``evaluate``) each
input must be one or the other. The dataset fields come from what the
``datasets`` check learned (``datasets.learned``); a dataset whose fields are
unknown (unread, or reported there) is not compared.

As the ``reward`` of a ``BestOfN`` or ``Refine`` module, a judge scores each
attempt from the module's inputs and outputs, so each input of the judge's
signature must be an input or an output of the module's signature; and it
asks the LM the program runs with, the only one a package has, so it may not
name another ``lm:`` (both E512).
"""

from __future__ import annotations

from ..diagnostics import catalog
from ..ir import nodes as ir
from ..ir.values import options_dict
from .context import CheckContext
from .datasets import learned

# The options of each block that name the datasets its metric scores examples of.
_DATASET_KEYS = {ir.OptimizeDecl: ("trainset", "valset"), ir.EvaluateDecl: ("dataset",)}


def check(ctx: CheckContext) -> None:
    for decl in ctx.source_file.decls:
        if isinstance(decl, ir.ProgramDecl):
            for module in decl.modules:
                _reward(ctx, module)
        keys = _DATASET_KEYS.get(type(decl))
        if keys is None:
            continue
        program = ctx.symbols.lookup(decl.program.name, ir.ProgramDecl)
        use = decl.options.get("metric")
        signature = _judge_signature(ctx, use)
        if not isinstance(program, ir.ProgramDecl) or signature is None:
            continue
        outputs = {p.name.name for p in program.outputs}
        for key in keys:
            data = decl.options.get(key)
            _inputs_found(ctx, use, signature, program.name.name, outputs, data)


def _judge_signature(ctx: CheckContext, use: ir.Value | None) -> ir.SignatureDecl | None:
    """The signature of the well-formed judge metric ``use`` names, else None."""
    if not isinstance(use, ir.NameValue):
        return None
    metric = ctx.symbols.lookup(use.name.name, ir.MetricDecl)
    if not isinstance(metric, ir.MetricDecl) or not isinstance(metric.expr, ir.BuiltinMetric):
        return None
    if metric.expr.func.name != "judge" or len(metric.expr.args) != 1:
        return None
    signature = ctx.symbols.lookup(metric.expr.args[0].name, ir.SignatureDecl)
    return signature if isinstance(signature, ir.SignatureDecl) else None


def _reward(ctx: CheckContext, module: ir.ModuleDecl) -> None:
    """E512 for a judge reward on another lm, or with an input the module's signature lacks."""
    use = module.options.get("reward")
    judge = _judge_signature(ctx, use)
    own = ctx.symbols.lookup(module.signature.name, ir.SignatureDecl)
    if judge is None or not isinstance(own, ir.SignatureDecl):
        return
    metric = ctx.symbols.lookup(use.name.name, ir.MetricDecl)
    lm = options_dict(metric.expr.options).get("lm", "default")
    if lm != "default":
        ctx.report(catalog.JUDGE_REWARD_LM, use.span, metric=use.name.name, lm=lm, module=module.name.name)
    fields = [f.name.name for f in own.fields]
    for field in judge.inputs:
        if field.name.name not in fields:
            ctx.report(
                catalog.JUDGE_REWARD_INPUT,
                use.span,
                metric=use.name.name,
                field=field.name.name,
                module=module.name.name,
                signature=own.name.name,
                fields=fields,
            )


def _inputs_found(
    ctx: CheckContext,
    use: ir.NameValue,
    signature: ir.SignatureDecl,
    program: str,
    outputs: set[str],
    data: ir.Value | None,
) -> None:
    """E514 for each judge input that neither the program outputs nor the dataset ``data`` has."""
    if not isinstance(data, ir.NameValue):
        return
    info = learned(ctx).get(data.name.name)
    if info is None or info.fields is None:
        return
    for field in signature.inputs:
        name = field.name.name
        if name not in outputs and name not in info.fields:
            ctx.report(
                catalog.JUDGE_INPUT_MISSING,
                use.span,
                metric=use.name.name,
                field=name,
                program=program,
                dataset=data.name.name,
                outputs=outputs,
                fields=info.fields,
            )
