"""GEPA: reflective prompt evolution over a Pareto frontier (DSPy's ``dspy/teleprompt/gepa/``).

The engine is the ``gepa`` package, the version DSPy pins (0.1.4, no
dependencies of its own), imported when a GEPA step runs. DSPy's GEPA is a
thin layer over it (an adapter, ``gepa_utils.DspyAdapter``); this module is
lmc's adapter, so the search is the one DSPy runs, draw for draw:

1. The starting program is scored on every **valset** row (the trainset
   when the block has none). The pool of candidates starts with it.
2. Each iteration picks a candidate (``candidate_selection_strategy``:
   ``pareto`` draws one of the candidates that are best on some valset row,
   weighted by on how many rows they are, after dropping those dominated by
   others; ``current_best``: the best mean) and the next
   ``reflection_minibatch_size`` rows of the shuffled **trainset**, runs it
   there and, unless every row scored ``perfect_score`` (with
   ``skip_perfect_score``), shows the reflection LM one module's calls on
   those rows (a module in turn; every module with ``component_selector:
   "all"``), its inputs, outputs and the metric's **feedback** (``This
   trajectory got a score of S.`` without feedback), in DSPy's default
   proposal (``InstructionProposer``: ``ProposeInstruction`` in the JSON
   format). The LM writes new instructions for it; an answer that does not
   parse makes no candidate.
3. The new candidate runs on the same rows; when its sum beats the old one,
   it is scored on the whole valset and joins the pool (its parent is the
   candidate it came from); the per-row frontier is updated.
4. With ``use_merge``, after an iteration that added a candidate, the next
   tries (up to ``max_merge_invocations`` times in all) to merge two
   frontier candidates that share an ancestor, module by module, keeping
   each one's changes; a merge scoring on 5 valset rows at least as well
   as both parents is scored on the valset and joins the pool.
5. The run stops once ``max_metric_calls`` runs were scored (``auto`` and
   ``max_full_evals`` compute it as DSPy does). The result is the candidate
   with the best mean valset score (the first on a tie).

Only instructions change; every module keeps its starting demos.

lmc keeps its promises around the engine:

- **Seeds.** The engine's generator is ``Random(seed)``, the adapter's (which
  call of a module a reflection reads, when a run calls it more than once)
  another ``Random(seed)``, as in DSPy; ``seed`` defaults to the block's.
  The engine walks a ``set`` of component names in its merge and draws from
  its generator on the way: component names are :class:`_Component`, whose
  hash is the same in every process, so the walk is too.
- **LMs.** Runs go through ``run_jobs`` (threads, failures, ``max_errors``),
  the reflection through the task's LMs, metered and counted; an LM error
  the build treats as fatal stops GEPA even where the engine would catch it
  and go on (:class:`_Fatal`).
- **Budgets.** When lmc's budget runs out, the engine's state as of the
  last step gives the result: the candidates scored on the whole valset so
  far (never one whose valset scoring was cut short).
- **Resuming.** A rebuild replays every answer from the LM cache, so the
  same draws make the same candidates; there is no other state.
- **Report.** Every candidate of the pool, its parents, its score on each
  valset row and a note per iteration are the result's ``frontier``.
- **Final score.** A candidate's valset score is the mean the build's own
  scoring computes, row for row in the same order: when the block has a
  valset and none of the candidate's runs on it failed (a failure scores
  ``failure_score``, the build's scoring 0 and a count against
  ``max_errors``), it is the build's to take (``OptimizeResult.measured``).
"""

from __future__ import annotations

import functools
import logging
import math
import random
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, cast

from ..data.datasets import Example
from ..host.evaluate import ExampleResult, Job, run_jobs
from ..records import record
from ..runtime.signature import Params
from ..schemas.optimizers import GEPA_SIZE_OPTIONS
from .core.base import (
    DEFAULT_MAX_ERRORS,
    BudgetStop,
    CallCounter,
    CallEstimate,
    Candidate,
    Frontier,
    OptimizeResult,
    Task,
    TaskSizes,
    params_key,
)
from .core.options import OptionError
from .prompts import PROPOSE_INSTRUCTION

if TYPE_CHECKING:
    from gepa import EvaluationBatch
    from gepa.core.state import GEPAState

