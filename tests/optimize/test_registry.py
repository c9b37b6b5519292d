import dataclasses

import pytest

from lmc.optimize import (
    OPTIMIZERS,
    BootstrapFewShot,
    BootstrapFewShotWithRandomSearch,
    LabeledFewShot,
    OptionError,
    create_optimizer,
)

# DSPy's constructor defaults (dspy/teleprompt/vanilla.py, bootstrap.py, random_search.py).
DSPY_DEFAULTS = {
    "LabeledFewShot": {"k": 16},
    "BootstrapFewShot": {
        "max_bootstrapped_demos": 4,
        "max_labeled_demos": 16,
        "max_rounds": 1,
        "max_errors": None,
        "metric_threshold": None,
    },
    "BootstrapFewShotWithRandomSearch": {
        "max_bootstrapped_demos": 4,
        "max_labeled_demos": 16,
        "max_rounds": 1,
        "num_candidate_programs": 16,
        "num_threads": None,
        "max_errors": None,
        "stop_at_score": None,
        "metric_threshold": None,
        "adapters": None,  # lmc's: the adapters the search chooses from (DSPy searches none)
    },
    "COPRO": {"breadth": 10, "depth": 3, "init_temperature": 1.4, "track_stats": False, "prompt_model": None},
    # DSPy's constructor and compile() options; `seed: none` is the block's seed + DSPy's 9.
    "MIPROv2": {
        "auto": "light",
        "num_candidates": None,
        "max_bootstrapped_demos": 4,
        "max_labeled_demos": 4,
        "num_trials": None,
        "minibatch": True,
        "minibatch_size": 35,
        "minibatch_full_eval_steps": 5,
        "init_temperature": 1.0,
        "prompt_model": None,
        "task_model": None,
        "seed": None,
        "num_threads": None,
        "max_errors": None,
        "metric_threshold": None,
        "program_aware_proposer": True,
        "data_aware_proposer": True,
        "tip_aware_proposer": True,
        "fewshot_aware_proposer": True,
        "view_data_batch_size": 10,
        "adapters": None,  # lmc's, as for the random search
    },
    # DSPy's reduce_fn defaults to None (a list of every member's outputs); a package returns one result.
    "Ensemble": {"reduce_fn": "majority", "size": None},
    # lmc's own (DSPy has no calibration): the previous optimizer's best candidate.
    "Calibrate": {"candidates": 1},
    # DSPy's KNNFewShot takes k positionally (required) and BootstrapFewShot's options.
    "KNNFewShot": {"k": None, "max_bootstrapped_demos": 4, "max_labeled_demos": 16},
    # DSPy's SIMBA constructor (dspy/teleprompt/simba.py) less `metric` and `teacher_settings`
    # (the block's metric and `teacher:`); the seed is compile()'s, the block's.
    "SIMBA": {
        "bsize": 32,
        "num_candidates": 6,
        "max_steps": 8,
        "max_demos": 4,
        "prompt_model": None,
        "demo_input_field_maxlen": 100_000,
        "num_threads": None,
        "temperature_for_sampling": 0.2,
        "temperature_for_candidates": 0.2,
    },
    # DSPy's GEPA constructor (dspy/teleprompt/gepa/gepa.py) less `metric`, its logging and tracking
    # options and its custom hooks (instruction_proposer, gepa_kwargs); `seed: none` is the block's (DSPy: 0).
    "GEPA": {
        "auto": None,
        "max_full_evals": None,
        "max_metric_calls": None,
        "reflection_minibatch_size": 3,
        "candidate_selection_strategy": "pareto",
        "reflection_lm": None,
        "skip_perfect_score": True,
        "component_selector": "round_robin",
        "use_merge": True,
        "max_merge_invocations": 5,
        "num_threads": None,
        "failure_score": 0.0,
        "perfect_score": 1.0,
        "track_stats": False,
        "seed": None,
    },
    # max_wait_s is lmc's: DSPy waits for a fine-tuning job however long it takes.
    "BootstrapFinetune": {"multitask": True, "exclude_demos": False, "num_threads": None, "max_wait_s": 86400.0},
}


def test_schemas_use_dspy_names_and_defaults():
    assert {name: {k: s.default for k, s in info.options.items()} for name, info in OPTIMIZERS.items()} == DSPY_DEFAULTS


