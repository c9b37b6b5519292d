"""ProgramOfThought on the scripted LM: code generated, run in the sandbox, fixed on error, answered from."""

from __future__ import annotations

import asyncio
import os
import re

import pytest

from lmc.codegen import record_parity, render_package, write_package
from lmc.data.datasets import Example
from lmc.host.loader import load_package
from lmc.optimize import BootstrapFewShot, Task
from lmc.runtime.errors import ParseError, ProgramError
from lmc.runtime.kinds.pot import NO_OUTPUT, ProgramOfThought, extract_code, with_result_line
from lmc.runtime.modules import make_module
from lmc.runtime.program import Context, Program
from lmc.runtime.signature import Field, ModuleSpec, Params, Signature
from tests.codegen.helpers import parse_ok
from tests.package_tests import run_package_tests
from tests.scripted import ScriptedLM, chat_answer

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the sandbox needs a POSIX system")

SOLVE = Signature(
    name="Solve",
    instructions="Solve the arithmetic word problem.",
    inputs=(Field("question", str, "a word problem"),),
    outputs=(Field("answer", int, "the number that answers it"),),
)
PATH = "solve.pot"


def pot(lm, signature=SOLVE, **options):
    params = Params(instructions=signature.instructions)
    return make_module(ModuleSpec(PATH, "ProgramOfThought", signature, options), params, lm)


def code(text: str, reasoning: str = "Compute it.") -> str:
    return chat_answer(reasoning=reasoning, generated_code=f"```python\n{text}\n```")


def answer(value: object, reasoning: str = "The code printed it.") -> str:
    return chat_answer(reasoning=reasoning, answer=value)


def step_of(messages: list[dict]) -> str:
    system = messages[0]["content"]
    if "`final_generated_code`" in system:
        return "answer"
    return "fix" if "`previous_code`" in system else "generate"


def section(messages: list[dict], name: str) -> str:
    match = re.search(rf"\[\[ ## {name} ## \]\]\n(.*?)(?:\n\n\[\[ ## |\n\nRespond |\Z)", messages[-1]["content"], re.S)
    assert match, f"no `{name}` in {messages[-1]['content']!r}"
    return match.group(1)


def multiplier(messages: list[dict]) -> str:
    """Writes code multiplying the two numbers of the question, then answers with what it printed."""
    if step_of(messages) == "answer":
        return answer(section(messages, "code_output"))
    a, b = re.findall(r"\d+", section(messages, "question"))
    return code(f"print({a} * {b})")


def test_the_code_runs_and_its_output_reaches_the_answer_step():
    lm = ScriptedLM([code("print(6 * 7)"), answer(42)])
    prediction = pot(lm)(question="What is six times seven?")
    assert prediction == {"reasoning": "The code printed it.", "answer": 42}
    assert [step_of(call) for call in lm.calls] == ["generate", "answer"]
    assert section(lm.calls[1], "final_generated_code") == "print(6 * 7)"
    assert section(lm.calls[1], "code_output") == "42"
    assert section(lm.calls[1], "question") == "What is six times seven?"


def test_the_steps_use_dspys_fields_and_state_the_task_first():
    lm = ScriptedLM([code("print(1)"), answer(1)])
    pot(lm)(question="q")
    generate, final = (call[0]["content"] for call in lm.calls)
    assert "Your output fields are:\n1. `reasoning` (str): \n2. `generated_code` (str): python code" in generate
    assert (
        "your objective is: \n        Solve the arithmetic word problem.\n        \n        You will be given `question`"
        in generate
    )
    assert "2. `final_generated_code` (str): python code that answers the question" in final
    assert "3. `code_output` (str): output of previously-generated python code" in final
    assert (
        "Given the final code `question`, `final_generated_code`, `code_output`, provide the final `answer`." in final
    )


def test_failing_code_is_regenerated_with_the_error():
    lm = ScriptedLM([code("print(1 / 0)"), code("print(42)"), answer(42)])
    assert pot(lm)(question="q").answer == 42
    assert [step_of(call) for call in lm.calls] == ["generate", "fix", "answer"]
    fix = lm.calls[1]
    assert section(fix, "previous_code") == "print(1 / 0)"
    error = section(fix, "error")
    assert error.startswith("Traceback (most recent call last):") and error.endswith(
        "ZeroDivisionError: division by zero"
    )
    assert "2. `previous_code` (str): previously-generated python code that errored" in fix[0]["content"]
    assert section(lm.calls[2], "final_generated_code") == "print(42)"


