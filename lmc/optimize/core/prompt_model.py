"""Asking the prompt model: the calls COPRO and MIPROv2 make to write instructions.

A proposal is one ``Predict`` call on a fixed signature (DSPy's prompt texts),
through the same runtime module and chat adapter a program uses, so its
prompt is DSPy's and its answer is parsed and validated the same way.

DSPy draws several proposals from one prompt with ``n`` completions, or with
a fresh ``rollout_id`` per proposal, so that its cache does not answer the
second with the first. lmc's LM interface returns one completion per request
and keys its cache on the whole request, so each proposal is asked at its
own temperature, ``temperature + epsilon`` with ``epsilon`` drawn from the
optimizer's seeded generator (DSPy's own device in its grounded proposer
before rollout ids): distinct requests, each cached, the same on every rerun.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable
from typing import Any

from ...runtime.errors import ParseError
from ...runtime.lm.protocol import LanguageModel
from ...runtime.modules import Predict
from ...runtime.signature import Field, ModuleSpec, Params, Signature

logger = logging.getLogger(__name__)

# DSPy's ``strip_prefix``: a leading label of up to five words ("Proposed Instruction:").
_LABEL = re.compile(r"^[\*\s]*(([\w'\-]+\s+){0,4}[\w'\-]+):\s*")


def signature(name: str, instructions: str, inputs: dict[str, str], outputs: dict[str, str]) -> Signature:
    """A signature of ``str`` fields, each given as ``name: description``."""
    return Signature(
        name=name,
        instructions=instructions,
        inputs=tuple(Field(n, str, d) for n, d in inputs.items()),
        outputs=tuple(Field(n, str, d) for n, d in outputs.items()),
    )


def at_temperature(lm: LanguageModel, temperature: float) -> LanguageModel:
    """``lm`` sampling at ``temperature`` (same cache); an LM without ``replace`` (a test double) as it is."""
    replace: Callable[..., LanguageModel] | None = getattr(lm, "replace", None)  # not in the protocol: LM's
    return lm if replace is None else replace(temperature=temperature)


def sampling(lm: LanguageModel, temperature: float, rng: random.Random) -> LanguageModel:
    """``lm`` at ``temperature`` plus a small offset from ``rng``: one distinct, cacheable sample."""
    return at_temperature(lm, temperature + rng.uniform(0.01, 0.05))


def ask(lm: LanguageModel, sig: Signature, **inputs: Any) -> dict[str, Any] | None:
    """The prompt model's outputs for ``sig``, or None when its answer does not parse.

    An unparseable proposal is skipped, not fatal: small prompt models often
    miss the format, and one bad answer must not end the optimization. LM
    errors (an unreachable model) propagate.
    """
    spec = ModuleSpec(path=f"prompt_model.{sig.name}", kind="Predict", signature=sig)
    try:
        return dict(Predict(spec, Params(instructions=sig.instructions), lm)(**inputs))
    except ParseError as err:
        logger.warning("the prompt model's answer to %s did not parse; skipped: %s", sig.name, err)
        return None


def strip_prefix(text: str) -> str:
    """The text without a leading ``Label:`` and surrounding quotes (DSPy's ``strip_prefix``)."""
    return _LABEL.sub("", text, count=1).strip('"')


def clean_instruction(text: str) -> str:
    """A proposed instruction as DSPy keeps it: surrounding quotes and whitespace removed."""
    return text.strip('"').strip()
