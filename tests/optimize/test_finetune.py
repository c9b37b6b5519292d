import json
from pathlib import Path

import pytest

from lmc.data import Example
from lmc.optimize import Task, create_optimizer
from lmc.optimize.base import TaskSizes
from lmc.optimize.finetune import BootstrapFinetune, FinetuneError, finetunable
from lmc.runtime.program import Context, Prediction, Program
from lmc.runtime.signature import Field, ModuleSpec, Params, Signature
from tests.scripted import ScriptedLM, chat_answer

SIGNATURE = Signature(
    name="Answer",
    instructions="Answer the question.",
    inputs=(Field("question"),),
    outputs=(Field("answer"),),
)
SPEC = ModuleSpec(path="ask.reply", kind="Predict", signature=SIGNATURE)
TRAIN = tuple(
    Example({"question": q, "answer": a}, {"question"}) for q, a in [("2+2?", "4"), ("3+3?", "6"), ("1+1?", "2")]
)
DEMO = {"question": "5+5?", "answer": "10"}


def program() -> Program:
    def body(ctx: Context, *, question: str) -> Prediction:
        return ctx.module(SPEC.path)(question=question)

    return Program(
        name="ask",
        inputs=(Field("question"),),
        outputs=(Field("answer"),),
        module_paths=(SPEC.path,),
        modules={SPEC.path: SPEC},
        body=body,
    )


def teacher(messages):
    """Right except on 3+3."""
    question = messages[-1]["content"].split("[[ ## question ## ]]\n")[1].split("\n")[0]
    answer = {"2+2?": "4", "3+3?": "7", "1+1?": "2"}[question]
    return chat_answer(answer=answer)


def task(tmp_path: Path, lm) -> Task:
    return Task(
        program=program(),
        trainset=TRAIN,
        metric=lambda example, outputs: outputs["answer"] == example["answer"],
        lm=lm,
        initial={SPEC.path: Params("Answer the question.", demos=(DEMO,))},
        state_dir=tmp_path / ".pkg-state",
    )


def sent_messages(lm: ScriptedLM) -> list[list[dict]]:
    return [list(m) for m in lm.calls]


@pytest.mark.parametrize("exclude_demos", [False, True])
def test_writes_the_exact_messages_of_passing_runs_with_the_answer_as_assistant(tmp_path, exclude_demos):
    lm = ScriptedLM(teacher, model="local/smollm2")
    with pytest.raises(FinetuneError) as info:
        BootstrapFinetune(exclude_demos=exclude_demos).compile(task(tmp_path, lm))
    data = tmp_path / ".pkg-state" / "finetune" / "ask.reply.jsonl"
    assert str(data.parent) in str(info.value) and "cannot be fine-tuned" in str(info.value)
    rows = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2  # 3+3 failed the metric
    sent = [m for m in sent_messages(lm) if "3+3?" not in m[-1]["content"]]
    for row, messages, answer in zip(rows, sent, ["4", "2"], strict=True):
        prompt, reply = row["messages"][:-1], row["messages"][-1]
        if exclude_demos:
            assert len(prompt) == 2 and prompt[0] == messages[0] and prompt[-1] == messages[-1]
        else:
            assert prompt == messages  # byte for byte what the teacher was sent, demo included
        # The answer as the adapter writes a demo's (DSPy's finetune data does the same).
        assert reply == {"role": "assistant", "content": f"[[ ## answer ## ]]\n{answer}\n\n[[ ## completed ## ]]\n"}


def test_refuses_a_custom_api_base_after_writing_the_data(tmp_path):
    lm = ScriptedLM(teacher, model="openai/gpt-4o-mini")
    lm.api_base = "http://127.0.0.1:1/v1"
    with pytest.raises(FinetuneError, match="cannot be fine-tuned"):
        BootstrapFinetune().compile(task(tmp_path, lm))
    assert (tmp_path / ".pkg-state" / "finetune" / "ask.reply.jsonl").exists()


def test_bytes_are_deterministic_with_threads(tmp_path):
    outputs = []
    for run in range(2):
        folder = tmp_path / str(run)
        with pytest.raises(FinetuneError):
            BootstrapFinetune(num_threads=3).compile(task(folder, ScriptedLM(teacher, model="local/x")))
        outputs.append((folder / ".pkg-state" / "finetune" / "ask.reply.jsonl").read_bytes())
    assert outputs[0] == outputs[1]


def test_providers_and_options():
    assert finetunable("openai/gpt-4o-mini", None)
    assert not finetunable("openai/gpt-4o-mini", "http://localhost:8000/v1")
    assert not finetunable("local/smollm2", None)
    assert create_optimizer("BootstrapFinetune", {"exclude_demos": True}) == BootstrapFinetune(exclude_demos=True)
    assert BootstrapFinetune().estimate_calls(TaskSizes(trainset=5, valset=2, run_calls=3)).calls == 15
