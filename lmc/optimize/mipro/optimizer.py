"""MIPROv2: bootstrapped demo sets, grounded instruction proposals, a Bayesian search over both.

DSPy's procedure (``dspy/teleprompt/mipro_optimizer_v2.py``), step by step:

1. **Sizes.** With ``auto`` (light, medium, heavy: ``n`` = 6, 12, 18 and a
   valset of at most 100, 300, 1000 rows, sampled), ``n`` demo sets and
   ``n`` instruction candidates per module in zero-shot mode, ``n / 2``
   otherwise; ``num_trials = max(2 * v * log2(n), 1.5 * n)`` with ``v`` the
   number of parameters (two per module, one in zero-shot mode); minibatches
   only when the valset has more than 50 rows. With ``auto: none``,
   ``num_candidates`` and ``num_trials`` say it all.
2. **Demo sets** (``demo_sets.py``): zero-shot, labeled, bootstrapped, then
   bootstraps of shuffled trainsets, teacher runs on the ``task_model`` (or
   the block's ``teacher:``). Zero-shot mode (``max_bootstrapped_demos: 0``
   and ``max_labeled_demos: 0``) still bootstraps up to three demos per set,
   to show the prompt model, and then searches instructions only.
3. **Instructions** (``propose.py``): the starting one, then proposals by
   the ``prompt_model``, grounded in a data summary, the program's
   structure, bootstrapped demos and a random tip.
4. **Search** (``study.py``): optuna's TPE sampler picks an instruction and
   a demo set per module for each trial. Trial 0 scores the starting program
   (instruction 0, demo set 0) on the whole valset. With minibatches, each
   trial scores ``minibatch_size`` random valset rows, and after every
   ``minibatch_full_eval_steps`` trials (and after the last) the
   combination with the best mean minibatch score not yet fully evaluated
   is scored on the whole valset. The best full score wins (the earliest on
   a tie).

Every random choice is DSPy's, made in DSPy's order from one generator
seeded with ``seed + 9`` (DSPy's default seed is 9; the ``seed`` option
overrides it): the valset sample, the demo sets, each proposal's tip and
rollout id, then the minibatches; one TPE sampler seeded alike picks the
trials (``study.py``). Work that does not depend on the candidates (the
data summary, trial 0) runs beside them (``run.py``). The trials
live in an optuna storage (see
``study.py``): by default a SQLite file in the build's state folder, so an
interrupted build resumes where it stopped; with ``lmc build --storage URL``
several processes share one search.

Each completed trial keeps the LM answers it used (with their tokens and
cost) in the study. A run that reuses trials it did not run itself (a
resumed build, another worker's) reports their recorded usage in
``OptimizeResult.reused``: the build's files then count the same answers
as an uninterrupted run's, however the trials were split between runs.

This file holds the optimizer: its options, sizes, trial plan and call
estimate; ``run.py`` holds one run of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from ...schemas.sizes import AUTO_RUN_SETTINGS, MIN_MINIBATCH_SIZE, ZERO_SHOT_PROPOSAL_DEMOS
from ..core.base import BudgetStop, CallEstimate, OptimizeResult, Task, TaskSizes
from ..core.options import OptionError
from ..fewshot.bootstrap import bootstrap_runs
from .propose import SUMMARY_BATCHES


@dataclass(frozen=True, slots=True)
class Sizes:
    """What ``auto`` (or the manual options) make of one search."""

    instruction_candidates: int
    demo_sets: int
    num_trials: int
    minibatch: bool
    valset: int | None = None  # auto: the valset is a sample of at most this many rows


@dataclass(frozen=True, slots=True)
class MIPROv2:
    name: ClassVar[str] = "MIPROv2"
    auto: str | None = "light"
    num_candidates: int | None = None
    max_bootstrapped_demos: int = 4
    max_labeled_demos: int = 4
    num_trials: int | None = None
    minibatch: bool = True
    minibatch_size: int = 35
    minibatch_full_eval_steps: int = 5
    init_temperature: float = 1.0
    prompt_model: str | None = None
    task_model: str | None = None
    seed: int | None = None
    num_threads: int | None = None
    max_errors: int | None = None
    metric_threshold: float | None = None
    program_aware_proposer: bool = True
    data_aware_proposer: bool = True
    tip_aware_proposer: bool = True
    fewshot_aware_proposer: bool = True
    view_data_batch_size: int = 10

    def __post_init__(self) -> None:
        # DSPy's rules; the checker reports them before a build (E404, E407, E403).
        if self.auto not in (None, *AUTO_RUN_SETTINGS):
            raise OptionError(f'MIPROv2 option `auto`: must be "light", "medium", "heavy" or none, not {self.auto!r}')
        if self.auto is not None and (self.num_candidates is not None or self.num_trials is not None):
            raise OptionError("MIPROv2 sizes its own search while `auto` is set: drop num_candidates and num_trials")
        if self.auto is None and (self.num_candidates is None or self.num_trials is None):
            raise OptionError("MIPROv2 with `auto: none` needs both num_candidates and num_trials")

    @property
    def zero_shot(self) -> bool:
        return self.max_bootstrapped_demos == 0 and self.max_labeled_demos == 0

    def sizes(self, modules: int, valset: int) -> Sizes:
        """The numbers of candidates and trials, and whether minibatches are used (DSPy's auto settings)."""
        if self.auto is None:
            assert self.num_candidates is not None and self.num_trials is not None
            return Sizes(self.num_candidates, self.num_candidates, self.num_trials, self.minibatch)
        n, val_size = AUTO_RUN_SETTINGS[self.auto]
        variables = modules if self.zero_shot else 2 * modules
        return Sizes(
            instruction_candidates=n if self.zero_shot else int(n * 0.5),
            demo_sets=n,
            num_trials=int(max(2 * variables * math.log2(n), 1.5 * n)),
            minibatch=min(val_size, valset) > MIN_MINIBATCH_SIZE,
            valset=val_size,
        )

    def plan(self, sizes: Sizes) -> tuple[str, ...]:
        """Each trial's role, in order: DSPy's trial sequence (``adjusted_num_trials`` with minibatches)."""
        if not sizes.minibatch:
            return ("default",) + ("sampled",) * sizes.num_trials
        steps, n = self.minibatch_full_eval_steps, sizes.num_trials
        total = n + n // steps + 1 + (1 if n % steps else 0)
        roles = ["default"]
        while roles.count("sampled") < n:
            roles.append("sampled")
            if len(roles) % (steps + 1) == 0 or len(roles) == total - 1:
                roles.append("full")
        return tuple(roles)

    def compile(self, task: Task) -> OptimizeResult:
        from .run import MiproRun  # here: it imports this module

        run = MiproRun(self, task)
        stop = BudgetStop()
        with stop.catching(self.name):
            run.search()
        return run.result(stopped=stop.reason)

    def estimate_calls(self, sizes: TaskSizes) -> CallEstimate:
        """Bootstraps and trials (program runs), and the prompt model's requests; an upper bound.

        Bootstraps stop once they have their demos, a full evaluation of a
        combination already scored runs nothing, and a proposal's
        descriptions are asked once per distinct example set: fewer may run.
        """
        s = self.sizes(sizes.modules, sizes.valset)
        valset = min(s.valset, sizes.valset) if s.valset is not None else sizes.valset
        demos = ZERO_SHOT_PROPOSAL_DEMOS if self.zero_shot else self.max_bootstrapped_demos
        runs, _ = bootstrap_runs(sizes.trainset, demos, 1)
        # Demo set seeds -3 .. n-4: all bootstrap but the zero-shot one and (with labeled demos) the labeled one.
        bootstraps = max(s.demo_sets - (2 if self.max_labeled_demos else 1), 0)
        rows = {
            "default": valset,
            "full": valset,
            "sampled": min(self.minibatch_size, valset) if s.minibatch else valset,
        }
        program_runs = bootstraps * runs + sum(rows[role] for role in self.plan(s))

        proposals = max(min(s.instruction_candidates, s.demo_sets) - 1, 0)  # per module
        batches = min(max(math.ceil(sizes.trainset / self.view_data_batch_size), 1), SUMMARY_BATCHES)
        summary = batches + 1 if self.data_aware_proposer else 0
        # The program's and the module's description, once per distinct example set (one per proposal at most).
        described = 2 * sizes.modules * proposals if self.program_aware_proposer else 0
        prompt_calls = summary + described + sizes.modules * proposals
        return CallEstimate(program_runs * sizes.run_calls + prompt_calls, upper_bound=True)