logger = logging.getLogger(__name__)

# DSPy's ``AUTO_RUN_SETTINGS``: the ``n`` (candidates) its ``auto_budget`` assumes per mode.
AUTO_RUN_SETTINGS: Mapping[str, int] = {"light": 6, "medium": 12, "heavy": 18}
STRATEGIES = ("pareto", "current_best")
COMPONENT_SELECTORS = ("round_robin", "all")
MERGE_ROWS = 5  # the valset rows a merge is tried on (gepa's ``num_subsample_ids``)
NO_FEEDBACK = "This trajectory got a score of {score}."  # DSPy's feedback when the metric gives none


def auto_budget(
    num_preds: int, num_candidates: int, valset_size: int, minibatch_size: int = 35, full_eval_steps: int = 5
) -> int:
    """DSPy's ``GEPA.auto_budget``, number for number: the metric calls an ``auto`` run may make."""
    num_trials = int(max(2 * (num_preds * 2) * math.log2(num_candidates), 1.5 * num_candidates))
    total = valset_size + num_candidates * 5 + num_trials * minibatch_size
    if num_trials == 0:
        return total
    periodic_fulls = (num_trials + 1) // full_eval_steps + 1
    extra_final = 1 if num_trials < full_eval_steps else 0
    return total + (periodic_fulls + extra_final) * valset_size


