"""BootstrapFinetune: the teacher's passing traces as chat fine-tuning data, one JSONL per module.

DSPy's ``BootstrapFinetune`` runs the teacher on the trainset, keeps the
traces of the runs the metric passes, turns every module call of them into
a chat example (the messages the adapter sends, the answer formatted as the
assistant message; the demos left out with ``exclude_demos``) and fine-tunes
the student's LM on them (``multitask``: one job for all modules, else one
per module).

lmc writes the data first, always: ``<state dir>/finetune/<module path>.jsonl``
(OpenAI's chat format, one ``{"messages": [...]}`` per line, in trainset
order), so it is there whatever happens next. With a local model or a custom
``api_base`` the build then stops with :class:`FinetuneError` (exit 3),
saying where the data is. With an ``openai/`` model it uploads the data and
starts the job through litellm (``create_file``, ``create_fine_tuning_job``;
the endpoint litellm reads from ``OPENAI_BASE_URL`` or its default), polls it
until it ends, and gives each module the fine-tuned model as
``Params.model``, which the program's context (and so the package) uses for
that module's calls. A job that does not succeed stops the build. Finished
jobs are remembered in ``finetune/jobs.json`` by the hash of their data and
base model, so a build with the same data reuses the model instead of
training again. Fine-tuning costs are not counted in the LM budget.

DSPy waits for a job however long it takes; lmc waits at most
``max_wait_s`` (a day by default) for all of the step's jobs together, then
stops the build naming the job, which goes on at the provider. A started
job is remembered in ``finetune/running.json`` from the moment it exists,
so the next build with the same data waits for that job again instead of
starting another (an interrupted build too); a job that ended failed or
cancelled is forgotten, and the build after it starts a new one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from ..host.evaluate import TooManyErrors, passes
from ..host.metrics import MetricValueError, measure
from ..records import record
from ..runtime.adapters.base import MISSING_IN_COMPLETE_DEMO
from ..runtime.errors import ProgramError
from ..runtime.lm.protocol import LanguageModel
from ..runtime.signature import Params
from ..runtime.trace import TraceEntry
from .core.base import DEFAULT_MAX_ERRORS, CallCounter, CallEstimate, OptimizeResult, Task, TaskSizes

logger = logging.getLogger(__name__)

Message = dict[str, str]
POLL_S = 30.0  # seconds between two looks at a running job
DONE = ("succeeded", "failed", "cancelled")


class FinetuneError(Exception):
    """A fine-tune that cannot go on; the message says where the training data was written."""


@record
class BootstrapFinetune:
    name: ClassVar[str] = "BootstrapFinetune"
    multitask: bool = True
    exclude_demos: bool = False
    num_threads: int | None = None
    max_wait_s: float = 86400.0

    def compile(self, task: Task) -> OptimizeResult:
        if task.state_dir is None:
            raise FinetuneError("BootstrapFinetune needs a folder next to the build to write its training data")
        calls = CallCounter()
        traces = self.passing_traces(task, calls)
        folder = task.state_dir / "finetune"
        written = write_data(folder, training_data(task, traces, exclude_demos=self.exclude_demos))
        logger.info("BootstrapFinetune: %d training files in %s", len(written), folder)
        if not written:
            raise FinetuneError(
                "BootstrapFinetune: no teacher run passed the metric, so there is nothing to fine-tune on "
                "(chain it after an optimizer that gives the teacher demos, e.g. `[LabeledFewShot, BootstrapFinetune]`)"
            )
        model = str(getattr(task.lm, "model", ""))
        if not finetunable(model, getattr(task.lm, "api_base", None)):
            raise FinetuneError(
                f"BootstrapFinetune: `{model}` cannot be fine-tuned (a local model or a custom api_base); "
                f"the training data is in {folder}/ ({len(written)} file(s), one per module)"
            )
        files = {file.name.removesuffix(".jsonl"): file for file in written}
        groups = {"all": sorted(files)} if self.multitask else {path: [path] for path in sorted(files)}
        jobs = Jobs(folder, model.removeprefix("openai/"), _api_key(task.lm), self.max_wait_s)
        models: dict[str, str] = {}
        for name, paths in groups.items():
            tuned = jobs.fine_tune(name, b"".join(files[p].read_bytes() for p in paths))
            models.update({p: f"openai/{tuned}" for p in paths})
        start = task.start_params()
        params = {
            path: replace(p, model=models[path], demos=() if self.exclude_demos else p.demos)
            for path, p in start.items()
            if path in models
        }
        origins = {path: () if self.exclude_demos else task.start_origins()[path] for path in params}
        return OptimizeResult(params=params, origins=origins, lm_calls=calls.count)

    def passing_traces(self, task: Task, calls: CallCounter) -> list[TraceEntry]:
        """Every module call of the teacher's runs that pass the metric, in trainset order.

        A run whose tool or metric fails (raises, or returns no score) does not
        pass and counts as an error, as in bootstrapping: with DSPy's 10 of them
        the build stops, naming the last.
        """
        lm = calls.wrap(task.teacher_lm if task.teacher_lm is not None else task.lm)
        start = task.start_params()

        def attempt(index: int) -> tuple[tuple[TraceEntry, ...], tuple[int, str] | None]:
            example = task.trainset[index]
            try:
                run = task.program.run(example.inputs(), lm=lm, params=start)
                score = measure(task.metric, example, run.outputs, run.trace).score
            except ProgramError as err:  # no outputs: a failed example, as in bootstrapping
                logger.info("teacher run on example %d produced no outputs: %s", index, err)
                return (), None
            except Exception as err:
                if task.fatal and isinstance(err, task.fatal):
                    raise
                cause = str(err) if isinstance(err, MetricValueError) else f"{type(err).__name__}: {err}"
                logger.warning("teacher run on trainset row %d failed: %s", index + 1, cause)
                return (), (index, cause)
            return (run.trace if passes(score, task.metric_threshold) else ()), None

        threads = self.num_threads if self.num_threads is not None else task.threads
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            found = list(pool.map(attempt, range(len(task.trainset))))
        errors = [error for _, error in found if error is not None]
        if len(errors) >= DEFAULT_MAX_ERRORS:
            index, last = errors[-1]
            raise TooManyErrors(len(errors), DEFAULT_MAX_ERRORS, last, f"trainset row {index + 1}")
        return [entry for trace, _ in found for entry in trace]

    def estimate_calls(self, sizes: TaskSizes) -> CallEstimate:
        """One teacher run per trainset example."""
        return CallEstimate(sizes.trainset * sizes.run_calls)


def finetunable(model: str, api_base: str | None) -> bool:
    """Whether litellm can fine-tune this model: OpenAI's own endpoint only."""
    return model.startswith("openai/") and not api_base


