"""No name a user can declare collides with the runtime's own parameters (``self``, ``ctx``, ...)."""

from __future__ import annotations

import pytest

import lmc
from tests.scripted import ScriptedLM, chat_answer

SOURCE = """\
signature Echo {
  in  self: str
  in  ctx: str
  in  inputs: str
  out params: str
}

program echo(self: str, ctx: str, inputs: str) -> (params: str) {
  module say = KIND(Echo)
  return say(self=self, ctx=ctx, inputs=inputs)
}
"""


@pytest.mark.parametrize("kind", ["Predict", "ChainOfThought", "MultiChainComparison"])
def test_inputs_named_like_the_runtimes_parameters_reach_the_prompt(kind: str):
    source = SOURCE.replace(
        "KIND(Echo)", f"{kind}(Echo)" if kind not in ("Refine", "BestOfN") else f"{kind}(Echo, n: 1)"
    )
    lm = ScriptedLM(lambda messages: chat_answer(reasoning="r", rationale="r", params="done"))
    assert lmc.check(source) == []
    with lmc.compile(source) as project:
        result = project.programs["echo"](self="a", ctx="b", inputs="c", lm=lm)
    assert result.params == "done"
    sent = lm.calls[-1][-1]["content"]
    assert "[[ ## self ## ]]\na" in sent and "[[ ## ctx ## ]]\nb" in sent and "[[ ## inputs ## ]]\nc" in sent
