"""A small MIPROv2 task whose scores depend on both the instruction and the demos.

The task LM labels sentence ``i`` right when ``i % 4`` is below the level its
instructions name plus one when it sees demos; the prompt model proposes
instructions whose level comes from the temperature it was asked at. So
candidates score differently, and everything depends on the requests alone,
as with a cached LM. ``slow`` makes every task call sleep, for workers that
must overlap.
"""

from __future__ import annotations

import re
import time
from typing import Any

from lmc.optimize import Task
from tests.optimize.fakes import FakeLM, classify_program, correct_label, index_of, label_match, sentences
from tests.optimize.prompt_fakes import Proposal, ProposerLM

TRAIN = sentences(12)
VAL = sentences(8, prefix="v")


def level(instructions: str) -> int:
    found = re.findall(r"level (\d)", instructions)
    return int(found[-1]) if found else 0


def task_answer(request: Any) -> dict[str, str]:
    i = index_of(request.inputs["sentence"])
    knows = i % 4 < level(request.instructions) + (1 if request.demos else 0)
    return {"label": correct_label(request.inputs["sentence"]) if knows else "WRONG"}


def propose(proposal: Proposal) -> dict[str, str]:
    if "proposed_instruction" in proposal.outputs:
        t = proposal.temperature or 0.0
        return {"proposed_instruction": f"Label it, level {round(t * 1000) % 4} (t={t:.4f})."}
    if "observations" in proposal.outputs:
        return {"observations": "Short sentences with a sentiment label."}
    if "summary" in proposal.outputs:
        return {"summary": "Sentences labeled positive or negative."}
    if "program_description" in proposal.outputs:
        return {"program_description": "It classifies a sentence."}
    return {"module_description": "The module labels the sentence."}


def slow_answer(delay: float):
    def answer(request: Any) -> dict[str, str]:
        time.sleep(delay)
        return task_answer(request)

    return answer


def mipro_task(*, task_lm: Any = None, prompt: ProposerLM | None = None, **kw: Any) -> Task:
    """The task, with ``lm NAME`` resolving ``task`` and ``proposer``; the default LM must stay unused."""
    named = {"task": task_lm or FakeLM(task_answer, "task"), "proposer": prompt or ProposerLM(propose)}
    return Task(
        program=classify_program(),
        trainset=TRAIN,
        valset=VAL,
        metric=label_match,
        lm=FakeLM(lambda request: {"label": "UNUSED"}, "default"),
        lm_named=named.__getitem__,
        **kw,
    )


MANUAL = {
    "auto": None,
    "num_candidates": 4,
    "num_trials": 6,
    "minibatch_size": 4,
    "minibatch_full_eval_steps": 2,
    "max_bootstrapped_demos": 2,
    "max_labeled_demos": 2,
    "prompt_model": "proposer",
    "task_model": "task",
}
