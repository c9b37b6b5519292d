"""ReAct: DSPy's prompts, the tool loop, tool failures as observations, max_iters, traces and parameters."""

from __future__ import annotations

import asyncio

import pytest

from lmc.runtime.errors import ProgramError
from lmc.runtime.kinds.react import ReAct, format_trajectory
from lmc.runtime.modules import make_module
from lmc.runtime.program import Program
from lmc.runtime.signature import Field, ModuleSpec, Params
from lmc.runtime.tools import Tool, ToolParam
from tests.scripted import ScriptedLM, chat_answer

from .blocking import BlockingTool
from .samples import QA

CAPITALS = {"varno": "Tesk", "ollin": "Marrow"}


def search(query: str, k: int = 3) -> list[str]:
    hits = [f"The capital of {name.title()} is {city}." for name, city in CAPITALS.items() if name in query.lower()]
    return hits[:k] or ["No passage matches."]


def explode(text: str) -> str:
    raise RuntimeError(f"cannot handle {text!r}")


TOOLS = {
    "search": Tool("search", search, (ToolParam("query", str), ToolParam("k", int, 3)), "Search the corpus."),
    "explode": Tool("explode", explode, (ToolParam("text", str),)),
}

EXPECTED_INSTRUCTIONS = (
    "Given the fields `question`, produce the fields `answer`.\n\n"
    "You are an Agent. In each episode, you will be given the fields `question` as input. "
    "And you can see your past trajectory so far.\n"
    "Your goal is to use one or more of the supplied tools to collect any necessary information "
    "for producing `answer`.\n\n"
    "To do this, you will interleave next_thought, next_tool_name, and next_tool_args in each turn, "
    "and also when finishing the task.\n"
    "After each tool call, you receive a resulting observation, which gets appended to your trajectory.\n\n"
    "When writing next_thought, you may reason about the current situation and plan for future steps.\n"
    "When selecting the next_tool_name and its next_tool_args, the tool must be one of:\n\n"
    "(1) search, whose description is <desc>Search the corpus.</desc>. "
    "It takes arguments {'query': {'type': 'string'}, 'k': {'type': 'integer', 'default': 3}}.\n"
    "(2) finish, whose description is <desc>Marks the task as complete. That is, signals that all information "
    "for producing the outputs, i.e. `answer`, are now available to be extracted.</desc>. It takes arguments {}.\n"
    "When providing `next_tool_args`, the value inside the field must be in JSON format"
)


def turn(thought: str, tool: str, args: str) -> str:
    return chat_answer(next_thought=thought, next_tool_name=tool, next_tool_args=args)


def answer(reasoning: str = "The trajectory says so.", text: str = "Tesk") -> str:
    return chat_answer(reasoning=reasoning, answer=text)


def is_extract(messages: list[dict]) -> bool:
    return "`reasoning`" in messages[0]["content"]


def agent(lm, tools=("search",), path="qa.agent", params=None, extract=None, **options):
    spec = ModuleSpec(path, "ReAct", QA, {"tools": list(tools), **options})
    program = qa_program(spec)
    all_params = program.default_params()
    if params is not None:
        all_params[path] = params
    if extract is not None:
        all_params[f"{path}.extract"] = extract
    return program.context(lm, all_params).module(path)


def qa_program(spec: ModuleSpec) -> Program:
    return Program(
        name="qa",
        inputs=(Field("question"),),
        outputs=(Field("answer"),),
        module_paths=(spec.path, f"{spec.path}.extract"),
        modules={spec.path: spec},
        body=lambda ctx, question: ctx.module(spec.path)(question=question),
        tools=TOOLS,
    )


def test_step_prompt_is_dspy_react_prompt():
    lm = ScriptedLM([turn("Done.", "finish", "{}"), answer()])
    agent(lm)(question="What is the capital of Varno?")
    system, user = lm.calls[0]
    assert system["content"].startswith(
        "Your input fields are:\n1. `question` (str): \n2. `trajectory` (str):\n"
        "Your output fields are:\n1. `next_thought` (str): \n"
        "2. `next_tool_name` (Literal['search', 'finish']): \n3. `next_tool_args` (dict[str, Any]):\n"
    )
    assert (
        "{next_tool_name}        # note: the value you produce must exactly match (no extra characters) "
        "one of: search; finish" in system["content"]
    )
    objective = system["content"].split("your objective is: \n", 1)[1]
    assert objective == "        " + EXPECTED_INSTRUCTIONS.replace("\n", "\n        ")
    assert user["content"].startswith(
        "[[ ## question ## ]]\nWhat is the capital of Varno?\n\n[[ ## trajectory ## ]]\n\n"
    )
    assert user["content"].endswith(
        "starting with the field `[[ ## next_thought ## ]]`, then `[[ ## next_tool_name ## ]]` (must be formatted "
        "as a valid Python Literal['search', 'finish']), then `[[ ## next_tool_args ## ]]` (must be formatted as a "
        "valid Python dict[str, Any]), and then ending with the marker for `[[ ## completed ## ]]`."
    )


