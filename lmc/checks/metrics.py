"""Metrics: built-in metric arguments, judge signatures, fields the metric compares, rewards.

A field metric (``exact_match(answer)``) compares one output of the program
with the same field of the example, so the field must be an output of every
program the metric scores; that is checked where the metric is used
(``optimize``, ``evaluate``). Whether the data has the field is the
``datasets`` check's. A module's ``reward`` (``BestOfN``, ``Refine``) scores
a prediction while the program runs, with no example to compare with, so it
must be a ``python`` metric or a ``judge`` (whose rewards the ``judges``
check looks at), never a field metric. A judge with ``feedback: true`` is
asked one more output, ``feedback``, so its signature may not have a field
of that name.
"""

from __future__ import annotations

from ..diagnostics import catalog
from ..diagnostics.core import did_you_mean
from ..ir import nodes as ir
from ..schemas.blocks import METRIC_FUNCTIONS
from .context import CheckContext


def check(ctx: CheckContext) -> None:
    for metric in ctx.source_file.of(ir.MetricDecl):
        if isinstance(metric.expr, ir.BuiltinMetric):
            _builtin(ctx, metric.name.name, metric.expr)
    for decl in ctx.source_file.decls:
        if isinstance(decl, (ir.OptimizeDecl, ir.EvaluateDecl)):
            program = ctx.symbols.lookup(decl.program.name, ir.ProgramDecl)
            use = decl.options.get("metric")
            if isinstance(program, ir.ProgramDecl) and isinstance(use, ir.NameValue):
                outputs = [p.name.name for p in program.outputs]
                _fields_used(ctx, use, outputs, f"program `{program.name.name}`")
        elif isinstance(decl, ir.ProgramDecl):
            for module in ctx.modules_of(decl):
                _reward(ctx, module)


def field_of(ctx: CheckContext, metric_name: str) -> ir.Ident | None:
    """The field a well-formed field metric compares (``answer`` in ``f1(answer)``), else None."""
    metric = ctx.symbols.lookup(metric_name, ir.MetricDecl)
    if not isinstance(metric, ir.MetricDecl) or not isinstance(metric.expr, ir.BuiltinMetric):
        return None
    fn = METRIC_FUNCTIONS.get(metric.expr.func.name)
    if fn is None or fn.argument != "field" or len(metric.expr.args) != 1:
        return None
    return metric.expr.args[0]


def _builtin(ctx: CheckContext, name: str, metric: ir.BuiltinMetric) -> None:
    fn = METRIC_FUNCTIONS.get(metric.func.name)
    if fn is None:
        return  # the `names` check reports the unknown function
    if len(metric.args) != 1:
        span = metric.args[1].span if len(metric.args) > 1 else metric.func.span
        help = catalog.ONE_SIGNATURE if fn.argument == "signature" else None
        ctx.report(catalog.METRIC_ARITY, span, help=help, function=fn.name, argument=fn.argument, got=len(metric.args))
        return
    if fn.argument == "signature":
        sig = ctx.symbols.lookup(metric.args[0].name, ir.SignatureDecl)
        if isinstance(sig, ir.SignatureDecl):
            _judge_signature(ctx, sig, metric.args[0])
            _feedback_field(ctx, name, sig, metric.options.get("feedback"))


def _judge_signature(ctx: CheckContext, sig: ir.SignatureDecl, use: ir.Ident) -> None:
    """E508: a judge's verdict is one ``bool`` or ``float`` output (its score)."""
    outputs = sig.outputs
    scored = (
        len(outputs) == 1
        and isinstance(outputs[0].type, ir.NamedType)
        and outputs[0].type.name.name in ("bool", "float")
    )
    if not scored:
        ctx.report(catalog.JUDGE_OUTPUTS, use.span, signature=sig.name.name, outputs=[f.name.name for f in outputs])


def _feedback_field(ctx: CheckContext, metric: str, sig: ir.SignatureDecl, feedback: ir.Value | None) -> None:
    """E521: ``feedback: true`` adds the output ``feedback``, which the signature may not have already."""
    if not (isinstance(feedback, ir.Const) and feedback.value is True):
        return  # false, absent, or not a bool (E402)
    for field in sig.fields:
        if field.name.name == "feedback":
            direction = "an input" if field.direction == "in" else "an output"
            ctx.report(
                catalog.JUDGE_FEEDBACK_FIELD, feedback.span, metric=metric, signature=sig.name.name, direction=direction
            )


def _fields_used(ctx: CheckContext, use: ir.NameValue, outputs: list[str], scored: str) -> None:
    field = field_of(ctx, use.name.name)
    if field is None or field.name in outputs:
        return
    suggestion = did_you_mean(field.name, outputs)
    ctx.report(
        catalog.METRIC_FIELD_NOT_OUTPUT,
        use.span,
        help=catalog.SUGGESTED_OUTPUT if suggestion else None,
        metric=use.name.name,
        field=field.name,
        scored=scored,
        outputs=outputs,
        suggestion=suggestion,
    )


def _reward(ctx: CheckContext, module: ir.ModuleDecl) -> None:
    """E512: a reward that needs a gold answer (a field metric)."""
    reward = module.options.get("reward")
    if not isinstance(reward, ir.NameValue):
        return
    metric = ctx.symbols.lookup(reward.name.name, ir.MetricDecl)
    if (
        isinstance(metric, ir.MetricDecl)
        and isinstance(metric.expr, ir.BuiltinMetric)
        and metric.expr.func.name != "judge"
    ):
        fields = {"metric": reward.name.name, "function": metric.expr.func.name, "module": module.name.name}
        ctx.report(catalog.REWARD_NOT_PYTHON, reward.span, **fields)
