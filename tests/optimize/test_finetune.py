import json
from pathlib import Path

import pytest

from lmc.data.datasets import Example
from lmc.optimize import Task, create_optimizer
from lmc.optimize.core.base import TaskSizes
from lmc.optimize.finetune import BootstrapFinetune, FinetuneError, finetunable
from lmc.runtime.program import Context, Program
from lmc.runtime.signature import Field, ModuleSpec, Params, Signature
from lmc.runtime.trace import Prediction
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


# ------------------------------------------------------------- the job path


class OpenAIStub:
    """A loopback server playing OpenAI's files and fine-tuning endpoints; it records each request."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests: list[tuple[str, str, bytes]] = []
        self.looks = 0
        self.final_status = "succeeded"
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _reply(self, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                stub.requests.append(("POST", self.path, body))
                if self.path.endswith("/files"):
                    n = len(stub.requests)
                    file = {"id": f"file-{n}", "object": "file", "bytes": len(body), "created_at": 0}
                    self._reply({**file, "filename": "x.jsonl", "purpose": "fine-tune", "status": "processed"})
                else:
                    self._reply(stub.job("queued", json.loads(body)["training_file"]))

            def do_GET(self):
                stub.requests.append(("GET", self.path, b""))
                stub.looks += 1
                status = "running" if stub.looks == 1 else stub.final_status
                self._reply(stub.job(status, "file-1"))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def job(self, status: str, training_file: str) -> dict:
        return {
            "id": "ftjob-1",
            "object": "fine_tuning.job",
            "created_at": 0,
            "error": None,
            "fine_tuned_model": "ft:gpt-4o-mini:lmc::abc" if status == "succeeded" else None,
            "finished_at": None,
            "hyperparameters": {"n_epochs": "auto"},
            "model": "gpt-4o-mini",
            "organization_id": "org",
            "result_files": [],
            "seed": 0,
            "status": status,
            "trained_tokens": None,
            "training_file": training_file,
            "validation_file": None,
        }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def openai_stub(monkeypatch):
    from lmc.optimize import finetune

    stub = OpenAIStub()
    monkeypatch.setenv("OPENAI_BASE_URL", stub.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setattr(finetune, "POLL_S", 0.0)
    yield stub
    stub.close()


def test_uploads_the_data_polls_the_job_and_gives_each_module_the_tuned_model(tmp_path, openai_stub):
    lm = ScriptedLM(teacher, model="openai/gpt-4o-mini")
    result = BootstrapFinetune().compile(task(tmp_path, lm))
    assert result.params[SPEC.path].model == "openai/ft:gpt-4o-mini:lmc::abc"
    assert result.params[SPEC.path].demos == (DEMO,)  # kept: exclude_demos is false
    (upload, start), polls = openai_stub.requests[:2], openai_stub.requests[2:]
    data = (tmp_path / ".pkg-state" / "finetune" / "ask.reply.jsonl").read_bytes()
    assert upload[1].endswith("/files") and data in upload[2]
    assert start[1].endswith("/fine_tuning/jobs") and json.loads(start[2])["model"] == "gpt-4o-mini"
    assert [p[1].rsplit("/", 1)[-1] for p in polls] == ["ftjob-1", "ftjob-1"]  # running, then succeeded

    # The same data again: the remembered model, no request.
    before = len(openai_stub.requests)
    again = BootstrapFinetune().compile(task(tmp_path, ScriptedLM(teacher, model="openai/gpt-4o-mini")))
    assert again.params == result.params and len(openai_stub.requests) == before


def test_a_failed_job_stops_the_build_naming_the_data(tmp_path, openai_stub):
    openai_stub.final_status = "failed"
    with pytest.raises(FinetuneError, match="ftjob-1 ended failed; the training data is in"):
        BootstrapFinetune(exclude_demos=True).compile(task(tmp_path, ScriptedLM(teacher, model="openai/gpt-4o-mini")))


def test_exclude_demos_clears_the_demos_of_the_tuned_modules(tmp_path, openai_stub):
    lm = ScriptedLM(teacher, model="openai/gpt-4o-mini")
    result = BootstrapFinetune(exclude_demos=True, multitask=False).compile(task(tmp_path, lm))
    assert result.params[SPEC.path].demos == () and result.origins[SPEC.path] == ()


def test_a_module_with_a_model_calls_a_copy_of_the_lm_for_that_model():
    class Switching(ScriptedLM):
        def replace(self, **changes):
            copy = Switching(lambda messages: chat_answer(answer=changes["model"]), model=changes["model"])
            return copy

    params = {SPEC.path: Params("Answer the question.", model="openai/ft:x")}
    run = program().run({"question": "q"}, lm=Switching(lambda m: chat_answer(answer="base")), params=params)
    assert run.outputs == {"answer": "openai/ft:x"}
    plain = program().run({"question": "q"}, lm=Switching(lambda m: chat_answer(answer="base")), params={})
    assert plain.outputs == {"answer": "base"}
    assert Params.from_json(params[SPEC.path].to_json()) == params[SPEC.path]
