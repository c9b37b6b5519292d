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

With ``adapters`` (an lmc option), each module whose adapter the file does
not fix has one more parameter, ``i_predictor_adapter``: its adapter among
the list (its starting one first, so trial 0 is the starting program); the
search sizes stay DSPy's (``core/adapters.py``).

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
from typing import ClassVar

from ...records import record
from ...schemas.sizes import ZERO_SHOT_PROPOSAL_DEMOS
from ..core.base import BudgetStop, CallEstimate, OptimizeResult, Task, TaskSizes
from ..fewshot.bootstrap import bootstrap_runs
from .options import MiproOptions
from .propose import SUMMARY_BATCHES


@record
class MIPROv2(MiproOptions):
    name: ClassVar[str] = "MIPROv2"

    def compile(self, task: Task) -> OptimizeResult:
        from .run import MiproRun  # here: a random search never imports the run (nor optuna through it)

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
