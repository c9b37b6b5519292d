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
from ..records import record
from .context import CheckContext
from .datasets import dataset_keys, learned


@record
class _Judge:
    """A use of a well-formed judge metric: the name as written, the metric, its signature."""

    use: ir.NameValue
    metric: ir.BuiltinMetric
    signature: ir.SignatureDecl


def check(ctx: CheckContext) -> None:
    for decl in ctx.source_file.decls:
        if isinstance(decl, ir.ProgramDecl):
            for module in ctx.modules_of(decl):
                _reward(ctx, module)
        elif isinstance(decl, (ir.OptimizeDecl, ir.EvaluateDecl)):
            program = ctx.symbols.lookup(decl.program.name, ir.ProgramDecl)
            judge = _judge(ctx, decl.options.get("metric"))
            if program is None or judge is None:
                continue
            outputs = {p.name.name for p in program.outputs}
            for key in dataset_keys(decl):
                _inputs_found(ctx, judge, program.name.name, outputs, decl.options.get(key))


def _judge(ctx: CheckContext, use: ir.Value | None) -> _Judge | None:
    """The well-formed judge metric ``use`` names, else None."""
    if not isinstance(use, ir.NameValue):
        return None
    metric = ctx.symbols.lookup(use.name.name, ir.MetricDecl)
    if metric is None or not isinstance(metric.expr, ir.BuiltinMetric):
        return None
    if metric.expr.func.name != "judge" or len(metric.expr.args) != 1:
        return None
    signature = ctx.symbols.lookup(metric.expr.args[0].name, ir.SignatureDecl)
    return _Judge(use, metric.expr, signature) if signature is not None else None


def _reward(ctx: CheckContext, module: ir.ModuleDecl) -> None:
    """E512 for a judge reward on another lm, or with an input the module's signature lacks."""
    judge = _judge(ctx, module.options.get("reward"))
    own = ctx.symbols.lookup(module.signature.name, ir.SignatureDecl)
    if judge is None or own is None:
        return
    use = judge.use
    lm = options_dict(judge.metric.options).get("lm", "default")
    if lm != "default":
        ctx.report(catalog.JUDGE_REWARD_LM, use.span, metric=use.name.name, lm=lm, module=module.name.name)
    fields = [f.name.name for f in own.fields]
    for field in judge.signature.inputs:
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


def _inputs_found(ctx: CheckContext, judge: _Judge, program: str, outputs: set[str], data: ir.Value | None) -> None:
    """E514 for each judge input that neither the program outputs nor the dataset ``data`` has."""
    if not isinstance(data, ir.NameValue):
        return
    info = learned(ctx).get(data.name.name)
    if info is None or info.fields is None:
        return
    for field in judge.signature.inputs:
        name = field.name.name
        if name not in outputs and name not in info.fields:
            ctx.report(
                catalog.JUDGE_INPUT_MISSING,
                judge.use.span,
                metric=judge.use.name.name,
                field=name,
                program=program,
                dataset=data.name.name,
                outputs=outputs,
                fields=info.fields,
            )