@pytest.mark.parametrize("name", list(DSPY_DEFAULTS))
def test_class_defaults_match_the_schema(name):
    cls = OPTIMIZERS[name].factory
    assert cls.name == name
    # A required option (KNNFewShot's k) has no default in its class and none in the table.
    defaults = {f.name: None if f.default is dataclasses.MISSING else f.default for f in dataclasses.fields(cls)}
    assert defaults == DSPY_DEFAULTS[name]


def test_create_optimizer_lists_the_options_in_the_constructors_order():
    """The order of the class's fields (DSPy's constructor), whatever the order of the checker's table."""
    with pytest.raises(OptionError) as raised:
        create_optimizer("BootstrapFewShotWithRandomSearch", {"max_demos": 3})
    assert str(raised.value) == (
        "BootstrapFewShotWithRandomSearch has no option `max_demos` (it takes: max_bootstrapped_demos, "
        "max_labeled_demos, max_rounds, num_candidate_programs, num_threads, max_errors, stop_at_score, "
        "metric_threshold, adapters)"
    )


def test_create_optimizer_fills_defaults_and_coerces_numbers():
    opt = create_optimizer("BootstrapFewShotWithRandomSearch", {"max_labeled_demos": 4, "stop_at_score": 90})
    assert opt == BootstrapFewShotWithRandomSearch(max_labeled_demos=4, stop_at_score=90.0)
    assert isinstance(opt.stop_at_score, float)
    assert create_optimizer("LabeledFewShot") == LabeledFewShot(k=16)


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("Nope", {}, "unknown optimizer `Nope`"),
        ("LabeledFewShot", {"kk": 3}, "LabeledFewShot has no option `kk` (it takes: k)"),
        ("LabeledFewShot", {"k": "3"}, "option `k`: expected an integer, got a string"),
        ("LabeledFewShot", {"k": True}, "option `k`: expected an integer, got a boolean"),
        ("LabeledFewShot", {"k": 2.5}, "option `k`: expected an integer, got a number"),
        ("LabeledFewShot", {"k": None}, "option `k`: expected an integer, got none"),
        ("LabeledFewShot", {"k": -1}, "option `k`: must be at least 0, got -1"),
        ("BootstrapFewShot", {"max_rounds": 0}, "option `max_rounds`: must be at least 1, got 0"),
        ("BootstrapFewShot", {"metric_threshold": "high"}, "expected a number or none, got a string"),
    ],
)
def test_bad_options_are_rejected_with_a_clear_message(name, options, message):
    with pytest.raises(OptionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        create_optimizer(name, options)


def test_none_is_accepted_where_dspy_defaults_to_none():
    assert create_optimizer("BootstrapFewShot", {"max_errors": None, "metric_threshold": None}) == BootstrapFewShot()


def test_the_adapters_option_takes_a_list_of_adapter_names():
    made = create_optimizer("BootstrapFewShotWithRandomSearch", {"adapters": ["chat", "json"]})
    assert made.adapters == ("chat", "json")
    with pytest.raises(OptionError, match="`adapters`: 'yaml' is not one of chat, json, xml, two_step"):
        create_optimizer("MIPROv2", {"adapters": ["chat", "yaml"]})
    with pytest.raises(OptionError, match="`adapters`: expected a list or none, got a string"):
        create_optimizer("MIPROv2", {"adapters": "chat"})


def test_every_optimizer_of_the_table_is_registered_by_its_own_name():
    from lmc.schemas.optimizers import OPTIMIZERS as TABLE

    assert set(OPTIMIZERS) == set(TABLE)
    assert all(OPTIMIZERS[name].name == name for name in OPTIMIZERS)
    assert "Nope" not in OPTIMIZERS and OPTIMIZERS.get("Nope") is None
    with pytest.raises(KeyError):
        OPTIMIZERS["Nope"]


def test_an_optimizer_module_is_imported_only_when_that_optimizer_is_made():
    """A build that runs a random search does not pay for importing SIMBA, GEPA, MIPROv2, COPRO, ..."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from lmc.optimize import create_optimizer\n"
        "create_optimizer('BootstrapFewShotWithRandomSearch', {})\n"
        "print(sorted(m for m in sys.modules if m.startswith('lmc.optimize.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    loaded = set(eval(out))  # noqa: S307  (our own probe's printed list)
    assert "lmc.optimize.fewshot.random_search" in loaded
    for other in ("simba", "gepa", "mipro.optimizer", "copro", "finetune", "calibrate", "ensemble", "fewshot.knn"):
        assert f"lmc.optimize.{other}" not in loaded, other
