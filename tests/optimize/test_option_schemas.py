"""One table of optimizer options (``lmc/schemas/optimizers.py``): ``lmc check`` and ``create_optimizer`` agree on it.

The checker validates option blocks against the table's rich value types;
``create_optimizer`` applies specs derived from it. Every probe below writes
one value into every option of an optimizer block, runs the checks, and
asks the runtime about the same values: both must refuse the same options.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lmc.checks import run_checks
from lmc.optimize import OPTIMIZERS, OptionError, OptionSpec, ensemble
from lmc.optimize.core.budget import split_budget
from lmc.optimize.core.options import resolve
from lmc.schemas import blocks as check_schemas
from lmc.schemas import optimizers as schemas
from lmc.schemas import sizes
from lmc.schemas.vocabulary import FLOAT, INT, STR, ListOf, opt
from lmc.schemas.vocabulary import OptionSpec as TableSpec
from lmc.syntax.parse import parse

Probe = Callable[[TableSpec], object]
_SKIP = object()


def _below(spec: TableSpec) -> object:
    if spec.above is not None:
        return spec.above
    if spec.minimum is None:
        return _SKIP
    return spec.minimum - 1 if spec.type == INT else spec.minimum - 0.5


def _lowest(spec: TableSpec) -> object:
    if spec.above is not None:
        return spec.above + 0.5
    if spec.minimum is None:
        return _SKIP
    return int(spec.minimum) if spec.type == INT else float(spec.minimum)


def _wrong_type(spec: TableSpec) -> object:
    return {INT: 2.5, FLOAT: "x"}.get(spec.type, 3)  # a bool, a name or a word: a number is wrong


def _int_for_float(spec: TableSpec) -> object:
    return _SKIP if spec.type != FLOAT else int(max(spec.minimum or 0, spec.above or 0) + 1)


PROBES: dict[str, Probe] = {
    "none": lambda spec: None,
    "below the bound": _below,
    "at the bound": _lowest,
    "wrong type": _wrong_type,
    "an integer for a number": _int_for_float,
}


def _literal(value: object) -> str:
    if value is None:
        return "none"
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _checker_refuses(tmp_path: Path, optimizer: str, values: dict[str, object]) -> set[str]:
    """The options ``lmc check`` reports (E402 wrong type, E404 out of range) in ``optimizer { values }``."""
    (tmp_path / "d.jsonl").write_text('{"q": "a", "a": "b"}\n' * 40, encoding="utf-8")
    block = ", ".join(f"{key}: {_literal(value)}" for key, value in values.items())
    text = (
        'signature QA = "q -> a"\nprogram p(q: str) -> (a: str) {\n  module m = Predict(QA)\n  return m(q=q)\n}\n'
        'metric em = exact_match(a)\ndataset d = "d.jsonl" { inputs: [q] }\n'
        f"optimize p {{ optimizer: {optimizer} {{ {block} }}, metric: em, trainset: d }}\n"
    )
    source, syntax = parse(text, "o.lmp")
    assert source is not None and not syntax
    found = [d for d in run_checks(source, tmp_path) if d.code in ("E402", "E404")]
    return {d.message.split("`")[1] for d in found}


def _runtime_refuses(optimizer: str, key: str, value: object) -> bool:
    """Whether the build refuses ``key: value`` (the budget split, then the optimizer's own specs)."""
    try:
        _, own = split_budget(optimizer, {key: value})
        resolve(optimizer, OPTIMIZERS[optimizer].options, own)
    except OptionError:
        return True
    return False


@pytest.mark.parametrize("probe", PROBES, ids=list(PROBES))
@pytest.mark.parametrize("optimizer", list(schemas.OPTIMIZERS))
def test_the_checker_and_create_optimizer_refuse_the_same_values(tmp_path: Path, optimizer: str, probe: str):
    values = {spec.name: PROBES[probe](spec) for spec in schemas.OPTIMIZERS[optimizer].options}
    values = {key: value for key, value in values.items() if value is not _SKIP}  # the budget's always probed
    runtime = {key for key, value in values.items() if _runtime_refuses(optimizer, key, value)}
    assert _checker_refuses(tmp_path, optimizer, values) == runtime
    if probe in ("below the bound", "wrong type"):
        assert runtime == set(values)  # every probed option refuses it: the comparison is not vacuous


def test_the_checker_reads_the_optimizers_table_itself():
    assert check_schemas.OPTIMIZERS is schemas.OPTIMIZERS
    assert check_schemas.NEEDS_CANDIDATES is schemas.NEEDS_CANDIDATES
    assert check_schemas.GIVES_CANDIDATES is schemas.GIVES_CANDIDATES
    assert check_schemas.MIPRO_MANUAL_OPTIONS is schemas.MIPRO_MANUAL_OPTIONS


def test_every_registered_optimizer_has_a_table_and_every_table_an_optimizer():
    assert set(schemas.OWN_OPTIONS) == set(OPTIMIZERS) == set(schemas.OPTIMIZERS)
    assert schemas.NEEDS_CANDIDATES | schemas.GIVES_CANDIDATES <= set(OPTIMIZERS)
    budget = tuple(spec.name for spec in schemas.BUDGET_OPTIONS)
    for name, schema in schemas.OPTIMIZERS.items():
        assert schema.keys() == schemas.OWN_OPTIONS[name].keys() + budget, name


def test_the_table_lists_the_words_the_optimizers_take():
    auto = schemas.OWN_OPTIONS["MIPROv2"].get("auto")
    reduce_fn = schemas.OWN_OPTIONS["Ensemble"].get("reduce_fn")
    assert auto is not None and auto.type.values == tuple(sizes.AUTO_RUN_SETTINGS)
    assert reduce_fn is not None and reduce_fn.type.values == ensemble.REDUCE_FUNCTIONS
    assert set(schemas.MIPRO_MANUAL_OPTIONS) <= set(schemas.OWN_OPTIONS["MIPROv2"].keys())


def test_a_table_entry_without_a_runtime_form_is_refused():
    with pytest.raises(ValueError, match="`cost`: only a lower bound"):
        OptionSpec.from_schema(opt("cost", FLOAT, above=0.0))
    with pytest.raises(ValueError, match="`p`: only a lower bound"):
        OptionSpec.from_schema(opt("p", FLOAT, minimum=0.0, maximum=1.0))
    with pytest.raises(TypeError, match="`stop`: a list of strings has no runtime spec"):
        OptionSpec.from_schema(opt("stop", ListOf(STR)))


def test_a_name_or_a_word_reaches_the_optimizer_as_a_string():
    assert OPTIMIZERS["COPRO"].options["prompt_model"] == OptionSpec(
        str, None, nullable=True, doc="the lm that proposes instructions (none: the task's)"
    )
    auto = OPTIMIZERS["MIPROv2"].options["auto"]
    assert (auto.type, auto.default, auto.nullable) == (str, "light", True)
    reduce_fn = OPTIMIZERS["Ensemble"].options["reduce_fn"]
    assert (reduce_fn.type, reduce_fn.nullable) == (str, False)
