"""The text of every check diagnostic, in one place.

Messages say what is wrong at the span; ``*_help`` texts say how to fix it.
Keeping them here keeps the wording consistent and lets ``docs/diagnostics.md``
be checked against them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..diagnostics.core import Span
from ..schemas.blocks import OptionSpec, ValueType, article


def _names(names: Iterable[str], limit: int = 8) -> str:
    items = [f"`{n}`" for n in sorted(names)]
    if not items:
        return "none"
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" and {len(items) - limit} more"
    return ", ".join(items)


def _ordered(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names) or "none"


def first_at(span: Span, what: str, fix: str = "rename one of them") -> str:
    return f"{what} is at line {span.line}, column {span.col}; {fix}"


def declared_at(name: str, span: Span) -> str:
    return f"`{name}` is declared at line {span.line}"


def one_of(words: Iterable[str]) -> str:
    return f"expected one of {_ordered(words)}"


def rename_help(name: str) -> str:
    return f"rename `{name}`, for example to `{name}_`"


# ---------------------------------------------------------------- E1xx names


def duplicate_decl(name: str) -> str:
    return f"`{name}` is declared twice"


def optimized_twice(program: str) -> str:
    return f"program `{program}` has a second `optimize` block"


def duplicate_param(name: str) -> str:
    return f"parameter `{name}` is declared twice"


def duplicate_local(name: str) -> str:
    return f"`{name}` is declared twice in this program"


def assign_to_module(name: str) -> str:
    return f"cannot assign to `{name}`: it is a module of this program"


def unknown_name(what: str, name: str) -> str:
    return f"unknown {what} `{name}`"


def declare_hint(wanted: str, candidates: Iterable[str]) -> str:
    existing = list(candidates)
    if existing:
        return f"expected {wanted}; the file declares {_names(existing)}"
    return f"expected {wanted}, but the file declares none; declare it first"


def bare_container(name: str) -> str:
    return f"`{name}` needs its item type"


def bare_container_help(name: str) -> str:
    return "write `list[str]`" if name == "list" else "write `dict[str, int]` (keys are always `str`)"


def wrong_kind(name: str, actual: str, wanted: str) -> str:
    return f"`{name}` is {article(actual)} {actual}, but {wanted} is expected here"


def unknown_module_kind(kind: str) -> str:
    return f"unknown module kind `{kind}`"


def unknown_retriever_kind(kind: str) -> str:
    return f"unknown retriever kind `{kind}`"


def unknown_optimizer(name: str) -> str:
    return f"unknown optimizer `{name}`"


def unknown_metric_function(name: str) -> str:
    return f"unknown metric function `{name}`"


def metric_function_help() -> str:
    return 'use `exact_match(field)`, `f1(field)`, `contains(field)`, `judge(Signature)` or `python "module:function"`'


def python_keyword(name: str, role: str) -> str:
    return f"`{name}` is a Python keyword and cannot name a {role}"


def shadows_builtin(name: str, what: str) -> str:
    return f"`{name}` is the name of a built-in {what} and cannot be reused"


def shadows_decl(name: str, role: str, kind: str) -> str:
    return f"{role} `{name}` has the name of {article(kind)} {kind} declared in this file"


def module_as_value(name: str) -> str:
    return f"`{name}` is a module; it can be called but not used as a value"


def module_as_value_help(name: str) -> str:
    return f"call it with its inputs: `{name}(field=...)`"


def decl_as_value(name: str, kind: str) -> str:
    return f"`{name}` is {article(kind)} {kind}, not a value"


def decl_as_value_help(name: str, kind: str) -> str:
    if kind in ("tool", "retriever", "program"):
        return f"call it: `{name}(...)`"
    if kind == "signature":
        return f"declare a module with it, `module m = Predict({name})`, and call `m(...)`"
    return "only variables, parameters and literals are values in a program body"


def call_variable(name: str) -> str:
    return f"`{name}` is a variable and cannot be called"


def callable_help() -> str:
    return "modules, tools, retrievers, programs and the built-ins `unique`, `len`, `join`, `majority` can be called"


def not_callable(name: str, kind: str) -> str:
    return f"`{name}` is {article(kind)} {kind} and cannot be called"


def not_callable_help(name: str, kind: str) -> str:
    if kind == "signature":
        return f"declare a module first, `module m = Predict({name})`, then call `m(...)`"
    if kind == "metric":
        return "metrics are used by `optimize` and `evaluate` blocks, not called in programs"
    return callable_help()


def unknown_variable_help() -> str:
    return "assign it first (`x = ...`) or add it to the program's parameters"


def unknown_member(enum: str, member: str) -> str:
    return f"enum `{enum}` has no member `{member}`"


def members_are(members: Iterable[str]) -> str:
    return f"its members are {_ordered(members)}"


# ---------------------------------------------------------------- E2xx types


def empty_enum(name: str) -> str:
    return f"enum `{name}` has no members"


def empty_enum_help() -> str:
    return "list its members: `enum Color { red, green }`"


def duplicate_member(enum: str, member: str) -> str:
    return f"enum `{enum}` lists `{member}` twice"


def duplicate_field(name: str, owner: str) -> str:
    return f"field `{name}` appears twice in {owner}"


def no_outputs(name: str) -> str:
    return f"signature `{name}` has no output fields"


def no_outputs_help(from_string: bool) -> str:
    return 'name outputs after the arrow: "question -> answer"' if from_string else "add one: `out answer: str`"


def no_inputs(name: str) -> str:
    return f"signature `{name}` has no input fields"


def no_inputs_help(from_string: bool) -> str:
    return 'name inputs before the arrow: "question -> answer"' if from_string else "add one: `in question: str`"


def dict_key() -> str:
    return "dictionary keys must be `str`"


def dict_key_help() -> str:
    return "LM outputs are JSON, whose object keys are strings: write `dict[str, T]`"


def duplicate_literal(value: str) -> str:
    return f'the literal "{value}" appears twice in this union'


def duplicate_literal_help(value: str) -> str:
    return f'remove the second "{value}"'


def recursive_type(name: str, chain: str) -> str:
    return f"type `{name}` contains itself ({chain}), so no value of it can be written"


def recursive_type_help() -> str:
    return "make the field optional (`T?`) or a list (`list[T]`) to end the chain"


def bad_default(name: str, expected: str) -> str:
    return f"the default of `{name}` is not {expected}"


def bad_default_help() -> str:
    return "give a default of the parameter's type, or change the type"


# ------------------------------------------------------------- E3xx programs


def missing_arguments(what: str, missing: list[str]) -> str:
    noun = "input" if len(missing) == 1 else "inputs"
    return f"{what} is called without {noun} {_ordered(missing)}"


def missing_arguments_help(missing: list[str]) -> str:
    return "add " + ", ".join(f"`{m}=...`" for m in missing)


def unknown_argument(key: str, what: str) -> str:
    return f"{what} has no input `{key}`"


def signature_help(what: str, params: Iterable[str]) -> str:
    return f"{what} takes {_ordered(params)}"


def argument_twice(key: str, what: str) -> str:
    return f"`{key}` is given twice in this call of {what}"


def argument_twice_help(key: str) -> str:
    return f"keep one `{key}`"


def positional_argument(what: str) -> str:
    return f"{what} takes keyword arguments only"


def positional_help(hint: str | None) -> str:
    return f"name the input: `{hint}=...`" if hint else "name each input: `field=value`"


def too_many_arguments(what: str, most: int) -> str:
    return f"too many arguments for {what} (it takes at most {most})"


def used_before_assignment(name: str) -> str:
    return f"`{name}` is used before it is assigned"


def possibly_unassigned(name: str) -> str:
    return f"`{name}` is possibly unassigned here: not every path before this line assigns it"


def unassigned_in_loop(name: str) -> str:
    return f"`{name}` is unassigned here in the loop's first round: it is assigned further down the loop"


def unassigned_in_loop_help(name: str) -> str:
    return f"give `{name}` a first value before the loop"


def unassigned_help(name: str) -> str:
    return f"assign `{name}` before this line"


def possibly_unassigned_help(name: str) -> str:
    return f"assign `{name}` on every path to this line: in each branch, or once before the `if` or loop"


def missing_return(program: str, has_return: bool) -> str:
    if has_return:
        return f"program `{program}` can reach its end without returning its outputs"
    return f"program `{program}` never returns its outputs"


def missing_return_help() -> str:
    return "end every path with `return module(...)` or `return { field: value, ... }`"


def _outputs_of(missing: list[str], program: str) -> str:
    noun = "an output" if len(missing) == 1 else "outputs"
    return f"{_ordered(missing)}, {noun} of program `{program}`"


def record_missing(program: str, missing: list[str]) -> str:
    return f"this record lacks {_outputs_of(missing, program)}"


def record_missing_help(missing: list[str]) -> str:
    return "add " + ", ".join(f"`{m}: ...`" for m in missing)


def not_an_output(field: str, program: str) -> str:
    return f"program `{program}` has no output `{field}`"


def outputs_are(program: str, outputs: Iterable[str]) -> str:
    return f"the outputs of `{program}` are {_ordered(outputs)}"


def returns_value(program: str, desc: str) -> str:
    return f"program `{program}` returns {desc}, not its outputs"


def returns_value_help(outputs: list[str]) -> str:
    fields = ", ".join(f"{o}: ..." for o in outputs)
    return f"return a module call or a record: `return {{ {fields} }}`"


def return_lacks(desc: str, program: str, missing: list[str]) -> str:
    return f"{desc} does not produce {_outputs_of(missing, program)}"


def return_lacks_help(shape: object, missing: list[str]) -> str:
    fields = list(getattr(shape, "fields", None) or ())
    return f"it produces {_ordered(fields)}; return a record to map fields: `return {{ {missing[0]}: ... }}`"


def no_such_field(attr: str, desc: str) -> str:
    return f"`{attr}` is not a field of {desc}"


def fields_are(desc: str, fields: Iterable[str]) -> str:
    return f"the fields of {desc} are {_ordered(fields)}"


def no_fields(desc: str, attr: str) -> str:
    return f"{desc} has no fields, so `.{attr}` cannot be read"


def no_fields_help() -> str:
    return "only predictions (results of module and program calls) and records have fields"


def recursion(program: str, chain: str) -> str:
    return f"program `{program}` calls itself ({chain})"


def recursion_help() -> str:
    return "programs cannot be recursive; use `repeat N { ... }` for a bounded loop"


def repeat_count() -> str:
    return "`repeat` needs a positive whole number"


def repeat_count_help() -> str:
    return "write a literal count, like `repeat 3 { ... }`; use `for x in list { ... }` to loop over values"


def unreachable() -> str:
    return "this statement is never run: it follows a `return`"


def unreachable_help() -> str:
    return "remove it or move it before the `return`"


def unused_module(name: str) -> str:
    return f"module `{name}` is declared but never called"


def unused_module_help() -> str:
    return "call it or remove it; an unused module still gets optimized"


def kind_field_clash(kind: str, signature: str, field: str, *, output: bool) -> str:
    what = f"adds its own `{field}` output" if output else f"uses a field `{field}` of its own"
    return f"`{kind}` {what}, but signature `{signature}` already has a field `{field}`"


def kind_field_clash_help(field: str) -> str:
    return f"rename the field `{field}` in the signature, or use `Predict`"


def finish_tool_clash(tool: str) -> str:
    return f"`ReAct` adds its own tool `{tool}` (the agent calls it when it is done); a tool `{tool}` would clash"


def finish_tool_clash_help(tool: str) -> str:
    return f"rename the tool `{tool}`, for example to `{tool}_task`"


# -------------------------------------------------------------- E4xx options


def unknown_option(key: str, owner: str) -> str:
    return f"unknown option `{key}` for {owner}"


def valid_options(keys: tuple[str, ...]) -> str:
    return f"valid options: {_ordered(keys)}" if keys else "this takes no options; remove the block"


def wrong_type(key: str, expected: str, got: str) -> str:
    return f"`{key}` expects {expected}, got {got}"


def wrong_type_help(value: object, vtype: ValueType) -> str:
    from ..ir import nodes as ir  # local: messages stay free of IR at import time
    from ..schemas.blocks import Ref, Scalar

    if isinstance(vtype, Ref) and isinstance(value, ir.Const) and isinstance(value.value, str):
        return f"write the name without quotes: `{value.value}`"
    if isinstance(vtype, Scalar) and isinstance(value, ir.Const) and isinstance(value.value, str):
        try:
            float(value.value)
        except ValueError:
            pass
        else:
            return f"write the number without quotes: `{value.value}`"
    if isinstance(vtype, Scalar) and vtype.name == "str" and isinstance(value, ir.NameValue):
        return f'write it in quotes: "{value.name.name}"'
    examples = {"int": "`4`", "float": "`0.5`", "bool": "`true` or `false`", "str": '`"text"`'}
    if isinstance(vtype, Scalar):
        return f"write {vtype.describe()}, like {examples[vtype.name]}"
    return f"write {vtype.describe()}"


def missing_option(owner: str, key: str) -> str:
    return f"{owner} needs the option `{key}`"


def missing_option_help(spec: OptionSpec) -> str:
    return f"add `{spec.name}: ...` ({spec.type.describe()})"


def below_minimum(key: str, minimum: float, value: float) -> str:
    return f"`{key}` must be at least {_num(minimum)}, got {_num(value)}"


def above_maximum(key: str, maximum: float, value: float) -> str:
    return f"`{key}` must be at most {_num(maximum)}, got {_num(value)}"


def not_above(key: str, bound: float, value: float) -> str:
    return f"`{key}` must be greater than {_num(bound)}, got {_num(value)}"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def range_help(spec: OptionSpec) -> str:
    if spec.minimum is not None and spec.maximum is not None:
        allowed = f"from {_num(spec.minimum)} to {_num(spec.maximum)}"
    elif spec.above is not None:
        allowed = f"greater than {_num(spec.above)}"
    else:
        allowed = f"of at least {_num(spec.minimum or 0)}"
    default = f" (the default is {spec.default})" if isinstance(spec.default, (int, float)) else ""
    return f"use a value {allowed}{default}"


def not_a_choice(key: str, expected: str, got: str) -> str:
    return f'`{key}` must be {expected}, got "{got}"'


def choice_help(expected: str) -> str:
    return f"use {expected}"


def empty_list(key: str) -> str:
    return f"`{key}` is empty"


def empty_inputs_help() -> str:
    return "list the fields the program receives: `inputs: [question]`"


def optimizer_help() -> str:
    return "give at least one optimizer, e.g. `optimizer: BootstrapFewShot`"


def duplicate_option(key: str) -> str:
    return f"option `{key}` is given twice"


def api_key_in_file() -> str:
    return "an API key must not be written in a file"


def api_key_env_not_a_name() -> str:
    return "`api_key_env` must name an environment variable, and this is not a variable name"


def api_key_help() -> str:
    return 'put the key in an environment variable and name it: `api_key_env: "OPENAI_API_KEY"`'


def needs_candidates(name: str, previous: str | None) -> str:
    after = f"after `{previous}`, which scores no candidates" if previous else "first in the chain"
    return f"`{name}` combines the scored candidates of the optimizer before it, and comes {after}"


def needs_candidates_help() -> str:
    return "chain it after a search, e.g. `optimizer: [BootstrapFewShotWithRandomSearch, Ensemble { size: 3 }]`"


def mipro_auto_conflict(key: str) -> str:
    return f"`{key}` cannot be set while `auto` chooses the search size"


def mipro_auto_help() -> str:
    return "set `auto: none` to choose `num_candidates` and `num_trials` yourself, or remove this option"


def mipro_manual_missing(key: str) -> str:
    return f"`MIPROv2` with `auto: none` needs the option `{key}`"


def mipro_manual_help(key: str) -> str:
    return f'add `{key}: ...` (an integer), or use `auto: "light"`'


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def more_demos_than_rows(key: str, value: int, trainset: str, rows: int) -> str:
    return f"`{key}` asks for {value} demos, but trainset `{trainset}` has {_rows(rows)}: at most {rows} will be used"


def more_neighbours_than_rows(value: int, trainset: str, rows: int) -> str:
    return (
        f"`k` asks for the {value} nearest examples, but trainset `{trainset}` has {_rows(rows)}: "
        f"each call will use {'it' if rows == 1 else f'all {rows}'}"
    )


def fewer_rows_help(key: str, rows: int, path: str) -> str:
    return f"set `{key}: {rows}` or less, or add examples to {path}"


def calibrate_not_greedy(model: str) -> str:
    return f"`Calibrate` reads log-probabilities, which `{model}` gives at temperature 0 only"


def calibrate_greedy_help() -> str:
    return "set `temperature: 0.0` in the options of `lm default`"


def minibatch_too_large(size: int, rows: int, scored_on: str) -> str:
    return f"`MIPROv2` cannot draw minibatches of {size} rows from the {_rows(rows)} {scored_on}"


def minibatch_scored_on(dataset: str, valset: bool, auto: str | None, sampled: bool) -> str:
    """Where MIPROv2's rows come from, completing ``minibatch_too_large``."""
    where = f"of valset `{dataset}`" if valset else f"of trainset `{dataset}` (the block has no valset)"
    return f'`auto: "{auto}"` keeps {where}' if sampled else where


