"""A fine-tuned module in the emitted package: its model is baked into params.py and used for its calls."""

from __future__ import annotations

from lmc.codegen import render_package
from lmc.host.loader import load_package
from lmc.runtime.lm.client import LM
from lmc.runtime.signature import Params
from tests.codegen.helpers import parse_ok

SOURCE = """
signature Answer {
  in  question: str
  out answer: str
}

program ask(question: str) -> (answer: str) {
  module reply = Predict(Answer)
  return reply(question=question)
}
"""
TUNED = "openai/ft:gpt-4o-mini:lmc::abc"


def test_the_package_calls_the_fine_tuned_model_for_that_module(tmp_path, monkeypatch):
    source = parse_ok(SOURCE, tmp_path)
    params = {"ask.reply": Params("Answer.", model=TUNED)}
    files = render_package(source, package="tuned", source_dir=tmp_path, source_text=SOURCE, params=params)
    params_py = next(v for k, v in files.items() if k.name == "params.py").decode()
    assert f'model="{TUNED}"' in params_py
    package = load_package(files, package="tuned")
    assert package.PARAMS["ask.reply"] == params["ask.reply"]

    seen: list[str] = []

    def complete(self, messages):
        seen.append(self.model)
        return "[[ ## answer ## ]]\nok\n\n[[ ## completed ## ]]"

    monkeypatch.setattr(LM, "complete", complete)
    assert package.ask(question="q", lm="openai/gpt-4o-mini").answer == "ok"
    assert seen == [TUNED]
