"""What the module kinds built from several LM calls share: ReAct, MultiChainComparison, BestOfN, Refine.

Each of them is made of ``Predict`` / ``ChainOfThought`` predictors. The one
that answers for the module uses the module's own path and ``Params``; a
further learnable predictor uses ``path.part`` (``prog.agent.extract``),
whose spec the kind's ``part_specs`` gives (``Program.modules`` holds it, so
optimizers see its kind and signature) and whose ``Params`` come from the
running program's context.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ProgramError
from ..signature import ModuleSpec, Params, Signature

if TYPE_CHECKING:
    from ..lm.protocol import LanguageModel
    from ..modules import ModuleContext, Predict


def check_options(spec: ModuleSpec, allowed: Collection[str], required: Collection[str] = ()) -> None:
    """ProgramError for an option the kind does not take, or a required one left out."""
    unknown = sorted(set(spec.options) - set(allowed))
    if unknown:
        raise ProgramError(
            f"module `{spec.path}`: {spec.kind} takes no option(s) {', '.join(f'`{k}`' for k in unknown)} "
            f"(its options: {', '.join(f'`{k}`' for k in sorted(allowed))})"
        )
    missing = [k for k in required if k not in spec.options]
    if missing:
        raise ProgramError(f"module `{spec.path}`: {spec.kind} needs the option(s) {', '.join(missing)}")


def require_context(spec: ModuleSpec, ctx: ModuleContext | None) -> ModuleContext:
    if ctx is None:
        raise ProgramError(f"module `{spec.path}`: {spec.kind} runs only inside a program (it needs its context)")
    return ctx


def part_params(spec: ModuleSpec, ctx: ModuleContext | None, part: str) -> Params:
    """The learned parameters of predictor ``spec.path + "." + part``, or its defaults."""
    learned = ctx.params.get(f"{spec.path}.{part}") if ctx is not None else None
    return learned or Params(instructions=spec.signature.instructions, adapter=spec.adapter or "chat")


def check_inputs(path: str, signature: Signature, inputs: Mapping[str, Any]) -> None:
    """ProgramError for an input the module's signature does not have (the predictors warn about missing ones)."""
    names = [f.name for f in signature.inputs]
    unknown = [k for k in inputs if k not in names]
    if unknown:
        raise ProgramError(
            f"module `{path}` got unknown input(s) {', '.join(f'`{k}`' for k in unknown)} "
            f"(its inputs: {', '.join(f'`{n}`' for n in names) or 'none'})"
        )


def predictor(spec: ModuleSpec, params: Params, lm: LanguageModel | None) -> Predict:
    """The ``Predict`` or ``ChainOfThought`` of ``spec``; it records its calls under ``spec.path``."""
    from ..modules import ChainOfThought, Predict  # here: modules.py imports the kinds built on this file

    kinds: dict[str, type[Predict]] = {Predict.kind: Predict, ChainOfThought.kind: ChainOfThought}
    return kinds[spec.kind](spec, params, lm)