def minibatch_help(rows: int, auto: str | None) -> str:
    smaller = f"set `minibatch_size: {rows}` or less"
    if auto is not None:  # auto mode decides `minibatch` itself
        return smaller
    return f"{smaller}, or `minibatch: false` to score every trial on the whole valset"


# ---------------------------------------------------- E5xx metrics and data


def metric_arity(fn: str, argument: str, got: int) -> str:
    return f"`{fn}` takes exactly one {argument} name, got {got}"


def metric_arity_help(fn: str, argument: str) -> str:
    return f"write `{fn}(Signature)`" if argument == "signature" else f"write `{fn}(answer)` with one output field"


def judge_outputs(signature: str, outputs: str) -> str:
    return f"a judge signature needs exactly one `bool` or `float` output; `{signature}` has {outputs}"


def judge_outputs_help() -> str:
    return "give it a single verdict, e.g. `out correct: bool` or `out score: float`"


def judge_input_missing(metric: str, field: str, program: str, dataset: str) -> str:
    return (
        f"judge metric `{metric}` needs input `{field}`, which is neither an output of program `{program}` "
        f"nor a field of dataset `{dataset}`"
    )


def judge_input_missing_help(field: str, outputs: Iterable[str], fields: Iterable[str]) -> str:
    return (
        f"rename `{field}` to an output or a data field: the program outputs {_names(outputs)}; "
        f"{data_fields_are(fields)}"
    )