def test_the_loop_calls_tools_and_extracts_the_answer():
    lm = ScriptedLM(
        [
            turn("I should search.", "search", '{"query": "capital of Varno", "k": "1"}'),
            turn("I know it.", "finish", "{}"),
            answer("Search said Tesk."),
        ]
    )
    prediction = agent(lm)(question="What is the capital of Varno?")
    assert prediction.answer == "Tesk" and prediction.reasoning == "Search said Tesk."
    assert prediction.trajectory == {
        "thought_0": "I should search.",
        "tool_name_0": "search",
        "tool_args_0": {"query": "capital of Varno", "k": "1"},
        "observation_0": ["The capital of Varno is Tesk."],
        "thought_1": "I know it.",
        "tool_name_1": "finish",
        "tool_args_1": {},
        "observation_1": "Completed.",
    }
    second_turn = lm.calls[1][-1]["content"]
    assert (
        "[[ ## trajectory ## ]]\n[[ ## thought_0 ## ]]\nI should search.\n\n[[ ## tool_name_0 ## ]]\nsearch\n\n"
        '[[ ## tool_args_0 ## ]]\n{"query": "capital of Varno", "k": "1"}\n\n'
        "[[ ## observation_0 ## ]]\n«The capital of Varno is Tesk.»\n\nRespond with" in second_turn
    )
    extract_system, extract_user = lm.calls[2]
    assert "Your output fields are:\n1. `reasoning` (str): \n2. `answer` (str):" in extract_system["content"]
    assert extract_system["content"].endswith(
        "your objective is: \n        Given the fields `question`, produce the fields `answer`."
    )
    assert "[[ ## observation_1 ## ]]\nCompleted." in extract_user["content"]


def test_format_trajectory_lists_and_dicts_as_dspy_does():
    text = format_trajectory({"thought_0": "t", "tool_args_0": {"a": 1}, "observation_0": ["x", "y"]})
    assert text == (
        '[[ ## thought_0 ## ]]\nt\n\n[[ ## tool_args_0 ## ]]\n{"a": 1}\n\n[[ ## observation_0 ## ]]\n[1] «x»\n[2] «y»'
    )
    assert format_trajectory({}) == ""


