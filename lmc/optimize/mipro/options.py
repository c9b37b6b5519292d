"""MIPROv2's options and the search they size, apart from the optimizer so a run can read them.

``optimizer.py`` holds ``MIPROv2`` (these options and ``compile``) and
``run.py`` one run of it; both import this module, which imports neither.
"""

from __future__ import annotations

import math

from ...records import record
from ...schemas.sizes import AUTO_RUN_SETTINGS, MIN_MINIBATCH_SIZE
from ..core.options import OptionError


@record
class Sizes:
    """What ``auto`` (or the manual options) make of one search."""

    instruction_candidates: int
    demo_sets: int
    num_trials: int
    minibatch: bool
    valset: int | None = None  # auto: the valset is a sample of at most this many rows


@record
class MiproOptions:
    """MIPROv2's options (DSPy's names and defaults) and what they make of a search: sizes and trial roles."""

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
    adapters: tuple[str, ...] | None = None

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