def reward_not_python(metric: str, function: str, module: str) -> str:
    return (
        f"metric `{metric}` cannot be the reward of module `{module}`: `{function}` compares with a gold answer, "
        "which a program does not have when it runs"
    )


def reward_not_python_help() -> str:
    return (
        'a reward is `metric NAME = python "module:function"`, a function `(inputs, prediction) -> float` '
        "of the module's inputs and outputs, or a `judge` of them"
    )


def judge_reward_lm(metric: str, lm: str, module: str) -> str:
    return (
        f"judge metric `{metric}` cannot be the reward of module `{module}`: it asks lm `{lm}`, "
        "and a package has only the program's lm to run it with"
    )


def judge_reward_lm_help() -> str:
    return "leave out `lm:` (or write `lm: default`): a reward's judge asks the lm the program runs with"


def judge_reward_input(metric: str, field: str, module: str, signature: str) -> str:
    return (
        f"judge metric `{metric}` cannot be the reward of module `{module}`: its input `{field}` is neither "
        f"an input nor an output of signature `{signature}`, and a reward sees only those"
    )


def judge_reward_input_help(field: str, fields: Iterable[str]) -> str:
    return f"rename `{field}` to one of {_ordered(fields)}, or use a `python` reward"


def metric_field_not_output(metric: str, field: str, scored: str) -> str:
    return f"metric `{metric}` compares `{field}`, which is not an output of {scored}"