@pytest.mark.parametrize(
    ("args", "observation"),
    [
        (
            '{"query": "x", "k": "many"}',
            "Execution error in search: tool `search` got invalid arguments: `k`: "
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        (
            '{"q": "x"}',
            "Execution error in search: tool `search` got invalid arguments: `q` is not a parameter; "
            "`query` is missing",
        ),
    ],
)
def test_invalid_tool_arguments_become_the_observation(args, observation):
    calls = []
    tool = Tool("search", lambda **kw: calls.append(kw), TOOLS["search"].params, "Search the corpus.")
    lm = ScriptedLM([turn("Search.", "search", args), turn("Stop.", "finish", "{}"), answer()])
    spec = ModuleSpec("qa.agent", "ReAct", QA, {"tools": ["search"]})
    program = qa_program(spec)
    program.tools = {"search": tool}
    prediction = program.context(lm, program.default_params()).module("qa.agent")(question="q")
    assert prediction.trajectory["observation_0"] == observation
    assert calls == []  # the function never ran


def test_a_raising_tool_becomes_the_observation():
    lm = ScriptedLM([turn("Try.", "explode", '{"text": "boom"}'), turn("Stop.", "finish", "{}"), answer()])
    prediction = agent(lm, tools=("explode",))(question="q")
    assert prediction.trajectory["observation_0"] == "Execution error in explode: RuntimeError: cannot handle 'boom'"
    assert prediction.answer == "Tesk"


def test_a_tool_returning_the_wrong_type_becomes_the_observation():
    wrong = Tool("search", lambda query, k=3: 42, TOOLS["search"].params, "Search the corpus.", returns=list[str])
    lm = ScriptedLM([turn("Search.", "search", '{"query": "x"}'), turn("Stop.", "finish", "{}"), answer()])
    spec = ModuleSpec("qa.agent", "ReAct", QA, {"tools": ["search"]})
    program = qa_program(spec)
    program.tools = {"search": wrong}
    prediction = program.context(lm, program.default_params()).module("qa.agent")(question="q")
    assert prediction.trajectory["observation_0"].startswith(
        "Execution error in search: tool `search` returned int 42, not the declared list[str]"
    )
    assert prediction.answer == "Tesk"


def test_a_hanging_tool_is_abandoned_after_its_timeout():
    hang = BlockingTool()
    lm = ScriptedLM([turn("Wait.", "hang", '{"seconds": 30}'), turn("Stop.", "finish", "{}"), answer()])
    spec = ModuleSpec("qa.agent", "ReAct", QA, {"tools": ["hang"], "tool_timeout": 0.2})
    program = qa_program(spec)
    program.tools = {"hang": Tool("hang", hang, (ToolParam("seconds", float),), "Wait.")}
    prediction = program.context(lm, program.default_params()).module("qa.agent")(question="q")
    assert prediction.trajectory["observation_0"] == (
        "Execution error in hang: the tool did not answer within 0.2 seconds; the call was abandoned"
    )
    assert prediction.answer == "Tesk"
    assert not hang.returned.is_set()  # the agent answered while the tool call was still blocked
    assert hang.finish()


def test_an_agent_that_never_finishes_stops_at_max_iters_and_still_answers():
    def respond(messages):
        if is_extract(messages):
            return answer(text="Tesk")
        return turn("Search again.", "search", '{"query": "Varno"}')

    lm = ScriptedLM(respond)
    prediction = agent(lm, max_iters=3)(question="q")
    assert len(lm.calls) == 4
    assert [k for k in prediction.trajectory if k.startswith("tool_name_")] == [
        "tool_name_0",
        "tool_name_1",
        "tool_name_2",
    ]
    assert prediction.answer == "Tesk"


def test_an_unreadable_turn_ends_the_trajectory():
    # An unknown tool name fails the Literal type, in the chat format and in the JSON retry.
    lm = ScriptedLM([turn("Hmm.", "browse", "{}"), '{"next_thought": "Hmm.", "next_tool_name": "browse"}', answer()])
    prediction = agent(lm)(question="q")
    assert prediction.trajectory == {}
    assert prediction.answer == "Tesk" and len(lm.calls) == 3
    assert "[[ ## trajectory ## ]]\n\n" in lm.calls[2][-1]["content"]


def test_both_predictors_are_traced_under_their_paths():
    lm = ScriptedLM([turn("Search.", "search", '{"query": "Varno"}'), turn("Done.", "finish", "{}"), answer()])
    spec = ModuleSpec("qa.agent", "ReAct", QA, {"tools": ["search"]})
    program = qa_program(spec)
    run = program.run({"question": "Capital of Varno?"}, lm=lm, params=program.default_params())
    assert run.outputs == {"answer": "Tesk"}
    assert [t.path for t in run.trace] == ["qa.agent", "qa.agent", "qa.agent.extract"]
    assert set(program.default_params()) == {t.path for t in run.trace} == set(program.module_paths)
    extract = program.modules["qa.agent.extract"]  # optimizers see each predictor's kind and signature
    assert extract.kind == "ChainOfThought" and [f.name for f in extract.signature.inputs] == ["question", "trajectory"]
    assert ReAct.parts == ("extract",)
    first = run.trace[0]
    assert first.inputs == {"question": "Capital of Varno?", "trajectory": ""}
    assert first.outputs == {
        "next_thought": "Search.",
        "next_tool_name": "search",
        "next_tool_args": {"query": "Varno"},
    }
    assert set(run.trace[2].outputs) == {"reasoning", "answer"} and "trajectory" in run.trace[2].inputs


def test_params_of_each_predictor_reach_its_prompt():
    demo = {
        "question": "Capital of Ollin?",
        "trajectory": "",
        "next_thought": "Look.",
        "next_tool_name": "finish",
        "next_tool_args": {},
    }
    lm = ScriptedLM([turn("Done.", "finish", "{}"), answer()])
    agent(
        lm,
        params=Params(instructions="Find capitals.", demos=(demo,)),
        extract=Params(instructions="Name the capital."),
    )(question="q")
    step, extract = lm.calls
    assert "your objective is: \n        Find capitals.\n        \n        You are an Agent." in step[0]["content"]
    assert step[1]["content"].startswith("[[ ## question ## ]]\nCapital of Ollin?")  # the demo
    assert extract[0]["content"].endswith("your objective is: \n        Name the capital.")


def test_async_call_sends_the_same_requests():
    answers = [turn("Search.", "search", '{"query": "Varno"}'), turn("Done.", "finish", "{}"), answer()]
    sync_lm, async_lm = ScriptedLM(list(answers)), ScriptedLM(list(answers))
    expected = agent(sync_lm)(question="q")
    got = asyncio.run(agent(async_lm).acall(question="q"))
    assert got == expected and async_lm.calls == sync_lm.calls


def test_wrong_options_and_tools_are_program_errors():
    lm = ScriptedLM([])
    with pytest.raises(ProgramError, match="ReAct takes no option\\(s\\) `m`"):
        agent(lm, m=3)
    with pytest.raises(ProgramError, match="ReAct needs the option\\(s\\) tools"):
        make_module(
            ModuleSpec("qa.agent", "ReAct", QA),
            Params("x"),
            lm,
            qa_program(ModuleSpec("qa.agent", "ReAct", QA)).context(lm, {}),
        )
    with pytest.raises(ProgramError, match="runs only inside a program"):
        make_module(ModuleSpec("qa.agent", "ReAct", QA, {"tools": ["search"]}), Params("x"), lm)
    finish = Tool("finish", lambda: "mine")
    with pytest.raises(ProgramError, match="adds its own `finish` tool"):
        ReAct(ModuleSpec("qa.agent", "ReAct", QA), Params("x"), Params("x"), lm, tools=[finish])
    with pytest.raises(ProgramError, match="unknown input\\(s\\) `query`"):
        agent(lm)(query="q")