def training_data(task: Task, traces: Sequence[TraceEntry], *, exclude_demos: bool) -> dict[str, list[list[Message]]]:
    """Each module's chat examples: the messages its adapter sends, then the answer as the assistant's."""
    params: Mapping[str, Params] = task.start_params()
    ctx = task.program.context(None, params)
    data: dict[str, list[list[Message]]] = {}
    for entry in traces:
        module = ctx.module(entry.path)
        adapters = getattr(module, "adapters", None)
        if not adapters:
            logger.info("module `%s` (%s) has no chat prompt of its own: not in the data", entry.path, module)
            continue
        adapter = adapters[0]
        demos: Sequence[Mapping[str, Any]] = () if exclude_demos else module.demos
        messages = adapter.format(module.signature, demos, entry.inputs)
        answer = adapter.assistant_content(module.signature, entry.outputs, MISSING_IN_COMPLETE_DEMO)
        data.setdefault(entry.path, []).append([*messages, {"role": "assistant", "content": answer}])
    return data


def write_data(folder: Path, data: Mapping[str, list[list[Message]]]) -> list[Path]:
    """One ``PATH.jsonl`` per module, ``{"messages": [...]}`` per line (deterministic bytes)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(data):
        file = folder / f"{path}.jsonl"
        lines = (json.dumps({"messages": m}, ensure_ascii=False) + "\n" for m in data[path])
        file.write_text("".join(lines), encoding="utf-8")
        written.append(file)
    return written


def _api_key(lm: LanguageModel) -> str | None:
    name = getattr(lm, "api_key_env", None)
    return os.environ.get(name) if name else None


class Jobs:
    """Fine-tuning jobs of one base model through litellm, remembered by their data.

    ``jobs.json`` maps a hash of the base model and the data to the model a
    finished job trained; ``running.json`` maps it to the id of a job that
    was started and has not ended yet, so that a later build waits for that
    job instead of paying for another. All the jobs of one :class:`Jobs`
    share one deadline: ``max_wait_s`` after the first wait began.
    """

    def __init__(self, folder: Path, base_model: str, api_key: str | None, max_wait_s: float) -> None:
        self.folder = folder
        self.base_model = base_model
        self.auth = {"api_key": api_key} if api_key else {}
        self.max_wait_s = max_wait_s
        self.deadline: float | None = None
        self.memory = folder / "jobs.json"
        self.running = folder / "running.json"

    def fine_tune(self, name: str, data: bytes) -> str:
        """The fine-tuned model id for ``data`` (one JSONL): remembered, trained by a job already running, or now."""
        key = hashlib.sha256(self.base_model.encode() + b"\0" + data).hexdigest()
        known = _read(self.memory)
        if key in known:
            logger.info("fine-tune %s: reusing %s (same data)", name, known[key])
            return known[key]
        try:
            tuned = self._train(key, name, data)
        except FinetuneError:
            raise
        except Exception as exc:  # noqa: BLE001 - the provider's boundary: its error, said plainly
            raise FinetuneError(
                f"BootstrapFinetune: fine-tuning `{self.base_model}` failed: {type(exc).__name__}: {exc}; "
                f"the training data is in {self.folder}/"
            ) from exc
        known[key] = tuned
        _write(self.memory, known)
        return tuned

    def _train(self, key: str, name: str, data: bytes) -> str:
        running = _read(self.running)
        if key in running:
            job = self._retrieve(running[key])
            logger.info(
                "fine-tune %s: waiting again for job %s (%s), started by an earlier build", name, job.id, job.status
            )
        else:
            job = self._start(name, data)
            _write(self.running, {**running, key: job.id})
        job = self._wait(name, job)
        _write(self.running, {k: v for k, v in _read(self.running).items() if k != key})
        if job.status != "succeeded" or not job.fine_tuned_model:
            raise FinetuneError(
                f"BootstrapFinetune: fine-tuning job {job.id} ended {job.status}; the training data is in "
                f"{self.folder}/{_provider_error(job)}; building again starts a new job"
            )
        return str(job.fine_tuned_model)

    def _start(self, name: str, data: bytes) -> Any:
        import litellm  # only a fine-tune needs it here

        uploaded = litellm.create_file(
            file=(f"{name}.jsonl", data), purpose="fine-tune", custom_llm_provider="openai", **self.auth
        )
        job = litellm.create_fine_tuning_job(
            model=self.base_model, training_file=uploaded.id, custom_llm_provider="openai", **self.auth
        )
        logger.info("fine-tune %s: job %s started on %s", name, job.id, self.base_model)
        return job

    def _retrieve(self, job_id: str) -> Any:
        import litellm

        return litellm.retrieve_fine_tuning_job(fine_tuning_job_id=job_id, custom_llm_provider="openai", **self.auth)

    def _wait(self, name: str, job: Any) -> Any:
        """Poll ``job`` until it ends, or raise :class:`FinetuneError` once the deadline has passed."""
        if self.deadline is None:
            self.deadline = time.monotonic() + self.max_wait_s
        while job.status not in DONE:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise FinetuneError(
                    f"BootstrapFinetune: fine-tuning job {job.id} is still {job.status} after waiting "
                    f"{self.max_wait_s:g} s (max_wait_s); it goes on at the provider. Build again to wait for it "
                    f"again ({self.running.name} in {self.folder}/ remembers it), raise max_wait_s to wait longer, "
                    f"or cancel it (OpenAI: POST /v1/fine_tuning/jobs/{job.id}/cancel)"
                )
            time.sleep(min(POLL_S, left))
            job = self._retrieve(job.id)
            logger.info("fine-tune %s: job %s is %s", name, job.id, job.status)
        return job


def _provider_error(job: Any) -> str:
    """What the provider says went wrong with a job (OpenAI's ``error.message``), if anything."""
    message = getattr(getattr(job, "error", None), "message", None)
    if message is None and isinstance(getattr(job, "error", None), Mapping):
        message = job.error.get("message")
    return f" (the provider says: {message})" if message else ""


def _read(path: Path) -> dict[str, str]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _write(path: Path, entries: Mapping[str, str]) -> None:
    path.write_text(json.dumps(dict(entries), indent=2, sort_keys=True) + "\n", encoding="utf-8")
