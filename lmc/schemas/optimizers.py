"""Every optimizer's options, written once: the table the checker and the optimizers both read.

``lmc check`` validates option blocks against :data:`OPTIMIZERS`
(``lmc/checks/options.py``); ``registry.create_optimizer`` applies
:data:`OWN_OPTIONS` through specs derived from it
(``options.OptionSpec.from_schema``), and ``registry`` asserts that each
optimizer's dataclass fields are its table's keys. This module imports only
``lmc.option_schema`` (the standard library), so the checker reads it without
loading an optimizer, the runtime or optuna.

Names and defaults are DSPy's (``tests/optimize/test_registry.py`` holds them
against DSPy's constructors); ``doc`` says what an option does in lmc.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .vocabulary import ADAPTER, BOOL, FLOAT, INT, Choice, ListOf, Ref, Schema, opt

# BootstrapFewShot's demo counts, which KNNFewShot takes too, then the rest of its options.
_DEMOS = (
    opt("max_bootstrapped_demos", INT, default=4, minimum=0, doc="demos from successful teacher runs, per module"),
    opt("max_labeled_demos", INT, default=16, minimum=0, doc="demos in total per module, labeled ones filling up"),
)
_BOOTSTRAP = _DEMOS + (
    opt("max_rounds", INT, default=1, minimum=1, doc="tries per trainset example"),
    opt("max_errors", INT, minimum=0, doc="failed runs that stop the optimizer (none: 10)"),
    opt("metric_threshold", FLOAT, doc="a run succeeds when its score is at least this"),
)

# An lmc option (DSPy has none): the prompt formats a search may give each module whose adapter the file
# does not fix, one per module and candidate (none: the modules keep theirs).
_ADAPTERS = opt(
    "adapters",
    ListOf(ADAPTER),
    doc="adapters the search chooses from, per module (none: each module keeps its own)",
)

# Every optimizer accepts these; the build enforces them on the optimizer's LMs
# (``lmc/optimize/core/budget.py``), so each optimizer stops cleanly with its best so far.
BUDGET_OPTIONS = (
    opt("max_lm_calls", INT, minimum=1, doc="LM requests the optimizer may make; cached answers are free"),
    opt("max_cost_usd", FLOAT, above=0.0, doc="USD the optimizer may spend on LM requests"),
)

# Each optimizer's own options: the fields of its dataclass.
OWN_OPTIONS: Mapping[str, Schema] = MappingProxyType(
    {
        "LabeledFewShot": Schema(
            "optimizer `LabeledFewShot`", (opt("k", INT, default=16, minimum=0, doc="labeled demos per module"),)
        ),
        "BootstrapFewShot": Schema("optimizer `BootstrapFewShot`", _BOOTSTRAP),
        "BootstrapFewShotWithRandomSearch": Schema(
            "optimizer `BootstrapFewShotWithRandomSearch`",
            _BOOTSTRAP
            + (
                opt(
                    "num_candidate_programs",
                    INT,
                    default=16,
                    minimum=0,
                    doc="shuffled bootstrap candidates besides the 3 baselines",
                ),
                opt("num_threads", INT, minimum=1, doc="evaluation threads (none: the build's --threads)"),
                opt("stop_at_score", FLOAT, doc="stop once a candidate scores at least this (percent)"),
                _ADAPTERS,
            ),
        ),
        "KNNFewShot": Schema(
            "optimizer `KNNFewShot`",
            (opt("k", INT, required=True, minimum=1, doc="nearest trainset examples per call"), *_DEMOS),
        ),
        "COPRO": Schema(
            "optimizer `COPRO`",
            (
                opt("breadth", INT, default=10, minimum=2, doc="instructions proposed per module and round"),
                opt("depth", INT, default=3, minimum=1, doc="rounds of proposing and scoring"),
                opt("init_temperature", FLOAT, default=1.4, minimum=0.0, doc="the prompt model's sampling temperature"),
                opt("track_stats", BOOL, default=False, doc="log score statistics per module and round"),
                opt("prompt_model", Ref("lm"), doc="the lm that proposes instructions (none: the task's)"),
            ),
        ),
        "MIPROv2": Schema(
            "optimizer `MIPROv2`",
            (
                opt(
                    "auto",
                    Choice(("light", "medium", "heavy"), nullable=True),
                    default="light",
                    doc="light, medium or heavy; none: num_candidates and num_trials",
                ),
                opt("num_candidates", INT, minimum=1, doc="demo sets and instructions (auto: none)"),
                opt(
                    "max_bootstrapped_demos",
                    INT,
                    default=4,
                    minimum=0,
                    doc="bootstrapped demos per module in a demo set",
                ),
                opt("max_labeled_demos", INT, default=4, minimum=0, doc="demos per module in a demo set"),
                opt("num_trials", INT, minimum=1, doc="sampled trials (auto: none)"),
                opt(
                    "minibatch", BOOL, default=True, doc="score trials on minibatches (auto decides by the valset size)"
                ),
                opt("minibatch_size", INT, default=35, minimum=1, doc="valset rows per minibatch trial"),
                opt(
                    "minibatch_full_eval_steps",
                    INT,
                    default=5,
                    minimum=1,
                    doc="minibatch trials between full evaluations",
                ),
                opt(
                    "init_temperature",
                    FLOAT,
                    default=1.0,
                    minimum=0.0,
                    doc="the prompt model's temperature for proposals",
                ),
                opt("prompt_model", Ref("lm"), doc="the lm that proposes instructions (none: the task's)"),
                opt("task_model", Ref("lm"), doc="the lm the program runs on (none: the task's)"),
                opt("seed", INT, doc="the search's seed (none: the optimize block's seed + 9, DSPy's 9 at seed 0)"),
                opt("num_threads", INT, minimum=1, doc="evaluation threads (none: --threads)"),
                opt("max_errors", INT, minimum=0, doc="failed runs that stop a bootstrap (none: 10)"),
                opt("metric_threshold", FLOAT, doc="a bootstrapping run passes at this score"),
                opt("program_aware_proposer", BOOL, default=True, doc="show the prompt model the program's structure"),
                opt("data_aware_proposer", BOOL, default=True, doc="show the prompt model a summary of the trainset"),
                opt("tip_aware_proposer", BOOL, default=True, doc="give the prompt model a random tip per proposal"),
                opt("fewshot_aware_proposer", BOOL, default=True, doc="show the prompt model bootstrapped demos"),
                opt("view_data_batch_size", INT, default=10, minimum=1, doc="trainset rows per data-summary request"),
                _ADAPTERS,
            ),
        ),
        "SIMBA": Schema(
            "optimizer `SIMBA`",
            (
                opt("bsize", INT, default=32, minimum=1, doc="trainset rows per minibatch (step)"),
                opt(
                    "num_candidates", INT, default=6, minimum=1, doc="samples per row, and new candidates per step - 1"
                ),
                opt("max_steps", INT, default=8, minimum=1, doc="steps: a minibatch, its samples, new candidates"),
                opt("max_demos", INT, default=4, minimum=0, doc="demos a module may hold (0: append rules only)"),
                opt("prompt_model", Ref("lm"), doc="the lm that writes rules (none: the task's)"),
                opt(
                    "demo_input_field_maxlen",
                    INT,
                    default=100_000,
                    minimum=0,
                    doc="characters kept of an input value in a new demo (0: all)",
                ),
                opt("num_threads", INT, minimum=1, doc="runs at once (none: the build's --threads)"),
                opt(
                    "temperature_for_sampling",
                    FLOAT,
                    default=0.2,
                    minimum=0.0,
                    doc="softmax temperature picking the program of each sampled run (0: the best)",
                ),
                opt(
                    "temperature_for_candidates",
                    FLOAT,
                    default=0.2,
                    minimum=0.0,
                    doc="softmax temperature picking the program each new candidate starts from (0: the best)",
                ),
            ),
        ),
        "GEPA": Schema(
            "optimizer `GEPA`",
            (
                opt(
                    "auto",
                    Choice(("light", "medium", "heavy"), nullable=True),
                    doc="light, medium or heavy: GEPA sizes its run (one of auto, max_full_evals, max_metric_calls)",
                ),
                opt("max_full_evals", INT, minimum=1, doc="the run's size in evaluations of the trainset and valset"),
                opt("max_metric_calls", INT, minimum=1, doc="the run's size in scored program runs"),
                opt("reflection_minibatch_size", INT, default=3, minimum=1, doc="trainset rows per reflection"),
                opt(
                    "candidate_selection_strategy",
                    Choice(("pareto", "current_best")),
                    default="pareto",
                    doc="the candidate each step improves: drawn from the Pareto frontier, or the best",
                ),
                opt("reflection_lm", Ref("lm"), doc="the lm that reflects and writes instructions (none: the task's)"),
                opt("skip_perfect_score", BOOL, default=True, doc="no reflection on a minibatch scored perfectly"),
                opt(
                    "component_selector",
                    Choice(("round_robin", "all")),
                    default="round_robin",
                    doc="the modules each reflection rewrites: one in turn, or all",
                ),
                opt("use_merge", BOOL, default=True, doc="also merge two candidates of the frontier"),
                opt("max_merge_invocations", INT, default=5, minimum=0, doc="merges tried at most"),
                opt("num_threads", INT, minimum=1, doc="runs at once (none: the build's --threads)"),
                opt("failure_score", FLOAT, default=0.0, doc="the score of a run that failed"),
                opt("perfect_score", FLOAT, default=1.0, doc="the metric's best score (skip_perfect_score)"),
                opt("track_stats", BOOL, default=False, doc="log the frontier and every candidate's lineage"),
                opt("seed", INT, doc="the run's seed (none: the optimize block's seed, DSPy's 0 at seed 0)"),
            ),
        ),
        "BootstrapFinetune": Schema(
            "optimizer `BootstrapFinetune`",
            (
                opt("multitask", BOOL, default=True, doc="one fine-tune for all modules (false: one per module)"),
                opt("exclude_demos", BOOL, default=False, doc="leave the modules' demos out of the training messages"),
                opt("num_threads", INT, minimum=1, doc="teacher runs at once (none: --threads)"),
                opt(
                    "max_wait_s",
                    FLOAT,
                    default=86400.0,
                    minimum=0.0,
                    doc="seconds to wait for the fine-tuning jobs (0: start them and stop)",
                ),
            ),
        ),
        "Calibrate": Schema(
            "optimizer `Calibrate`",
            (
                opt(
                    "candidates", INT, default=1, minimum=1, doc="the previous optimizer's best candidates to calibrate"
                ),
            ),
        ),
        "Ensemble": Schema(
            "optimizer `Ensemble`",
            (
                opt(
                    "reduce_fn",
                    Choice(("majority",), bare=True),
                    default="majority",
                    doc="how the members' outputs are reduced (majority only)",
                ),
                opt("size", INT, minimum=1, doc="members: the best candidates (none: all)"),
            ),
        ),
    }
)

# What an optimizer's option block accepts: its own options, then the budget options.
OPTIMIZERS: Mapping[str, Schema] = MappingProxyType(
    {name: Schema(schema.owner, schema.options + BUDGET_OPTIONS) for name, schema in OWN_OPTIONS.items()}
)

# Optimizers that combine the previous optimizer's scored candidates, and those that leave them
# with their parameters (``optimize.base.Search``).
NEEDS_CANDIDATES = frozenset({"Ensemble"})
GIVES_CANDIDATES = frozenset({"BootstrapFewShotWithRandomSearch", "Calibrate", "SIMBA", "GEPA"})

# MIPROv2 chooses these itself unless `auto` is `none` (then both are required).
MIPRO_MANUAL_OPTIONS = ("num_candidates", "num_trials")

# GEPA's run size: exactly one of these is set (DSPy asserts it).
GEPA_SIZE_OPTIONS = ("auto", "max_full_evals", "max_metric_calls")