def metric_field_help(field: str, outputs: list[str], suggestion: str | None) -> str:
    base = f"its outputs are {_ordered(outputs)}"
    return f"{suggestion} ({base})" if suggestion else f"{base}; compare one of them"


def data_format(owner: str, path: str) -> str:
    return f"{owner}: unsupported file type `{Path(path).suffix or path}`"


def data_format_help() -> str:
    return "use a `.jsonl`, `.json` (a list of objects) or `.csv` file"


def data_missing(owner: str, path: str, what: str) -> str:
    if what == "a folder":
        return f"{owner}: `{path}` is a folder, not a file"
    return f"{owner}: file `{path}` not found"


def data_missing_help(resolved: Path) -> str:
    return f"looked for {resolved}; paths are relative to the folder of the .lmp file"


def data_unreadable(owner: str, reason: str) -> str:
    return f"{owner}: cannot read the file: {reason}"


def data_unreadable_help(path: Path) -> str:
    return f"check the file {path}"


def data_error_help(error: object, raw_path: str) -> str:
    line, row = getattr(error, "line", None), getattr(error, "row", None)
    if line is not None:
        return f"fix line {line} of {raw_path}"
    if row is not None:
        return f"fix row {row} of {raw_path}"
    return f"fix {raw_path}"


def data_fields_are(fields: Iterable[str]) -> str:
    return f"the fields present in every row are {_names(fields)}"


