"""What every option block accepts, as data: one schema per place an option block appears.

The checks read these tables to report unknown keys, wrong value types,
missing required options and values out of range. Defaults here are
recorded for documentation and error messages only; the phases that act on
the options (LM client, data loader, module kinds) own their behaviour.
The optimizers' schemas are ``lmc/schemas/optimizers.py``'s, re-exported
here: ``create_optimizer`` applies the same table.

Optimizer and module option names and defaults follow DSPy's constructors.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..records import record

# The `X as X` imports are re-exports: the other checks read these names through this module.
# The vocabulary is lmc/schemas/vocabulary.py's and the optimizers' table lmc/schemas/optimizers.py's,
# where the optimizers read them too.
from .optimizers import GEPA_SIZE_OPTIONS as GEPA_SIZE_OPTIONS
from .optimizers import GIVES_CANDIDATES as GIVES_CANDIDATES
from .optimizers import MIPRO_MANUAL_OPTIONS as MIPRO_MANUAL_OPTIONS
from .optimizers import NEEDS_CANDIDATES as NEEDS_CANDIDATES
from .optimizers import OPTIMIZERS as OPTIMIZERS
from .vocabulary import ADAPTER, BOOL, FLOAT, INT, STR, AnyOf, FieldNames, ListOf, Optimizers, Ref, Schema, opt
from .vocabulary import Choice as Choice
from .vocabulary import OptionSpec as OptionSpec
from .vocabulary import Scalar as Scalar
from .vocabulary import ValueType as ValueType
from .vocabulary import article as article


def _frozen(table: dict[str, Schema]) -> Mapping[str, Schema]:
    return MappingProxyType(table)


# -------------------------------------------------------- top-level blocks

LM = Schema(
    "lm",
    (
        opt("temperature", FLOAT, minimum=0.0),
        opt("max_tokens", INT, minimum=1),
        opt("top_p", FLOAT, minimum=0.0, maximum=1.0),
        opt("stop", AnyOf((STR, ListOf(STR)))),
        opt("api_base", STR),
        opt("api_key_env", STR, doc="the name of the environment variable holding the key"),
        opt("num_retries", INT, minimum=0),
        opt("timeout", FLOAT, above=0.0),
        opt("cache", BOOL, default=True),
    ),
)

DATASET = Schema(
    "dataset",
    (
        opt("inputs", FieldNames(), required=True),
        opt("limit", INT, minimum=1),
    ),
)

RETRIEVERS: Mapping[str, Schema] = _frozen(
    {
        "bm25": Schema(
            "retriever `bm25`",
            (opt("text_field", STR, default="text"), opt("k", INT, default=3, minimum=1)),
        ),
        "python": Schema("retriever `python`", (opt("k", INT, default=3, minimum=1),)),
    }
)

OPTIMIZE = Schema(
    "optimize",
    (
        opt("optimizer", Optimizers()),
        opt("metric", Ref("metric"), required=True),
        opt("trainset", Ref("dataset"), required=True),
        opt("valset", Ref("dataset")),
        opt("teacher", Ref("lm")),
        opt("seed", INT, default=0),
        opt("threads", INT, minimum=1),
    ),
)

EVALUATE = Schema(
    "evaluate",
    (
        opt("metric", Ref("metric"), required=True),
        opt("dataset", Ref("dataset"), required=True),
        opt("threads", INT, minimum=1),
    ),
)

# ----------------------------------------------------------------- modules

# The prompt formats a module's `adapter:` (and an optimizer's `adapters:`) names.
ADAPTER_NAMES = ADAPTER.values

# The options every module kind takes: the LM it calls and how it asks (ModuleSpec's settings).
MODULE_SETTINGS = (
    opt("lm", Ref("lm"), doc="the declared lm this module calls (none: the program's)"),
    opt("temperature", FLOAT, minimum=0.0, doc="this module's sampling temperature (none: its lm's)"),
    opt("max_tokens", INT, minimum=1, doc="this module's answer length limit (none: its lm's)"),
    opt(
        "adapter",
        ADAPTER,
        doc="the prompt format, fixed (none: chat, and an optimizer's `adapters:` may choose)",
    ),
    opt("extraction_lm", Ref("lm"), doc="the lm a `two_step` adapter fills the fields with (none: the module's)"),
)


def _module(kind: str, *options: OptionSpec) -> Schema:
    return Schema(f"module kind `{kind}`", (*options, *MODULE_SETTINGS))


MODULES: Mapping[str, Schema] = _frozen(
    {
        "Predict": _module("Predict"),
        "ChainOfThought": _module("ChainOfThought"),
        "ProgramOfThought": _module(
            "ProgramOfThought",
            *(
                opt("max_iters", INT, default=3, minimum=1),
                # The sandbox's limits (lmc/runtime/kinds/sandbox.py, LIMIT_OPTIONS).
                opt("timeout_s", FLOAT, default=10.0, above=0.0, doc="seconds the generated code may run"),
                opt("memory_mb", INT, default=512, minimum=16, doc="MiB of memory the generated code may use"),
                opt("output_kb", INT, default=64, minimum=1, doc="KiB the code may print, to stdout and stderr each"),
                opt("file_mb", INT, default=16, minimum=1, doc="MiB of the largest file the code may write"),
            ),
        ),
        "ReAct": _module(
            "ReAct",
            opt("tools", ListOf(Ref("tool")), required=True),
            opt("max_iters", INT, default=20, minimum=1),
            opt("tool_timeout", FLOAT, default=30.0, above=0.0, doc="seconds one tool call may run"),
        ),
        "MultiChainComparison": _module("MultiChainComparison", opt("m", INT, default=3, minimum=1)),
        "BestOfN": _module(
            "BestOfN",
            opt("n", INT, required=True, minimum=1),
            opt("reward", Ref("metric"), required=True),
            opt("threshold", FLOAT),
        ),
        "Refine": _module(
            "Refine",
            opt("n", INT, required=True, minimum=1),
            opt("reward", Ref("metric"), required=True),
            opt("threshold", FLOAT),
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


# ----------------------------------------------------------------- metrics


@record
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
        "judge": MetricFunction(
            "judge",
            "signature",
            Schema(
                "metric `judge`",
                (
                    opt("lm", Ref("lm")),
                    opt("feedback", BOOL, default=False, doc="also ask the judge for feedback (an output `feedback`)"),
                ),
            ),
        ),
    }
)

# ---------------------------------------------------------------- builtins


@record
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

BUILTIN_TYPES = ("str", "int", "float", "bool", "json", "list", "dict")

RETRIEVER_KINDS = tuple(RETRIEVERS)

DATA_FORMATS = (".jsonl", ".json", ".csv")
