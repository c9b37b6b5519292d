"""What every option block accepts, as data: one schema per place an option block appears.

The checks read these tables to report unknown keys, wrong value types,
missing required options and values out of range. Defaults are recorded
for documentation and error messages only; the phases that act on the
options (LM client, data loader, optimizers) own their behaviour.

Optimizer and module option names and defaults follow DSPy's constructors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

# ------------------------------------------------------------ value types


@dataclass(frozen=True, slots=True)
class Scalar:
    """``int``, ``float`` (an int is accepted too), ``bool`` or ``str``."""

    name: str

    def describe(self) -> str:
        return {"int": "an integer", "float": "a number", "bool": "a boolean", "str": "a string"}[self.name]


@dataclass(frozen=True, slots=True)
class Ref:
    """A bare name of a file-level declaration of one kind (``metric: accuracy``)."""

    kind: str  # a word of ``ir.DECL_KIND``: "lm", "metric", "dataset", "tool", ...

    def describe(self) -> str:
        return f"the name of {article(self.kind)} {self.kind}"


@dataclass(frozen=True, slots=True)
class ListOf:
    item: ValueType

    def describe(self) -> str:
        if isinstance(self.item, Scalar):
            return f"a list of {self.item.name}s" if self.item.name != "str" else "a list of strings"
        if isinstance(self.item, Ref):
            return f"a list of {self.item.kind} names"
        return "a list"


@dataclass(frozen=True, slots=True)
class AnyOf:
    choices: tuple[ValueType, ...]

    def describe(self) -> str:
        return " or ".join(c.describe() for c in self.choices)


@dataclass(frozen=True, slots=True)
class Choice:
    """One of a few fixed words, written as a string (or as a bare name when ``bare`` is set)."""

    values: tuple[str, ...]
    bare: bool = False
    nullable: bool = False  # ``none`` is accepted too

    def describe(self) -> str:
        words = ", ".join(f"`{v}`" if self.bare else f'"{v}"' for v in self.values)
        return f"one of {words}" + (" or `none`" if self.nullable else "")


@dataclass(frozen=True, slots=True)
class FieldNames:
    """A list of field names of the data (``inputs: [question, context]``)."""

    def describe(self) -> str:
        return "a list of field names"


@dataclass(frozen=True, slots=True)
class Optimizers:
    """An optimizer (``Name`` or ``Name { ... }``) or a list of them, applied in turn."""

    def describe(self) -> str:
        return "an optimizer such as `BootstrapFewShot { max_labeled_demos: 4 }`, or a list of them"


ValueType = Scalar | Ref | ListOf | AnyOf | Choice | FieldNames | Optimizers

INT = Scalar("int")
FLOAT = Scalar("float")
BOOL = Scalar("bool")
STR = Scalar("str")


def article(word: str) -> str:
    """``an lm``, ``an enum``, ``a metric``: the indefinite article a kind word takes."""
    return "an" if word[:1] in "aeiou" or word == "lm" else "a"


# --------------------------------------------------------------- schemas


@dataclass(frozen=True, slots=True)
class OptionSpec:
    name: str
    type: ValueType
    required: bool = False
    default: object = None  # documentation only
    minimum: float | None = None  # inclusive
    maximum: float | None = None  # inclusive
    above: float | None = None  # exclusive lower bound
    doc: str = ""


@dataclass(frozen=True, slots=True)
class Schema:
    """The options one block accepts; ``owner`` names the block in messages."""

    owner: str
    options: tuple[OptionSpec, ...] = ()

    def get(self, key: str) -> OptionSpec | None:
        for spec in self.options:
            if spec.name == key:
                return spec
        return None

    def keys(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.options)

    @property
    def required(self) -> tuple[OptionSpec, ...]:
        return tuple(spec for spec in self.options if spec.required)


def _opt(name: str, type_: ValueType, **kw: object) -> OptionSpec:
    return OptionSpec(name, type_, **kw)  # type: ignore[arg-type]


def _frozen(table: dict[str, Schema]) -> Mapping[str, Schema]:
    return MappingProxyType(table)


# -------------------------------------------------------- top-level blocks

LM = Schema(
    "lm",
    (
        _opt("temperature", FLOAT, minimum=0.0),
        _opt("max_tokens", INT, minimum=1),
        _opt("top_p", FLOAT, minimum=0.0, maximum=1.0),
        _opt("stop", AnyOf((STR, ListOf(STR)))),
        _opt("api_base", STR),
        _opt("api_key_env", STR, doc="the name of the environment variable holding the key"),
        _opt("num_retries", INT, minimum=0),
        _opt("timeout", FLOAT, above=0.0),
        _opt("cache", BOOL, default=True),
    ),
)

DATASET = Schema(
    "dataset",
    (
        _opt("inputs", FieldNames(), required=True),
        _opt("limit", INT, minimum=1),
    ),
)

RETRIEVERS: Mapping[str, Schema] = _frozen(
    {
        "bm25": Schema(
            "retriever `bm25`",
            (_opt("text_field", STR, default="text"), _opt("k", INT, default=3, minimum=1)),
        ),
        "python": Schema("retriever `python`", (_opt("k", INT, default=3, minimum=1),)),
    }
)

OPTIMIZE = Schema(
    "optimize",
    (
        _opt("optimizer", Optimizers()),
        _opt("metric", Ref("metric"), required=True),
        _opt("trainset", Ref("dataset"), required=True),
        _opt("valset", Ref("dataset")),
        _opt("teacher", Ref("lm")),
        _opt("seed", INT, default=0),
        _opt("threads", INT, minimum=1),
    ),
)

EVALUATE = Schema(
    "evaluate",
    (
        _opt("metric", Ref("metric"), required=True),
        _opt("dataset", Ref("dataset"), required=True),
        _opt("threads", INT, minimum=1),
    ),
)

# ----------------------------------------------------------------- modules

MODULES: Mapping[str, Schema] = _frozen(
    {
        "Predict": Schema("module kind `Predict`"),
        "ChainOfThought": Schema("module kind `ChainOfThought`"),
        "ProgramOfThought": Schema(
            "module kind `ProgramOfThought`",
            (
                _opt("max_iters", INT, default=3, minimum=1),
                # The sandbox's limits (lmc/runtime/sandbox.py, LIMIT_OPTIONS).
                _opt("timeout_s", FLOAT, default=10.0, above=0.0, doc="seconds the generated code may run"),
                _opt("memory_mb", INT, default=512, minimum=16, doc="MiB of memory the generated code may use"),
                _opt("output_kb", INT, default=64, minimum=1, doc="KiB the code may print, to stdout and stderr each"),
                _opt("file_mb", INT, default=16, minimum=1, doc="MiB of the largest file the code may write"),
            ),
        ),
        "ReAct": Schema(
            "module kind `ReAct`",
            (
                _opt("tools", ListOf(Ref("tool")), required=True),
                _opt("max_iters", INT, default=20, minimum=1),
                _opt("tool_timeout", FLOAT, default=30.0, above=0.0, doc="seconds one tool call may run"),
            ),
        ),
        "MultiChainComparison": Schema("module kind `MultiChainComparison`", (_opt("m", INT, default=3, minimum=1),)),
        "BestOfN": Schema(
            "module kind `BestOfN`",
            (
                _opt("n", INT, required=True, minimum=1),
                _opt("reward", Ref("metric"), required=True),
                _opt("threshold", FLOAT),
            ),
        ),
        "Refine": Schema(
            "module kind `Refine`",
            (
                _opt("n", INT, required=True, minimum=1),
                _opt("reward", Ref("metric"), required=True),
                _opt("threshold", FLOAT),
            ),
        ),
    }
)

# Outputs a module kind adds before the signature's own (DSPy's field names).
MODULE_EXTRA_OUTPUTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Predict": (),
        "ChainOfThought": ("reasoning",),
        "ProgramOfThought": ("reasoning",),
        "ReAct": ("trajectory", "reasoning"),
        "MultiChainComparison": ("rationale",),
        "BestOfN": (),
        "Refine": (),
    }
)

# Every field a kind uses itself in the calls it makes (the outputs it adds, and inputs of its
# own), which the module's signature must leave free. A name ending in `*` is a prefix.
MODULE_OWN_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "ChainOfThought": ("reasoning",),
        "ProgramOfThought": ("reasoning",),
        "ReAct": ("trajectory", "reasoning", "next_thought", "next_tool_name", "next_tool_args"),
        "MultiChainComparison": ("rationale", "reasoning", "reasoning_attempt_*"),
        "Refine": ("hint_",),
    }
)

# The tool ReAct adds to every agent's tools.
REACT_FINISH_TOOL = "finish"


def own_field(kind: str, name: str) -> bool:
    """Whether module kind ``kind`` uses a field called ``name`` itself."""
    return any(
        name.startswith(own[:-1]) if own.endswith("*") else name == own for own in MODULE_OWN_FIELDS.get(kind, ())
    )


# -------------------------------------------------------------- optimizers

_BOOTSTRAP = (
    _opt("max_bootstrapped_demos", INT, default=4, minimum=0),
    _opt("max_labeled_demos", INT, default=16, minimum=0),
    _opt("max_rounds", INT, default=1, minimum=1),
    _opt("max_errors", INT, minimum=0),
    _opt("metric_threshold", FLOAT),
)

# Every optimizer accepts these; the build enforces them on the optimizer's LMs
# (``lmc/optimize/budget.py``), so each optimizer stops cleanly with its best so far.
BUDGET_OPTIONS = (
    _opt("max_lm_calls", INT, minimum=1, doc="LM requests the optimizer may make; cached answers are free"),
    _opt("max_cost_usd", FLOAT, above=0.0, doc="USD the optimizer may spend on LM requests"),
)


def _with_budget(table: dict[str, Schema]) -> Mapping[str, Schema]:
    """Each optimizer's own options, then the budget options."""
    return _frozen({name: Schema(schema.owner, schema.options + BUDGET_OPTIONS) for name, schema in table.items()})