def input_not_in_data(dataset: str, field: str) -> str:
    return f"dataset `{dataset}` has no field `{field}`, listed in its `inputs`"


def data_lacks_input(dataset: str, field: str, program: str) -> str:
    return f"dataset `{dataset}` has no field `{field}` needed by program `{program}`"


def data_lacks_label(dataset: str, field: str, metric: str) -> str:
    return f"dataset `{dataset}` has no field `{field}`, which metric `{metric}` compares"


def label_is_input(dataset: str, field: str, metric: str) -> str:
    return f"dataset `{dataset}` lists `{field}` in `inputs`, but metric `{metric}` compares it as the label"


def label_is_input_help(field: str) -> str:
    return f"remove `{field}` from `inputs`: a program must not receive the answer it is scored on"


def input_not_declared(dataset: str, field: str, program: str) -> str:
    return f"program `{program}` needs `{field}`, but dataset `{dataset}` does not list it in `inputs`"


def input_not_declared_help(field: str) -> str:
    return f"add `{field}` to the dataset's `inputs`"


def input_not_param(dataset: str, field: str, program: str) -> str:
    return f"dataset `{dataset}` lists `{field}` in `inputs`, but program `{program}` has no such parameter"


def params_are(program: str, params: Iterable[str]) -> str:
    return f"the parameters of `{program}` are {_ordered(params)}"


