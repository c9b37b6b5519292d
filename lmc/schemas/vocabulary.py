"""The vocabulary of option schemas: value types, one option's spec, and a block's schema.

Two tables are written in it: the checker's (``lmc/schemas/blocks.py``: lm,
dataset, module kinds...) and the optimizers' (``lmc/schemas/optimizers.py``),
which the checker and ``lmc.optimize.registry`` both read. It sits outside
both packages and imports only the standard library, so either side can use
it without loading the other (``lmc check`` loads no optimizer).
"""

from __future__ import annotations

from ..records import record

# ------------------------------------------------------------ value types


@record
class Scalar:
    """``int``, ``float`` (an int is accepted too), ``bool`` or ``str``."""

    name: str

    def describe(self) -> str:
        return {"int": "an integer", "float": "a number", "bool": "a boolean", "str": "a string"}[self.name]


@record
class Ref:
    """A bare name of a file-level declaration of one kind (``metric: accuracy``)."""

    kind: str  # a word of ``ir.DECL_KIND``: "lm", "metric", "dataset", "tool", ...

    def describe(self) -> str:
        return f"the name of {article(self.kind)} {self.kind}"


@record
class ListOf:
    item: ValueType

    def describe(self) -> str:
        if isinstance(self.item, Scalar):
            return f"a list of {self.item.name}s" if self.item.name != "str" else "a list of strings"
        if isinstance(self.item, Ref):
            return f"a list of {self.item.kind} names"
        return "a list"


@record
class AnyOf:
    choices: tuple[ValueType, ...]

    def describe(self) -> str:
        return " or ".join(c.describe() for c in self.choices)


@record
class Choice:
    """One of a few fixed words, written as a string (or as a bare name when ``bare`` is set)."""

    values: tuple[str, ...]
    bare: bool = False
    nullable: bool = False  # ``none`` is accepted too

    def describe(self) -> str:
        words = ", ".join(f"`{v}`" if self.bare else f'"{v}"' for v in self.values)
        return f"one of {words}" + (" or `none`" if self.nullable else "")


@record
class FieldNames:
    """A list of field names of the data (``inputs: [question, context]``)."""

    def describe(self) -> str:
        return "a list of field names"


@record
class Optimizers:
    """An optimizer (``Name`` or ``Name { ... }``) or a list of them, applied in turn."""

    def describe(self) -> str:
        return "an optimizer such as `BootstrapFewShot { max_labeled_demos: 4 }`, or a list of them"


ValueType = Scalar | Ref | ListOf | AnyOf | Choice | FieldNames | Optimizers

# A prompt format: DSPy's adapters (lmc/runtime/adapters/__init__.py's ADAPTERS, which a test holds
# equal), as a module's `adapter:` and an optimizer's `adapters:` name them.
ADAPTER = Choice(("chat", "json", "xml", "two_step"), bare=True)

INT = Scalar("int")
FLOAT = Scalar("float")
BOOL = Scalar("bool")
STR = Scalar("str")


def article(word: str) -> str:
    """``an lm``, ``an enum``, ``a metric``: the indefinite article a kind word takes."""
    return "an" if word[:1] in "aeiou" or word == "lm" else "a"


# --------------------------------------------------------------- schemas


@record
class OptionSpec:
    """One option of a block. ``none`` leaves an option that is neither required nor defaulted unset."""

    name: str
    type: ValueType
    required: bool = False
    default: object = None  # what the phase acting on the option uses when it is not given
    minimum: float | None = None  # inclusive
    maximum: float | None = None  # inclusive
    above: float | None = None  # exclusive lower bound
    doc: str = ""


@record
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


def opt(name: str, type_: ValueType, **kw: object) -> OptionSpec:
    """An :class:`OptionSpec`, written the way the tables read: name and type first."""
    return OptionSpec(name, type_, **kw)  # type: ignore[arg-type]
