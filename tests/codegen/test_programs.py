"""Every kind of statement, run through the generated code of a loaded package."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.codegen.helpers import load_text
from tests.scripted import ScriptedLM, chat_answer

HELPERS = """
def shout(text: str) -> str:
    return text.upper()


def facts(query: str, k: int = 3) -> list[str]:
    return [f"fact {i} about {query}" for i in range(k)]
"""

SOURCE = '''
lm default = "local/smollm2" { temperature: 0.0 }

enum Mood { happy, sad }

type Summary {
  text: str "the summary"
  votes: int
}

signature Draft {
  """Draft an answer."""
  in question: str
  in notes: list[str]
  out answer: str
}

signature Vote {
  in answer: str
  out mood: Mood
}

tool shout(text: str) -> str = python "helpers:shout" "Upper-case the text."

retriever facts = python "helpers:facts" { k: 2 }

program draft(question: str) -> (answer: str) {
  module writer = Predict(Draft)
  notes = []
  repeat 2 {
    notes = unique(notes + facts(question))
  }
  return writer(question=question, notes=notes)
}

program review(question: str, voters: list[int], sep: str = ", ") -> (summary: Summary, mood: Mood, loud: str, keep: bool) {
  module voter = ChainOfThought(Vote)
  first = draft(question=question)
  votes = []
  for i in voters {
    votes = votes + [voter(answer=first.answer).mood]
  }
  mood = majority(votes)
  keep = len(votes) > 2 and not (mood == "sad") or question == "keep"
  if mood == "sad" {
    loud = "quiet"
  } else if question == "whisper" {
    loud = ""
  } else {
    loud = shout(text=first.answer + "!")
  }
  return { summary: { text: join(votes, sep), votes: len(votes) - 0 }, mood: mood, loud: loud, keep: keep }
}
'''


def _answers(moods: list[str]) -> ScriptedLM:
    queue = list(moods)

    def answer(messages: list[dict]) -> str:
        if "`mood`" in messages[0]["content"]:
            return chat_answer(reasoning="thinking", mood=queue.pop(0))
        return chat_answer(answer="the answer")

    return ScriptedLM(answer)


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("programs")
    (folder / "helpers.py").write_text(HELPERS, encoding="utf-8")
    return load_text(SOURCE, folder)


def test_statements_run_in_order(pkg) -> None:
    lm = _answers(["happy", "sad", "happy"])
    result = pkg.review(question="why?", voters=[1, 2, 3], lm=lm)
    assert result.mood is pkg.Mood.happy
    assert result.loud == "THE ANSWER!"
    assert result.keep is True
    assert isinstance(result.summary, pkg.Summary)
    assert result.summary.text == "happy, sad, happy"
    assert result.summary.votes == 3
    # draft ran once (a program call), then one vote per voter.
    assert len(lm.calls) == 4
    draft_prompt = lm.calls[0][-1]["content"]
    # repeat 2 { notes = unique(notes + facts(q)) }: each fact once, k=2 from the retriever's options.
    assert draft_prompt.count("fact 0 about why?") == 1
    assert draft_prompt.count("fact 1 about why?") == 1
    assert "fact 2 about" not in draft_prompt


@pytest.mark.parametrize(
    ("question", "moods", "loud", "keep"),
    [
        ("whisper", ["happy", "happy", "happy"], "", True),
        ("keep", ["sad", "sad", "happy"], "quiet", True),
        ("hm", ["sad", "sad", "happy"], "quiet", False),
    ],
)
def test_each_branch(pkg, question: str, moods: list[str], loud: str, keep: bool) -> None:
    result = pkg.review(question=question, voters=[1, 2, 3], lm=_answers(moods))
    assert (result.loud, result.keep) == (loud, keep)


def test_for_loops_over_an_input_and_defaults_apply(pkg) -> None:
    lm = _answers(["sad", "happy"])
    result = pkg.review(question="q", voters=[7, 8], sep="/", lm=lm)
    assert result.summary.votes == 2
    assert result.summary.text == "sad/happy"
    assert result.keep is False
    assert len(lm.calls) == 3


def test_async_twin_gives_the_same_outputs_and_prompts(pkg) -> None:
    sync_lm, async_lm = _answers(["happy", "sad", "sad"]), _answers(["happy", "sad", "sad"])
    expected = pkg.review(question="why?", voters=[1, 2, 3], lm=sync_lm)
    got = asyncio.run(pkg.review.acall(question="why?", voters=[1, 2, 3], lm=async_lm))
    assert got == expected
    assert async_lm.calls == sync_lm.calls


def test_trace_and_module_paths(pkg) -> None:
    program = pkg.programs.PROGRAMS["review"]
    assert program.module_paths == ("draft.writer", "review.voter")
    run = program.run({"question": "q", "voters": [1, 2]}, lm=_answers(["happy", "happy"]), params=pkg.PARAMS)
    assert [entry.path for entry in run.trace] == ["draft.writer", "review.voter", "review.voter"]
    assert run.outputs["loud"] == "THE ANSWER!"


COLLIDING = """
signature Echo {
  in text: str
  out said: str
}

program Program(ctx: str, builtins: str, inputs: str = "!") -> (said: str) {
  module range = Predict(Echo)
  PROGRAMS = ctx + builtins
  _ = range(text=PROGRAMS + inputs)
  return _
}

program outer(text: str) -> (said: str) {
  return Program(ctx=text, builtins="+")
}
"""


def test_names_that_collide_with_python_or_generated_code(tmp_path: Path) -> None:
    pkg = load_text(COLLIDING, tmp_path, check=False)
    lm = ScriptedLM(lambda messages: chat_answer(said="ok"))
    assert pkg.Program_(ctx="a", builtins="b", lm=lm).said == "ok"
    assert "[[ ## text ## ]]\nab!" in lm.calls[-1][-1]["content"]
    assert pkg.outer(text="x", lm=lm).said == "ok"
    assert "[[ ## text ## ]]\nx+!" in lm.calls[-1][-1]["content"]
    # The .lmp names stay the names the runtime and users see.
    assert set(pkg.PROGRAMS) == {"Program", "outer"}
    assert pkg.programs.PROGRAMS["Program"].module_paths == ("Program.range",)


def test_builtin_names_stay_readable_parameters(tmp_path: Path) -> None:
    """Builtins the generated code never calls (input, format) keep their names; range does not."""
    source = """
signature Echo {
  in text: str
  out said: str
}

program shout(input: str, format: str, range: str) -> (said: str) {
  module m = Predict(Echo)
  return m(text=input + format + range)
}
"""
    pkg = load_text(source, tmp_path, check=False)
    body = Path(pkg.programs.__file__).read_text(encoding="utf-8")
    assert "def _shout(ctx: Context, /, **inputs: Any) -> object:" in body
    assert 'range_ = inputs["range"]' in body and 'input = inputs["input"]' in body
    lm = ScriptedLM(lambda messages: chat_answer(said="ok"))
    assert pkg.shout(input="a", format="b", range="c", lm=lm).said == "ok"
    assert "[[ ## text ## ]]\nabc" in lm.calls[-1][-1]["content"]