def dataset_empty(dataset: str, purpose: str) -> str:
    return f"dataset `{dataset}` has no rows to {purpose}"


def dataset_empty_help(path: str) -> str:
    return f"add examples to {path}, or use another dataset"


def corpus_field_help(fields: Iterable[str]) -> str:
    return f"set `text_field` to one of {_names(fields)}"


def corpus_row_lacks_field(retriever: str, field: str, where: str) -> str:
    return f"the corpus of retriever `{retriever}` has no field `{field}` at {where}"


def corpus_unreadable(owner: str, where: str, reason: str) -> str:
    return f"{owner}: cannot read the corpus: {where}: {reason}"


def bad_pyref(owner: str, ref: str) -> str:
    return f'{owner}: "{ref}" is not a Python reference'


def bad_pyref_help(ref: str) -> str:
    if ":" not in ref and "." in ref:
        module, _, fn = ref.rpartition(".")
        return f'separate the module and the function with a colon: "{module}:{fn}"'
    return 'write "module.path:function", e.g. "mytools:search"'


def pyref_not_found(owner: str, module: str) -> str:
    return f"{owner}: Python module `{module}` cannot be found"


def pyref_not_found_help(module: str, base_dir: Path) -> str:
    return f"put `{module.replace('.', '/')}.py` in {base_dir}, or install the package that provides it"