OPTIMIZERS: Mapping[str, Schema] = _with_budget(
    {
        "LabeledFewShot": Schema("optimizer `LabeledFewShot`", (_opt("k", INT, default=16, minimum=0),)),
        "BootstrapFewShot": Schema("optimizer `BootstrapFewShot`", _BOOTSTRAP),
        "BootstrapFewShotWithRandomSearch": Schema(
            "optimizer `BootstrapFewShotWithRandomSearch`",
            _BOOTSTRAP
            + (
                _opt("num_candidate_programs", INT, default=16, minimum=0),
                _opt("num_threads", INT, minimum=1),
                _opt("stop_at_score", FLOAT),
            ),
        ),
        "KNNFewShot": Schema(
            "optimizer `KNNFewShot`",
            (
                _opt("k", INT, required=True, minimum=1),
                _opt("max_bootstrapped_demos", INT, default=4, minimum=0),
                _opt("max_labeled_demos", INT, default=16, minimum=0),
            ),
        ),
        "COPRO": Schema(
            "optimizer `COPRO`",
            (
                _opt("breadth", INT, default=10, minimum=2),
                _opt("depth", INT, default=3, minimum=1),
                _opt("init_temperature", FLOAT, default=1.4, minimum=0.0),
                _opt("track_stats", BOOL, default=False),
                _opt("prompt_model", Ref("lm")),
            ),
        ),
        "MIPROv2": Schema(
            "optimizer `MIPROv2`",
            (
                _opt("auto", Choice(("light", "medium", "heavy"), nullable=True), default="light"),
                _opt("num_candidates", INT, minimum=1),
                _opt("max_bootstrapped_demos", INT, default=4, minimum=0),
                _opt("max_labeled_demos", INT, default=4, minimum=0),
                _opt("num_trials", INT, minimum=1),
                _opt("minibatch", BOOL, default=True),
                _opt("minibatch_size", INT, default=35, minimum=1),
                _opt("minibatch_full_eval_steps", INT, default=5, minimum=1),
                _opt("init_temperature", FLOAT, default=1.0, minimum=0.0),
                _opt("prompt_model", Ref("lm")),
                _opt("task_model", Ref("lm")),
                _opt("seed", INT, doc="none: the optimize block's seed + 9 (DSPy's 9 at seed 0)"),
                _opt("num_threads", INT, minimum=1),
                _opt("max_errors", INT, minimum=0),
                _opt("metric_threshold", FLOAT),
                _opt("program_aware_proposer", BOOL, default=True),
                _opt("data_aware_proposer", BOOL, default=True),
                _opt("tip_aware_proposer", BOOL, default=True),
                _opt("fewshot_aware_proposer", BOOL, default=True),
                _opt("view_data_batch_size", INT, default=10, minimum=1),
            ),
        ),
        "BootstrapFinetune": Schema(
            "optimizer `BootstrapFinetune`",
            (
                _opt("multitask", BOOL, default=True),
                _opt("exclude_demos", BOOL, default=False),
                _opt("num_threads", INT, minimum=1),
                _opt("max_wait_s", FLOAT, default=86400.0, minimum=0.0, doc="seconds to wait for the jobs"),
            ),
        ),
        "Calibrate": Schema(
            "optimizer `Calibrate`",
            (_opt("candidates", INT, default=1, minimum=1, doc="the previous optimizer's best candidates"),),
        ),
        "Ensemble": Schema(
            "optimizer `Ensemble`",
            (
                _opt("reduce_fn", Choice(("majority",), bare=True), default="majority"),
                _opt("size", INT, minimum=1),
            ),
        ),
    }
)