@record
class GEPA:
    name: ClassVar[str] = "GEPA"
    auto: str | None = None
    max_full_evals: int | None = None
    max_metric_calls: int | None = None
    reflection_minibatch_size: int = 3
    candidate_selection_strategy: str = "pareto"
    reflection_lm: str | None = None
    skip_perfect_score: bool = True
    component_selector: str = "round_robin"
    use_merge: bool = True
    max_merge_invocations: int = 5
    num_threads: int | None = None
    failure_score: float = 0.0
    perfect_score: float = 1.0
    track_stats: bool = False
    seed: int | None = None

    def __post_init__(self) -> None:
        given = [key for key in GEPA_SIZE_OPTIONS if getattr(self, key) is not None]
        if len(given) != 1:
            raise OptionError(
                "GEPA: set exactly one of `auto`, `max_full_evals` and `max_metric_calls`"
                + (f" (given: {', '.join(f'`{k}`' for k in given)})" if given else "")
            )
        for key, allowed in (
            ("auto", (*AUTO_RUN_SETTINGS, None)),
            ("candidate_selection_strategy", STRATEGIES),
            ("component_selector", COMPONENT_SELECTORS),
        ):
            if getattr(self, key) not in allowed:
                words = ", ".join(f'"{w}"' for w in allowed if w is not None)
                raise OptionError(f"GEPA option `{key}`: must be one of {words}, got {getattr(self, key)!r}")

    def metric_calls(self, *, modules: int, trainset: int, valset: int, valset_given: bool) -> int:
        """The run's size in scored runs, as DSPy's ``compile`` computes ``max_metric_calls``.

        ``valset`` is the rows candidates are scored on (the trainset's when
        ``valset_given`` is False: the block has no valset).
        """
        if self.auto is not None:
            return auto_budget(max(modules, 1), AUTO_RUN_SETTINGS[self.auto], valset)
        if self.max_full_evals is not None:
            return self.max_full_evals * (trainset + (valset if valset_given else 0))
        assert self.max_metric_calls is not None  # __post_init__: one of the three is set
        return self.max_metric_calls

    def compile(self, task: Task) -> OptimizeResult:
        run = _Run(self, task)
        stop = BudgetStop()
        with stop.catching(self.name):
            run.search()
        return run.result(stopped=stop.reason)

    def estimate_calls(self, sizes: TaskSizes) -> CallEstimate:
        """The runs and reflections of at most ``max_metric_calls`` scored runs.

        The engine checks the size between iterations, so the last one may pass
        it by one iteration's runs: the minibatch twice (or a merge's 5 rows)
        and the valset. Each iteration after the starting program's valset
        scoring runs at least the minibatch and asks at most two proposals
        per module it rewrites: a proposal that fails (an answer that does
        not parse) is asked once more by the engine, and then no new
        candidate runs.
        """
        most = self.metric_calls(
            modules=sizes.modules, trainset=sizes.trainset, valset=sizes.valset, valset_given=sizes.valset_given
        )
        mb = self.reflection_minibatch_size
        if most <= sizes.valset:
            runs, reflections = sizes.valset, 0
        else:
            step = max(2 * mb, MERGE_ROWS if self.use_merge else 0)
            runs = most - 1 + step + sizes.valset
            reflections = 2 * ((most - 1 - sizes.valset) // mb + 1)
        per_reflection = max(sizes.modules, 1) if self.component_selector == "all" else 1
        return CallEstimate(runs * sizes.run_calls + reflections * per_reflection, upper_bound=True)


class _Component(str):
    """A module path as a GEPA component name, with a hash that is the same in every process.

    gepa's merge iterates a ``set`` of component names and may draw from its
    generator for each; a plain ``str`` hashes differently in each process
    (``PYTHONHASHSEED``), and so would the set's order and which component a
    draw decides. Keys of a candidate are always these (the engine copies
    them), so lookups by a component never mix the two hashes.
    """

    __slots__ = ()

    def __hash__(self) -> int:
        return zlib.crc32(self.encode("utf-8"))


class _Fatal(BaseException):
    """An error that must stop the build, carried past the engine's ``except Exception`` around reflection."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


@record
class _Row:
    """One row handed to the engine: which split, its index there, and the example."""

    split: str  # "trainset" or "valset"
    index: int
    example: Example

    @property
    def where(self) -> str:
        return f"{self.split} row {self.index + 1}"


class _Log:
    """The engine's log, into lmc's (DSPy's ``LoggerAdapter``)."""

    def log(self, message: str) -> None:
        logger.info("GEPA: %s", message)


class _Run:
    """One GEPA run: lmc's adapter for the engine, and the record of what the engine did."""

    def __init__(self, options: GEPA, task: Task) -> None:
        self.options = options
        self.task = task
        self.calls = CallCounter()
        self.student = self.calls.wrap(task.lm)
        self.reflection = self.calls.wrap(task.named_lm(options.reflection_lm))
        self.threads = options.num_threads if options.num_threads is not None else task.threads
        self.seed = options.seed if options.seed is not None else task.seed
        self.rng = random.Random(self.seed)  # DSPy's adapter's: the call of a module a reflection reads
        self.paths = task.program.module_paths
        self.start = task.start_params()
        self.origins = task.start_origins()
        self.trainset = [_Row("trainset", i, e) for i, e in enumerate(task.trainset)]
        given = bool(task.valset) and not task.trains_on_valset
        self.valset = [_Row("valset", i, e) for i, e in enumerate(task.valset)] if given else self.trainset
        self.size = options.metric_calls(
            modules=len(self.paths), trainset=len(self.trainset), valset=len(self.valset), valset_given=given
        )
        self.state: GEPAState[Any, Any] | None = None
        # Per program (``params_key``): the valset rows it ran on, and whether a run on one failed.
        self.valset_runs: dict[str, tuple[set[int], bool]] = {}
        self.notes: list[str] = []
        if options.reflection_lm is None:
            self.notes.append(
                "the program's own LM reflects (no `reflection_lm` given; GEPA works best with a strong one)"
            )
        self.record = _Recorder(self)

    # ------------------------------------------------------------------ the search

    def search(self) -> None:
        import gepa  # here: only a GEPA step needs the engine

        o = self.options
        logger.info(
            "GEPA: at most %d scored runs (%.2f evaluations of the %s)",
            self.size,
            self.size / (len(self.trainset) + (0 if self.valset is self.trainset else len(self.valset))),
            "trainset" if self.valset is self.trainset else "trainset and the valset",
        )
        try:
            gepa.optimize(
                seed_candidate={_Component(path): self.start[path].instructions for path in self.paths},
                trainset=self.trainset,
                valset=self.valset,
                adapter=cast(Any, self),  # the adapter protocol, structurally (gepa's types are generic)
                candidate_selection_strategy=o.candidate_selection_strategy,  # type: ignore[arg-type]
                skip_perfect_score=o.skip_perfect_score,
                reflection_minibatch_size=o.reflection_minibatch_size,
                module_selector=o.component_selector,
                perfect_score=o.perfect_score,
                use_merge=o.use_merge,
                max_merge_invocations=o.max_merge_invocations,
                max_metric_calls=self.size,
                logger=_Log(),
                run_dir=None,
                callbacks=[cast(Any, self.record)],
                track_best_outputs=False,
                display_progress_bar=False,
                raise_on_exception=True,
                seed=self.seed,
            )
        except _Fatal as fatal:
            raise fatal.error from None

    def params_of(self, candidate: Mapping[str, str]) -> dict[str, Params]:
        """The starting parameters with the candidate's instructions."""
        texts = _texts(candidate)
        return {path: replace(self.start[path], instructions=texts[path]) for path in self.paths}

    # ------------------------------------------------------------- the adapter

    def evaluate(
        self, batch: list[_Row], candidate: dict[str, str], capture_traces: bool = False
    ) -> EvaluationBatch[ExampleResult, ExampleResult]:
        """The candidate run on the rows; a failed run scores ``failure_score`` (DSPy's ``failure_score``)."""
        from gepa import EvaluationBatch

        params = self.params_of(candidate)
        split = batch[0].split if batch else "valset"
        results = None if capture_traces else self._known(params, batch)
        if results is None:
            jobs = [Job(row.example, params, self.student, None, row.where) for row in batch]
            stage = f"iteration {self.record.iteration}: {len(batch)} {split} row(s)"
            results = run_jobs(
                self.task.program,
                jobs,
                self.task.metric,
                threads=self.threads,
                on_progress=functools.partial(self.task.progress, stage),
                fatal=self.task.fatal,
                max_errors=DEFAULT_MAX_ERRORS,
            )
        scores = [self.options.failure_score if r.error is not None else r.score for r in results]
        if batch and self.valset and split == self.valset[0].split:
            key = params_key(self.task.program, params)
            rows, failed = self.valset_runs.get(key, (set(), False))
            rows.update(row.index for row in batch)
            self.valset_runs[key] = (rows, failed or any(r.error is not None for r in results))
        return EvaluationBatch(outputs=list(results), scores=scores, trajectories=list(results))

    def _known(self, params: Mapping[str, Params], batch: Sequence[_Row]) -> tuple[ExampleResult, ...] | None:
        """The batch's results from the build's own scoring of these very valset rows (``Task.known_runs``:
        the baseline is the starting program's), in batch order; None when the build has not run them all."""
        known = self.task.known_run(params)
        if known is None or not batch:
            return None
        if not all(row.index < len(known) and known[row.index].example is row.example for row in batch):
            return None  # not the rows the build ran (the trainset, when a valset is given)
        logger.info("GEPA: %d valset row(s) of this program scored already, by the build", len(batch))
        return tuple(replace(known[row.index], index=i) for i, row in enumerate(batch))

    def make_reflective_dataset(
        self,
        candidate: dict[str, str],
        eval_batch: EvaluationBatch[ExampleResult, ExampleResult],
        components_to_update: list[str],
    ) -> dict[str, list[dict[str, Any]]]:
        """Per module: one of its calls in each run of the minibatch, with the metric's feedback on the run.

        DSPy's ``make_reflective_dataset``: a run that failed gives no example
        (DSPy's default, ``add_format_failure_as_feedback: false``); of a
        module's calls in one run, one is drawn by the adapter's generator.
        lmc's metric sees the whole run, so its feedback is the same for every
        module (DSPy's may differ per predictor: its metric gets ``pred_name``).
        """
        found: dict[str, list[dict[str, Any]]] = {}
        for name in components_to_update:
            items = []
            for run in eval_batch.trajectories or []:
                calls = [entry for entry in run.trace if entry.path == name]
                if not calls or run.error is not None:
                    continue
                call = self.rng.choice(calls)
                feedback = run.feedback if run.feedback is not None else NO_FEEDBACK.format(score=run.score)
                items.append(
                    {
                        "Inputs": dict(call.inputs),  # the values themselves: the JSON format renders them
                        "Generated Outputs": dict(call.outputs),
                        "Feedback": feedback,
                    }
                )
            if items:
                found[name] = items
            else:
                logger.info("GEPA: no call of %s to reflect on in this minibatch", name)
        if not found:
            raise ValueError("no module call to reflect on in this minibatch (every run failed)")
        return found

    def propose_new_texts(
        self,
        candidate: dict[str, str],
        reflective_dataset: Mapping[str, Sequence[Mapping[str, Any]]],
        components_to_update: list[str],
    ) -> dict[str, str]:
        """New instructions per module from the reflection LM: DSPy's default proposer, ``InstructionProposer()``.

        One ``Predict`` call per module on DSPy's ``ProposeInstruction``
        signature (its instructions, fields and descriptions) in the JSON
        format (DSPy's ``JSONAdapter``, with the provider's structured
        output): the current instructions and the reflective examples as a
        JSON list in, ``new_instruction`` out, stripped. An answer that does
        not parse, or an empty instruction, raises: the engine logs it, asks
        once more (the LM cache answers) and goes on without a candidate, as
        it does for DSPy's.
        """
        from ..runtime.modules import Predict
        from ..runtime.signature import ModuleSpec

        spec = ModuleSpec(path="gepa.ProposeInstruction", kind="Predict", signature=PROPOSE_INSTRUCTION)
        propose = Predict(spec, Params(instructions=PROPOSE_INSTRUCTION.instructions, adapter="json"), self.reflection)
        proposed: dict[str, str] = {}
        for name in components_to_update:
            if name not in candidate or name not in reflective_dataset:
                continue
            examples = [dict(example) for example in reflective_dataset[name]]
            try:
                answer = propose(current_instruction=candidate[name], examples_with_feedback=examples)
            except self.task.fatal as err:  # the engine would catch it and go on: it must stop the build
                raise _Fatal(err) from err
            draft = str(answer["new_instruction"]).strip()
            if not draft:
                raise ValueError(f"the reflection LM returned an empty instruction for {name}")
            proposed[name] = draft
        return proposed

    # ------------------------------------------------------------------ the result

    def result(self, *, stopped: str | None) -> OptimizeResult:
        state = self.state
        if state is None:  # stopped while the starting program was scored: nothing is known
            return OptimizeResult(params=self.start, origins=self.origins, lm_calls=self.calls.count, stopped=stopped)
        n = len(state.program_candidates)
        rows = tuple(
            tuple(float(state.prog_candidate_val_subscores[i][r]) for r in range(len(self.valset))) for i in range(n)
        )
        means = [sum(r) / len(r) if r else 0.0 for r in rows]
        best = max(range(n), key=lambda i: means[i])  # the first of the best: DSPy's best_idx
        parents = tuple(tuple(p for p in state.parent_program_for_candidate[i] if p is not None) for i in range(n))
        candidates = []
        for i in range(n):
            program = state.program_candidates[i]
            params = self.params_of(program)
            candidates.append(
                Candidate(self._label(i, parents[i]), round(100 * means[i], 2), params, dict(self.origins), i == best)
            )
        frontier = Frontier(parents=parents, rows=rows, notes=tuple(self.notes))
        if self.options.track_stats:
            self._log_stats(candidates, frontier)
        chosen = candidates[best]
        assert chosen.params is not None
        return OptimizeResult(
            params=dict(chosen.params),
            origins=dict(self.origins),
            score=chosen.score,
            candidates=tuple(candidates),
            lm_calls=self.calls.count,
            stopped=stopped,
            frontier=frontier,
            measured=self._measured(candidates),
        )

    def _measured(self, candidates: Sequence[Candidate]) -> dict[str, float]:
        """The candidates' valset scores the build may take: the block's valset, every row run, none failed."""
        if not self.task.valset:
            return {}
        measured = {}
        for c in candidates:
            assert c.params is not None
            key = params_key(self.task.program, c.params)
            rows, failed = self.valset_runs.get(key, (set(), True))
            if not failed and len(rows) == len(self.valset):
                measured[key] = c.score
        return measured

    def _label(self, index: int, parents: tuple[int, ...]) -> str:
        assert self.state is not None
        programs = self.state.program_candidates
        when = self.record.found.get(index)
        at = f" (iteration {when})" if when is not None else ""
        if not parents:
            return f"candidate {index}: the starting program"
        if len(parents) == 1:
            new, old = _texts(programs[index]), _texts(programs[parents[0]])
            changed = [f"`{p}`" for p in self.paths if new[p] != old[p]]
            what = f"new instructions for {', '.join(changed)}" if changed else "the same instructions"
            return f"candidate {index}: candidate {parents[0]} with {what}{at}"
        return f"candidate {index}: a merge of candidates {' and '.join(map(str, parents))}{at}"

    def _log_stats(self, candidates: Sequence[Candidate], frontier: Frontier) -> None:
        """``track_stats``: what DSPy's ``detailed_results`` holds, in the log."""
        for c, parents in zip(candidates, frontier.parents, strict=True):
            logger.info("GEPA %s: valset %.2f, parents %s", c.label, c.score, list(parents) or "none")
        for row in range(len(self.valset)):
            logger.info("GEPA valset row %d: best %s", row + 1, list(frontier.best(row)))


class _Recorder:
    """The engine's callbacks: its state (for a run a budget stops) and a note per iteration."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.iteration = 0
        self.found: dict[int, int] = {}  # candidate -> the iteration that added it
        self.parts: list[str] = []
        self.parent_sum: float | None = None

    def _rows(self, ids: Sequence[int], split: str = "trainset") -> str:
        return f"{split} rows {', '.join(str(i + 1) for i in ids)}"

    def on_iteration_start(self, event: Mapping[str, Any]) -> None:
        self.run.state = event["state"]
        self.iteration = int(event["iteration"])
        self.parts = []
        self.parent_sum = None

    def on_optimization_end(self, event: Mapping[str, Any]) -> None:
        self.run.state = event["final_state"]

    def on_candidate_selected(self, event: Mapping[str, Any]) -> None:
        self.parts.append(f"candidate {event['candidate_idx']}")

    def on_minibatch_sampled(self, event: Mapping[str, Any]) -> None:
        self.parts.append(f"on {self._rows(event['minibatch_ids'])}")

    def on_evaluation_end(self, event: Mapping[str, Any]) -> None:
        if event["candidate_idx"] is not None:  # the parent's minibatch run
            self.parent_sum = float(sum(event["scores"]))

    def on_evaluation_skipped(self, event: Mapping[str, Any]) -> None:
        if event["reason"] == "all_scores_perfect":
            self.parts.append(f"scored {_num(sum(event['scores'] or ()))}, every row perfect: nothing to reflect on")
        else:
            self.parts.append("no run to reflect on")

    def on_proposal_end(self, event: Mapping[str, Any]) -> None:
        names = ", ".join(f"`{name}`" for name in event["new_instructions"])
        self.parts.append(f"scored {_num(self.parent_sum or 0.0)}; the reflection LM rewrote {names}")

    def on_candidate_accepted(self, event: Mapping[str, Any]) -> None:
        self.found[int(event["new_candidate_idx"])] = self.iteration
        self.parts.append(f"it scored {_num(event['new_score'])}: kept as candidate {event['new_candidate_idx']}")

    def on_candidate_rejected(self, event: Mapping[str, Any]) -> None:
        self.parts.append(f"it scored {_num(event['new_score'])}, not better: dropped")

    def on_merge_attempted(self, event: Mapping[str, Any]) -> None:
        parents = " and ".join(map(str, event["parent_ids"]))
        trace = self.run.state.full_program_trace[-1] if self.run.state is not None else {}
        merged = trace.get("merged_entities")
        common = f" (common ancestor {merged[2]})" if merged else ""
        self.parts.append(f"merge of candidates {parents}{common} on {MERGE_ROWS} valset rows")

    def on_merge_rejected(self, event: Mapping[str, Any]) -> None:
        self.parts.append("worse than its parents: dropped")

    def on_iteration_end(self, event: Mapping[str, Any]) -> None:
        if not self.parts:
            return
        if self.parts[0].startswith("merge"):
            text = "; ".join(self.parts)
        else:  # the candidate and its minibatch, then what came of them
            text = "; ".join([" ".join(self.parts[:2]), *(self.parts[2:] or ["no new instructions"])])
        self.run.notes.append(f"iteration {self.iteration}: {text}")


def _texts(candidate: Mapping[str, str]) -> dict[str, str]:
    """A candidate's instructions by plain module path (its keys are :class:`_Component`, hashed apart)."""
    return {str(name): text for name, text in candidate.items()}


def _num(value: float) -> str:
    """A minibatch sum as the notes show it: ``2``, ``1.5``."""
    return f"{value:g}"