def test_max_iters_counts_every_code_attempt_then_the_call_fails():
    lm = ScriptedLM([code("raise ValueError('bad')")] * 2)
    with pytest.raises(ProgramError) as caught:
        pot(lm, max_iters=2)(question="q")
    assert len(lm.calls) == 2  # generate, one fix, no answer step
    message = str(caught.value)
    assert message.startswith("module `solve.pot`: the generated code failed 2 time(s) (max_iters: 2)")
    assert "ValueError: bad" in message and message.endswith("--- the last code ---\nraise ValueError('bad')")


def test_three_attempts_by_default():
    lm = ScriptedLM([code("raise ValueError('bad')")] * 3)
    with pytest.raises(ProgramError, match="failed 3 time"):
        pot(lm)(question="q")
    assert [step_of(call) for call in lm.calls] == ["generate", "fix", "fix"]


def test_code_that_prints_nothing_is_sent_back():
    lm = ScriptedLM([code("import math"), code("print(2)"), answer(2)])
    pot(lm)(question="q")
    assert section(lm.calls[1], "error") == NO_OUTPUT


def test_an_answer_without_code_is_sent_back():
    lm = ScriptedLM([chat_answer(reasoning="hm", generated_code="```python\n```"), code("print(2)"), answer(2)])
    pot(lm)(question="q")
    assert section(lm.calls[1], "error") == "The answer held no code."


def test_a_trailing_assignment_shows_its_value_but_the_code_stays_as_written():
    lm = ScriptedLM([code("a = 6\nresult = a * 7"), answer(42)])
    pot(lm)(question="q")
    assert section(lm.calls[1], "code_output") == "42"
    assert section(lm.calls[1], "final_generated_code") == "a = 6\nresult = a * 7"


def test_the_trace_holds_the_answer_step_only():
    spec = ModuleSpec(PATH, "ProgramOfThought", SOLVE)

    def body(ctx: Context, *, question: str):
        return ctx.module(PATH)(question=question)

    program = Program(
        name="solve",
        inputs=SOLVE.inputs,
        outputs=SOLVE.outputs,
        module_paths=(PATH,),
        modules={PATH: spec},
        body=body,
    )
    lm = ScriptedLM([code("print(1 / 0)"), code("print(6 * 7)"), answer(42)])
    run = program.run({"question": "6 x 7?"}, lm=lm, params=program.default_params())
    assert run.outputs == {"answer": 42}
    (entry,) = run.trace
    assert entry.path == PATH
    assert entry.inputs == {"question": "6 x 7?", "final_generated_code": "print(6 * 7)", "code_output": "42"}
    assert entry.outputs == {"reasoning": "The code printed it.", "answer": 42}


def test_demos_belong_to_the_answer_step():
    demo = {
        "question": "2 x 3?",
        "final_generated_code": "print(2 * 3)",
        "code_output": "6",
        "reasoning": "It printed 6.",
        "answer": 6,
    }
    params = Params(instructions=SOLVE.instructions, demos=(demo,))
    lm = ScriptedLM([code("print(42)"), answer(42)])
    module = make_module(ModuleSpec(PATH, "ProgramOfThought", SOLVE), params, lm)
    module(question="6 x 7?")
    generate, final = lm.calls
    assert len(generate) == 2  # system and the request: the code step has no demos
    assert len(final) == 4
    assert final[1]["content"].startswith(
        "[[ ## question ## ]]\n2 x 3?\n\n[[ ## final_generated_code ## ]]\nprint(2 * 3)"
    )
    assert final[2]["content"].startswith("[[ ## reasoning ## ]]\nIt printed 6.\n\n[[ ## answer ## ]]\n6")


def test_messages_are_those_of_the_first_call():
    lm = ScriptedLM([code("print(1)"), answer(1)])
    module = pot(lm)
    module(question="q")
    assert module.messages({"question": "q"}) == lm.calls[0]


def test_the_async_call_makes_the_same_calls():
    sync_lm, async_lm = ScriptedLM(multiplier), ScriptedLM(multiplier)
    expected = pot(sync_lm)(question="What is 12 times 11?")
    assert (
        asyncio.run(pot(async_lm).acall(question="What is 12 times 11?"))
        == expected
        == {
            "reasoning": "The code printed it.",
            "answer": 132,
        }
    )
    assert async_lm.calls == sync_lm.calls


