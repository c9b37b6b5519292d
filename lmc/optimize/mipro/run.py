"""One MIPROv2 run (``optimizer.py`` holds the optimizer, ``options.py`` its options and sizes).

``MiproRun`` bootstraps the demo sets, asks for instruction proposals, and
drives the trials of the optuna study (``study.py``); ``_Candidates`` maps a
trial's chosen indices to parameters. See ``optimizer.py`` for the procedure.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, field, replace
from typing import TYPE_CHECKING, Any

from ...data.datasets import Example
from ...host.evaluate import Metric, TooManyErrors, evaluate
from ...records import record
from ...runtime.judge import Judge
from ...runtime.lm.protocol import LanguageModel
from ...runtime.signature import ModuleSpec, Params
from ...runtime.types import annotation_name
from ...schemas.sizes import ZERO_SHOT_PROPOSAL_DEMOS
from ..core.adapters import adapter_choices
from ..core.ahead import Gate, beside, may_build_ahead
from ..core.base import DEFAULT_MAX_ERRORS, CallCounter, Candidate, DemoOrigin, OptimizeResult, Task
from ..core.budget import Meter, Spent, metered_metric
from ..core.forwarding import replaced
from ..core.options import OptionError
from ..core.prompt_model import at_temperature
from ..fewshot.bootstrap import BootstrapSettings
from .demo_sets import DemoSet, demo_sets
from .propose import SUMMARY_TEMPERATURE, GroundedProposer, ProposerSettings, dataset_summary

if TYPE_CHECKING:
    from optuna.trial import FrozenTrial

    from .options import MiproOptions
    from .study import SharedSearch, Slot, StudyPlace, StudyPlan

SEED_OFFSET = 9  # DSPy's default seed
STUDY_FORMAT = 3  # part of every study's identity: bump when the plan or the attributes change
USAGE = "usage"  # a completed trial's user attribute: the LM answers it used (see _recorded)

# ``study`` imports optuna (~0.2 s): a run imports it beside its proposals (``_import_study``), so the
# functions that need it import it where they are.

logger = logging.getLogger(__name__)

STUDY_FILE = "optuna.sqlite3"  # the study's file in the build's state folder


@record
class _Candidates:
    """What the trials index: instructions per module, demo sets (None in zero-shot mode), and with the
    ``adapters`` option the adapters of each module the file does not fix one (``core/adapters.py``)."""

    instructions: Mapping[str, Sequence[str]]
    sets: Sequence[DemoSet] | None
    adapters: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def params(self, start: Mapping[str, Params], chosen: Mapping[str, int]) -> dict[str, Params]:
        out = {}
        for i, path in enumerate(self.instructions):
            p = replace(start[path], instructions=self.instructions[path][chosen[_instruction(i)]])
            if self.sets is not None:
                p = replace(p, demos=tuple(dict(d.value) for d in self.sets[chosen[_demos(i)]].demos[path]))
            if path in self.adapters:
                p = replace(p, adapter=self.adapters[path][chosen[_adapter(i)]])
            out[path] = p
        return out

    def origins(
        self, start: Mapping[str, tuple[DemoOrigin, ...]], chosen: Mapping[str, int]
    ) -> dict[str, tuple[DemoOrigin, ...]]:
        if self.sets is None:
            return dict(start)
        return {
            path: tuple(d.origin for d in self.sets[chosen[_demos(i)]].demos[path])
            for i, path in enumerate(self.instructions)
        }

    def record(self) -> dict[str, Any]:
        """The study user attributes other workers check theirs against."""
        attrs: dict[str, Any] = {}
        for path, instructions in self.instructions.items():
            attrs[f"instructions {path}"] = list(instructions)
            if self.sets is not None:
                sets = [[[d.value, d.origin.kind, d.origin.index] for d in s.demos[path]] for s in self.sets]
                attrs[f"demo sets {path}"] = _digest(sets)
            if path in self.adapters:
                attrs[f"adapters {path}"] = list(self.adapters[path])
        return attrs


@record
class _Scored:
    """Parameters scored on some rows: the score and the LM answers it used (a trial's ``usage``)."""

    params: Mapping[str, Params]
    score: float
    usage: dict[str, Any]


def _row_key(example: Example) -> str:
    return json.dumps(dict(example), sort_keys=True, ensure_ascii=False, default=repr)


def _instruction(module: int) -> str:
    """DSPy's parameter names, by module position: the sampler orders the parameters by name."""
    return f"{module}_predictor_instruction"


def _demos(module: int) -> str:
    return f"{module}_predictor_demos"


def _adapter(module: int) -> str:
    """An lmc parameter (DSPy searches no adapter): the index of the module's adapter among its choices."""
    return f"{module}_predictor_adapter"


class MiproRun:
    """One MIPROv2 run: the LMs, the generator, the candidates and the search."""

    def __init__(self, options: MiproOptions, task: Task) -> None:
        self.options = options
        self.task = task
        self.calls = CallCounter()
        self.task_lm = task.named_lm(options.task_model)
        self.student = self.calls.wrap(self.task_lm)
        self.prompt = task.named_lm(options.prompt_model)
        self.seed = options.seed if options.seed is not None else task.seed + SEED_OFFSET
        self.rng = random.Random(self.seed)
        self.start = task.start_params()
        self.paths = task.program.module_paths
        valset = task.valset or task.trainset
        self.sizes = options.sizes(len(self.paths), len(valset))
        if self.sizes.valset is not None:  # DSPy's create_minibatch of the valset
            valset = tuple(valset[i] for i in self.rng.sample(range(len(valset)), min(self.sizes.valset, len(valset))))
        self.valset = valset
        self.threads = options.num_threads if options.num_threads is not None else task.threads
        self.candidates: _Candidates | None = None
        self.minibatches: dict[int, list[int]] = {}  # a sampled slot's valset rows, when it scores a minibatch
        self.early: _Scored | None = None  # the starting program's score, when scored beside the candidates
        self.search_: SharedSearch | None = None
        self.ran: set[int] = set()  # numbers of the trials this run completed (the others are reused)

    # ------------------------------------------------------------- steps

    def search(self) -> None:
        o, task = self.options, self.task
        if self.sizes.minibatch and o.minibatch_size > len(self.valset):
            raise OptionError(
                f"MIPROv2 option `minibatch_size`: {o.minibatch_size} is more than the valset's {len(self.valset)} "
                "rows; set a smaller minibatch_size or minibatch: false"
            )
        # The data summary reads the trainset only: it runs beside the bootstraps and the proposals'
        # descriptions (DSPy's: after the bootstraps, before the descriptions). So does the starting
        # program's full evaluation (trial 0: no candidate in it) when this run starts the study. A gate
        # holds them to task.threads requests in flight: the summary has a slot from the start, each
        # bootstrap and proposal holds one while it runs, the evaluation takes the slots left free.
        ahead = may_build_ahead(self.prompt) and may_build_ahead(self.task_lm)
        gate = Gate(task.threads) if ahead else None
        early = ahead and self._starts_the_study() and self._known(self._start_params()) is None
        writing = self._summary if gate is None else gate.reserving(self._summary)
        with beside(writing, ahead) as summary, beside(lambda: self._score_start(gate), early) as start:
            sets = self._demo_sets(gate)
            if not ahead:
                summary()  # now, in DSPy's order: the calls a limited budget allows are DSPy's
            instructions = self._propose(sets, summary, ahead, gate)
            self.early = start() if early else None
        for path, found in instructions.items():
            logger.info("%s: %d instruction candidates", path, len(found))
        self.candidates = _Candidates(instructions, None if o.zero_shot else sets, adapter_choices(task, o.adapters))
        roles = o.plan(self.sizes)
        self.minibatches = self._minibatches(roles)
        from .study import SharedSearch, quiet_optuna

        with quiet_optuna():
            self.search_ = SharedSearch(self._place(), self._study_plan(roles), self.seed)
            done = len(self.search_.completed())
            task.progress("trials", done, len(roles))

            def finished(trial: FrozenTrial) -> None:
                nonlocal done
                done += 1
                self.ran.add(trial.number)
                label = self._label(trial)
                logger.info("%s: %.2f%%", label, _score(trial))
                if task.on_candidate is not None:
                    task.on_candidate(label, _score(trial))
                task.progress("trials", done, len(roles))

            self.search_.run(self._trial, finished)

    def result(self, *, stopped: str | None) -> OptimizeResult:
        if self.search_ is None or self.candidates is None:  # the budget ran out before the search
            return OptimizeResult(
                params=self.start, origins=self.task.start_origins(), lm_calls=self.calls.count, stopped=stopped
            )
        from .study import quiet_optuna

        with quiet_optuna():
            trials = self.search_.completed()
        reused = sum((_reused(t.user_attrs[USAGE]) for t in trials if t.number not in self.ran), Spent())
        full = [t for t in trials if t.user_attrs["role"] == "default" or self._is_full(t)]
        history = tuple(Candidate(self._label(t), _score(t)) for t in trials)
        if not full:
            return OptimizeResult(
                params=self.start,
                origins=self.task.start_origins(),
                candidates=history,
                lm_calls=self.calls.count,
                stopped=stopped,
                reused=reused,
            )
        best = max(full, key=_score)  # the earliest slot on a tie
        return OptimizeResult(
            params=self.candidates.params(self.start, best.params),
            origins=self.candidates.origins(self.task.start_origins(), best.params),
            score=_score(best),
            candidates=history,
            lm_calls=self.calls.count,
            stopped=stopped,
            reused=reused,
        )

    # ------------------------------------------------------------ pieces

    def _propose(
        self, sets: Sequence[DemoSet], summary: Callable[[], str | None], ahead: bool, gate: Gate | None
    ) -> dict[str, list[str]]:
        """Every module's instruction candidates, the proposals ``task.threads`` at a time when ``ahead``."""
        o, task = self.options, self.task
        proposer = GroundedProposer(
            task.program,
            self.start,
            self.prompt,
            self.calls,
            ProposerSettings(
                program_aware=o.program_aware_proposer,
                tip_aware=o.tip_aware_proposer,
                fewshot_aware=o.fewshot_aware_proposer,
                init_temperature=o.init_temperature,
            ),
            self.rng,
            summary,
        )
        task.progress("propose instructions", 0, 1)
        # optuna's import is CPU work: it runs while the proposals wait on the LM, not the first bootstraps.
        with beside(_import_study, ahead):
            instructions = proposer.propose(sets, self.sizes.instruction_candidates, task.threads if ahead else 1, gate)
        task.progress("propose instructions", 1, 1)
        return instructions

    def _summary(self) -> str | None:
        """The prompt model's summary of the trainset (None: not data aware, or it did not parse)."""
        if not self.options.data_aware_proposer:
            return None
        lm = self.calls.wrap(at_temperature(self.prompt, SUMMARY_TEMPERATURE))
        return dataset_summary(self.task.trainset, self.options.view_data_batch_size, lm)

    def _minibatches(self, roles: Sequence[str]) -> dict[int, list[int]]:
        """Each sampled slot's minibatch, drawn now from the generator as DSPy draws them, trial by trial.

        DSPy samples a trial's minibatch when it runs, and only when the
        minibatch is smaller than the valset; no other draw comes after the
        proposals', so drawing them all here gives DSPy's rows, and a resumed
        run draws them again alike.
        """
        size = self.options.minibatch_size
        if not self.sizes.minibatch or size >= len(self.valset):
            return {}
        everything = range(len(self.valset))
        return {index: self.rng.sample(everything, size) for index, role in enumerate(roles) if role == "sampled"}

    def _starts_the_study(self) -> bool:
        """Whether this run certainly creates the study (so no earlier run scored trial 0).

        Only then is the starting program scored beside the candidates: a
        resumed or shared study has it already. The valset must not share a
        row with the trainset, or the evaluation could ask a bootstrap's
        request at the same time as the bootstrap (two calls, not one and a
        cache hit).
        """
        task = self.task
        if task.storage is not None or task.study is not None:
            return False
        if task.state_dir is not None and (task.state_dir / STUDY_FILE).exists():
            return False
        train = {_row_key(e) for e in task.trainset}
        return not any(_row_key(e) in train for e in self.valset)

    def _score_start(self, gate: Gate | None) -> _Scored:
        """Trial 0's score: the starting instructions and demo set 0, which is zero-shot (``demo_sets.py``).

        It runs beside the bootstraps (on the same task model and metric) and
        the proposals, and its usage is read from its LMs' counters: so it
        asks copies of them, whose counters count its own answers only. On the
        shared counters the answers recorded with trial 0 took in whatever
        bootstrap answers came in meanwhile, and a rebuild or a resumed build,
        which reuses the trial, counted those twice.
        """
        params = self._start_params()
        own = _own_counters(self.task_lm)
        lm = self.calls.wrap(own if gate is None else gate.wrap(own))
        metric = self.task.metric
        if isinstance(metric, Judge):
            metric = metric.with_lm(_own_counters(metric.lm) if metric.lm is not None else None)
        return self._evaluate(params, self.valset, lm, "trial 0", quiet=True, metric=metric)

    def _start_params(self) -> dict[str, Params]:
        """Trial 0's parameters: the starting instructions with demo set 0 (zero-shot, or the starting demos)."""
        return self.start if self.options.zero_shot else {p: replace(v, demos=()) for p, v in self.start.items()}

    def _known(self, params: Mapping[str, Params]) -> float | None:
        """The score the build has measured already for ``params`` on these very rows with this LM and metric
        (``Task.known_scores``: the block's baseline is trial 0 in a chain's first step): the task's own
        valset, whole, and the task's own LM."""
        if self.options.task_model is not None or not self.task.valset or self.valset is not self.task.valset:
            return None
        return self.task.known_score(params)

    def _demo_sets(self, gate: Gate | None) -> list[DemoSet]:
        o = self.options
        settings = BootstrapSettings(
            max_bootstrapped_demos=ZERO_SHOT_PROPOSAL_DEMOS if o.zero_shot else o.max_bootstrapped_demos,
            max_labeled_demos=o.max_labeled_demos,
            max_rounds=1,
            max_errors=o.max_errors if o.max_errors is not None else DEFAULT_MAX_ERRORS,
            metric_threshold=o.metric_threshold,
        )
        # The teacher runs on the task model unless the block names a teacher.
        task = replace(self.task, lm=self.task_lm)
        return demo_sets(task, self.sizes.demo_sets, settings, self.rng, self.calls, gate)

    def _trial(self, slot: Slot) -> float:
        """Score one slot and keep with it the LM answers the scoring used."""
        assert self.candidates is not None
        rows: Sequence[Example] = self.valset
        if slot.role == "default":
            chosen = {name: 0 for name in self._distributions()}
            slot.fix(chosen)
        elif slot.role == "sampled":
            chosen = dict(slot.chosen)
            if slot.index in self.minibatches:
                rows = [self.valset[i] for i in self.minibatches[slot.index]]
        else:
            chosen, known = _next_full_evaluation(slot.history)
            slot.fix(chosen)
            if known is not None:  # every combination was scored on the whole valset already
                slot.note(USAGE, _recorded(Spent()))
                return known
        params = self.candidates.params(self.start, chosen)
        early = self.early
        known = self._known(params) if slot.role == "default" else None
        if known is not None:
            logger.info("trial %d: scored already, on the same rows (%.2f%%)", slot.index, known)
            scored = _Scored(params, known, _recorded(Spent()))
        elif slot.role == "default" and early is not None and early.params == params:
            scored = early
        else:
            scored = self._evaluate(params, rows, self.student, f"trial {slot.index}")
        slot.note(USAGE, scored.usage)
        return scored.score

    def _evaluate(
        self,
        params: Mapping[str, Params],
        rows: Sequence[Example],
        lm: LanguageModel,
        stage: str,
        *,
        quiet: bool = False,
        metric: Metric | None = None,
    ) -> _Scored:
        """``params`` scored on ``rows`` with ``metric`` (the task's by default), with the LM answers it used.

        The answers are read from the LMs' usage counters, so nothing else may
        use those LMs meanwhile (the sampled trials run one at a time; trial 0
        runs on copies: ``_score_start``). Progress is reported unless ``quiet``.
        """
        meter = Meter()  # no budget: it only measures this scoring (the task's meter enforces the budget)
        try:
            result = evaluate(
                self.task.program,
                rows,
                metered_metric(self.task.metric if metric is None else metric, meter),
                lm=meter.wrap(lm),
                params=params,
                threads=self.threads,
                on_progress=None if quiet else lambda done, total: self.task.progress(stage, done, total),
                fatal=self.task.fatal,
                max_errors=self.options.max_errors if self.options.max_errors is not None else DEFAULT_MAX_ERRORS,
            )
            score = result.score
        except TooManyErrors as err:  # DSPy scores a candidate that errs too often as 0
            logger.warning("%s scores 0: %s", stage, err)
            score = 0.0
        return _Scored(params, score, _recorded(meter.spent()))

    def _distributions(self) -> dict[str, Any]:
        from optuna.distributions import CategoricalDistribution

        assert self.candidates is not None
        out = {}
        for i, path in enumerate(self.paths):
            out[_instruction(i)] = CategoricalDistribution(tuple(range(len(self.candidates.instructions[path]))))
            if self.candidates.sets is not None:
                out[_demos(i)] = CategoricalDistribution(tuple(range(len(self.candidates.sets))))
            if path in self.candidates.adapters:
                out[_adapter(i)] = CategoricalDistribution(tuple(range(len(self.candidates.adapters[path]))))
        return out

    def _study_plan(self, roles: tuple[str, ...]) -> StudyPlan:
        from .study import StudyPlan

        assert self.candidates is not None
        attrs = self.candidates.record()
        attrs["identity"] = self._identity()
        return StudyPlan(roles=roles, distributions=self._distributions(), candidates=attrs)

    def _place(self) -> StudyPlace:
        from .study import StudyPlace

        task = self.task
        name = task.study or f"mipro-{self._identity()[:24]}"
        shared = task.storage is not None or task.study is not None
        if task.storage is not None:
            return StudyPlace(task.storage, name, shared)
        if task.state_dir is not None:
            path = task.state_dir.resolve() / STUDY_FILE
            return StudyPlace(f"sqlite:///{path}", name, shared)
        return StudyPlace(None, name, shared)

    def _identity(self) -> str:
        """A digest of what the trials' scores depend on: program, data, metric, LMs, options, seed."""
        task = self.task
        program = task.program
        try:
            body = inspect.getsource(program.body)
        except (OSError, TypeError):
            body = program.body.__qualname__
        options = asdict(self.options)
        if options["adapters"] is None:  # an lmc option: a study without it is identified as before it was
            del options["adapters"]
        described = {
            "format": STUDY_FORMAT,
            "options": options,
            "seed": self.seed,
            "program": [program.name, body, [_spec(program.modules[p]) for p in program.module_paths]],
            "start": {p: params.to_json() for p, params in self.start.items()},
            "trainset": [[dict(e), sorted(e.input_keys)] for e in task.trainset],
            "valset": [[dict(e), sorted(e.input_keys)] for e in self.valset],
            "metric": getattr(task.metric, "__qualname__", type(task.metric).__name__),
            "lms": [_lm(self.task_lm), _lm(self.prompt), _lm(task.teacher_lm)],
        }
        return _digest(described)

    def _is_full(self, trial: FrozenTrial) -> bool:
        return trial.user_attrs["role"] == "full" or not self.sizes.minibatch

    def _label(self, trial: FrozenTrial) -> str:
        if trial.user_attrs["role"] == "default":
            what = "starting program"
        elif trial.user_attrs["role"] == "full":
            what = "full evaluation"
        else:
            what = "minibatch" if self.sizes.minibatch else "sampled"
        adapters = self.candidates.adapters if self.candidates is not None else {}
        chosen = "; ".join(
            f"{path}: instruction {trial.params[_instruction(i)]}"
            + (f", demo set {trial.params[_demos(i)]}" if _demos(i) in trial.params else "")
            + (f", adapter {adapters[path][trial.params[_adapter(i)]]}" if _adapter(i) in trial.params else "")
            for i, path in enumerate(self.paths)
        )
        return f"trial {trial.user_attrs['slot']} ({what}): {chosen}"


def _score(trial: FrozenTrial) -> float:
    """A completed trial's score (optuna's ``value``, None only while a trial has not completed)."""
    if trial.value is None:
        raise ValueError(f"trial {trial.number} has no score: it did not complete")
    return trial.value


def _import_study() -> None:
    """Import the search's module (and optuna) now, in this thread; the search imports it again for free."""
    importlib.import_module(".study", __package__)


def _recorded(spent: Spent) -> dict[str, Any]:
    """A trial's usage as kept in the study: every answer, with the tokens and cost recorded when it was made."""
    return {
        "answers": spent.answers,
        "prompt_tokens": spent.prompt_tokens + spent.cached_prompt_tokens,
        "completion_tokens": spent.completion_tokens + spent.cached_completion_tokens,
        "cost_usd": spent.cost_usd + spent.cached_cost_usd,
        "unrecorded": spent.cached_unrecorded,
    }


def _own_counters(lm: LanguageModel) -> LanguageModel:
    """A copy of ``lm`` (same options and cache, metered alike) with usage counters of its own.

    An LM that cannot be copied (a test double) stays as it is: without
    usage counters, a meter counts its answers one by one anyway.
    """
    try:
        return replaced(lm)
    except AttributeError:
        return lm


def _reused(recorded: Mapping[str, Any]) -> Spent:
    """A reused trial's usage: like answers from the cache, free now and costing what was recorded."""
    return Spent(
        cache_hits=recorded["answers"],
        cached_prompt_tokens=recorded["prompt_tokens"],
        cached_completion_tokens=recorded["completion_tokens"],
        cached_cost_usd=recorded["cost_usd"],
        cached_unrecorded=recorded["unrecorded"],
    )


def _next_full_evaluation(history: Sequence[FrozenTrial]) -> tuple[dict[str, int], float | None]:
    """The combination with the best mean minibatch score not yet fully evaluated (DSPy's rule).

    When every one was, the best-mean one again, with its known full score (nothing is run).
    """
    scores: dict[tuple[tuple[str, int], ...], list[float]] = {}
    full: dict[tuple[tuple[str, int], ...], float] = {}
    for t in history:
        key = tuple(sorted(t.params.items()))
        if t.user_attrs["role"] == "sampled":
            scores.setdefault(key, []).append(_score(t))
        elif t.user_attrs["role"] == "full":
            full[key] = _score(t)
    ranked = sorted(scores, key=lambda k: sum(scores[k]) / len(scores[k]), reverse=True)  # stable: first seen
    for key in ranked:
        if key not in full:
            return dict(key), None
    return dict(ranked[0]), full[ranked[0]]


def _spec(spec: ModuleSpec) -> list[Any]:
    sig = spec.signature
    fields = [[f.name, annotation_name(f.annotation), _type_detail(f.annotation), f.desc] for f in sig.fields]
    return [spec.path, spec.kind, sig.name, fields, sorted(spec.options.items(), key=str)]


def _type_detail(annotation: Any) -> Any:
    """What a type's name does not say: an enum's values, a record's JSON schema."""
    values = getattr(annotation, "__members__", None)
    if values is not None:
        return [str(getattr(v, "value", v)) for v in values.values()]
    schema = getattr(annotation, "model_json_schema", None)
    return schema() if callable(schema) else None


def _lm(lm: LanguageModel | None) -> Any:
    if lm is None:
        return None
    options = getattr(lm, "options", None)
    return [getattr(lm, "model", type(lm).__name__), options() if callable(options) else None]


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()
