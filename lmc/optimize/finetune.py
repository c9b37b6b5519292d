"""BootstrapFinetune: the teacher's passing traces as chat fine-tuning data, one JSONL per module.

DSPy's ``BootstrapFinetune`` runs the teacher on the trainset, keeps the
traces of the runs the metric passes, turns every module call of them into
a chat example (the messages the adapter sends, the answer formatted as the
assistant message; the demos left out with ``exclude_demos``) and fine-tunes
the student's LM on them (``multitask``: one job for all modules, else one
per module).

lmc writes the data first, always: ``<state dir>/finetune/<module path>.jsonl``
(OpenAI's chat format, one ``{"messages": [...]}`` per line, in trainset
order), so it is there whatever happens next. Starting the job needs a
provider that fine-tunes through litellm's files and fine-tuning API; with a
local model or a custom ``api_base`` the build stops with
:class:`FinetuneError` (exit 3), saying where the data is. Starting and
polling jobs and baking the fine-tuned model ids into the package are not
done yet: with any provider the build stops the same way after the data.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ..evaluate import passes, score_value
from ..runtime.adapters.base import MISSING_IN_COMPLETE_DEMO
from ..runtime.program import ProgramError, TraceEntry
from ..runtime.signature import Params
from .base import CallCounter, CallEstimate, OptimizeResult, Task, TaskSizes
from .options import OptionSpec

logger = logging.getLogger(__name__)

OPTIONS = {
    "multitask": OptionSpec(bool, True, doc="one fine-tune for all modules (false: one per module)"),
    "exclude_demos": OptionSpec(bool, False, doc="leave the modules' demos out of the training messages"),
    "num_threads": OptionSpec(int, None, nullable=True, minimum=1, doc="teacher runs at once (none: --threads)"),
}

Message = dict[str, str]


class FinetuneError(Exception):
    """A fine-tune that cannot go on; the message says where the training data was written."""


@dataclass(frozen=True, slots=True)
class BootstrapFinetune:
    name: ClassVar[str] = "BootstrapFinetune"
    multitask: bool = True
    exclude_demos: bool = False
    num_threads: int | None = None

    def compile(self, task: Task) -> OptimizeResult:
        if task.state_dir is None:
            raise FinetuneError("BootstrapFinetune needs a folder next to the build to write its training data")
        calls = CallCounter()
        traces = self.passing_traces(task, calls)
        folder = task.state_dir / "finetune"
        written = write_data(folder, training_data(task, traces, exclude_demos=self.exclude_demos))
        logger.info("BootstrapFinetune: %d training files in %s", len(written), folder)
        model = str(getattr(task.lm, "model", ""))
        if not finetunable(model, getattr(task.lm, "api_base", None)):
            raise FinetuneError(
                f"BootstrapFinetune: `{model}` cannot be fine-tuned (a local model or a custom api_base); "
                f"the training data is in {folder}/ ({len(written)} file(s), one per module)"
            )
        raise FinetuneError(
            f"BootstrapFinetune: lmc does not start fine-tuning jobs yet; "
            f"the training data for `{model}` is in {folder}/ ({len(written)} file(s), one per module)"
        )

    def passing_traces(self, task: Task, calls: CallCounter) -> list[TraceEntry]:
        """Every module call of the teacher's runs that pass the metric, in trainset order."""
        lm = calls.wrap(task.teacher_lm if task.teacher_lm is not None else task.lm)
        start = task.start_params()

        def attempt(index: int) -> tuple[TraceEntry, ...]:
            example = task.trainset[index]
            try:
                run = task.program.run(example.inputs(), lm=lm, params=start)
            except ProgramError as err:  # no outputs: a failed example, as in bootstrapping
                logger.info("teacher run on example %d produced no outputs: %s", index, err)
                return ()
            passed = passes(score_value(task.metric(example, run.outputs)), task.metric_threshold)
            return run.trace if passed else ()

        threads = self.num_threads if self.num_threads is not None else task.threads
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            found = list(pool.map(attempt, range(len(task.trainset))))
        return [entry for trace in found for entry in trace]

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