def test_an_unparseable_step_answer_names_the_module():
    lm = ScriptedLM(["no markers here", "no json either"])
    with pytest.raises(ParseError, match="module `solve.pot` could not parse"):
        pot(lm)(question="q")


def test_options_and_field_names_are_checked():
    assert isinstance(pot(ScriptedLM([]), max_iters=5), ProgramOfThought)
    with pytest.raises(ProgramError, match="takes only `max_iters`"):
        pot(ScriptedLM([]), tools=[])
    for bad in (0, True, "3"):
        with pytest.raises(ProgramError, match="`max_iters` must be a whole number"):
            pot(ScriptedLM([]), max_iters=bad)
    clash = Signature("S", "", (Field("question"), Field("error")), (Field("answer"),))
    with pytest.raises(ProgramError, match="already has a field `error`, which ProgramOfThought adds"):
        pot(ScriptedLM([]), clash)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("```python\nx = 1\nprint(x)\n```", "x = 1\nprint(x)"),
        ("Here it is:\n```\nprint(2)\n```\nDone.", "print(2)"),
        ("```py\n    print(3)\n```", "print(3)"),
        ("print(4)", "print(4)"),
        ("a = 1\\nprint(a)", "a = 1\nprint(a)"),
        ("```python\nprint(5)", "print(5)"),  # an unclosed fence (the answer was cut off)
        ("", ""),
    ],
)
def test_extract_code(text, expected):
    assert extract_code(text) == expected


def test_with_result_line():
    assert with_result_line("a = 1\nb = a + 1") == "a = 1\nb = a + 1\nb"
    assert with_result_line("print(1)") == "print(1)"
    assert with_result_line("a, b = 1, 2") == "a, b = 1, 2"
    assert with_result_line("x = (") == "x = ("  # the sandbox reports the syntax error


# ------------------------------------------------------------ in the optimizer


def test_bootstrapped_demos_are_answer_step_calls():
    spec = ModuleSpec(PATH, "ProgramOfThought", SOLVE)

    def body(ctx: Context, *, question: str):
        return ctx.module(PATH)(question=question)

    program = Program(
        name="solve", inputs=SOLVE.inputs, outputs=SOLVE.outputs, module_paths=(PATH,), modules={PATH: spec}, body=body
    )
    train = tuple(
        Example({"question": f"What is {a} times {b}?", "answer": a * b}, {"question"}) for a, b in [(2, 3), (4, 5)]
    )
    lm = ScriptedLM(multiplier)
    task = Task(program=program, trainset=train, metric=lambda ex, out: out["answer"] == ex["answer"], lm=lm)
    result = BootstrapFewShot(max_bootstrapped_demos=2, max_labeled_demos=2).compile(task)
    demos = result.params[PATH].demos
    assert demos == (
        {
            "question": "What is 2 times 3?",
            "final_generated_code": "print(2 * 3)",
            "code_output": "6",
            "reasoning": "The code printed it.",
            "answer": 6,
        },
        {
            "question": "What is 4 times 5?",
            "final_generated_code": "print(4 * 5)",
            "code_output": "20",
            "reasoning": "The code printed it.",
            "answer": 20,
        },
    )
    lm.calls.clear()
    assert program.run({"question": "What is 7 times 8?"}, lm=lm, params=result.params).outputs == {"answer": 56}
    assert len(lm.calls[0]) == 2 and len(lm.calls[1]) == 6  # the two demos reach the answer step only


# --------------------------------------------------------- in an emitted package

SOURCE = '''
signature Solve {
  """Solve the arithmetic word problem."""
  in  question: str
  out answer: int
}

program solve(question: str) -> (answer: int) {
  module pot = ProgramOfThought(Solve, max_iters: 2)
  return pot(question=question)
}
'''


def test_an_emitted_package_runs_the_code_in_its_own_sandbox_and_passes_its_parity_test(tmp_path):
    source = parse_ok(SOURCE, tmp_path)
    kwargs = {"package": "solver", "source_dir": tmp_path, "source_text": SOURCE}
    loaded = load_package(render_package(source, **kwargs), package="solver")
    case = record_parity(loaded.solve, {"question": "What is 3 times 9?"}, lm=ScriptedLM(multiplier))
    out = tmp_path / "build" / "solver"
    write_package(render_package(source, parity=[case], **kwargs), out)
    assert (out / "solver" / "_runtime" / "kinds" / "sandbox_boot.py").is_file()
    result = run_package_tests(out, "solver", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