# Optimizers that combine the previous optimizer's scored candidates, and those that leave them
# with their parameters (``optimize.base.Search``).
NEEDS_CANDIDATES = frozenset({"Ensemble"})
GIVES_CANDIDATES = frozenset({"BootstrapFewShotWithRandomSearch", "Calibrate"})

# MIPROv2 chooses these itself unless `auto` is `none` (then both are required).
MIPRO_MANUAL_OPTIONS = ("num_candidates", "num_trials")

# ----------------------------------------------------------------- metrics


@dataclass(frozen=True, slots=True)
class MetricFunction:
    """A built-in metric: what its positional arguments name, and its options."""

    name: str
    argument: str  # "field" (an output field name) or "signature"
    schema: Schema


METRIC_FUNCTIONS: Mapping[str, MetricFunction] = MappingProxyType(
    {
        "exact_match": MetricFunction("exact_match", "field", Schema("metric `exact_match`")),
        "f1": MetricFunction("f1", "field", Schema("metric `f1`")),
        "contains": MetricFunction("contains", "field", Schema("metric `contains`")),
        "judge": MetricFunction("judge", "signature", Schema("metric `judge`", (_opt("lm", Ref("lm")),))),
    }
)

# ---------------------------------------------------------------- builtins


@dataclass(frozen=True, slots=True)
class Builtin:
    """A built-in function of program bodies: its parameters, the first ``required`` of them needed."""

    name: str
    params: tuple[str, ...]
    required: int


BUILTIN_FUNCTIONS: Mapping[str, Builtin] = MappingProxyType(
    {
        "unique": Builtin("unique", ("items",), 1),
        "len": Builtin("len", ("value",), 1),
        "join": Builtin("join", ("items", "sep"), 1),
        "majority": Builtin("majority", ("items",), 1),
    }
)

BUILTIN_TYPES = ("str", "int", "float", "bool", "list", "dict")

RETRIEVER_KINDS = tuple(RETRIEVERS)

DATA_FORMATS = (".jsonl", ".json", ".csv")
