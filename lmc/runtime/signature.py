"""Signatures, fields and learnable parameters: plain frozen values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .knn import KnnTable


@dataclass(frozen=True, slots=True)
class Field:
    """One input or output field.

    ``annotation`` is a real Python type (``str``, ``list[str]``,
    ``Literal["yes", "no"]``, an ``enum.Enum`` subclass, a pydantic model,
    ``X | None``); the adapter renders it the way DSPy does and pydantic
    validates LM output against it.
    """

    name: str
    annotation: Any = str
    desc: str = ""


@dataclass(frozen=True, slots=True)
class Signature:
    name: str
    instructions: str
    inputs: tuple[Field, ...]
    outputs: tuple[Field, ...]

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.inputs + self.outputs

    def with_instructions(self, instructions: str) -> Signature:
        return replace(self, instructions=instructions)

    def prepend_output(self, f: Field) -> Signature:
        return replace(self, outputs=(f,) + self.outputs)


def default_instructions(inputs: tuple[Field, ...], outputs: tuple[Field, ...]) -> str:
    """DSPy's instructions for a signature without a docstring."""
    ins = ", ".join(f"`{f.name}`" for f in inputs)
    outs = ", ".join(f"`{f.name}`" for f in outputs)
    return f"Given the fields {ins}, produce the fields {outs}."


@dataclass(frozen=True, slots=True)
class Params:
    """The learnable state of one module: what optimizers produce.

    ``demos`` are JSON values (field name -> value; enums as their values,
    records as dicts), exactly as they are rendered into the prompt.

    ``members`` is set by ``Ensemble``: the module's parameters in each
    member of the ensemble, which the program runs once per member
    (``runtime/ensemble.py``); ``instructions`` and ``demos`` are then the
    first member's. ``knn`` is set by ``KNNFewShot``: each call's demos are
    chosen from it by the call's inputs (``runtime/knn.py``); it may be given
    in its JSON form, as ``params.py`` writes it. ``model`` is set by
    ``BootstrapFinetune``: the LM model id (a fine-tuned model) this module
    calls instead of the program's. ``choice_bias`` is set by ``Calibrate``:
    per choice-typed output field, a bias per value; the module then reads
    those fields from the LM's log-probabilities (``runtime/choices.py``).
    Each of these keys is left out of the JSON form when empty, so other
    parameters read and write as before.
    """

    instructions: str
    demos: tuple[Mapping[str, Any], ...] = ()
    adapter: str = "chat"
    members: tuple[Params, ...] = ()
    knn: KnnTable | None = None
    model: str | None = None
    choice_bias: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.knn, Mapping):
            from .knn import KnnTable  # only parameters with a table pay for its import

            object.__setattr__(self, "knn", KnnTable.from_json(self.knn))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "instructions": self.instructions,
            "demos": [dict(d) for d in self.demos],
            "adapter": self.adapter,
        }
        if self.members:
            data["members"] = [m.to_json() for m in self.members]
        if self.knn is not None:
            data["knn"] = self.knn.to_json()
        if self.model is not None:
            data["model"] = self.model
        if self.choice_bias:
            data["choice_bias"] = {f: dict(bias) for f, bias in self.choice_bias.items()}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Params:
        return cls(
            instructions=data["instructions"],
            demos=tuple(dict(d) for d in data.get("demos", ())),
            adapter=data.get("adapter", "chat"),
            members=tuple(cls.from_json(m) for m in data.get("members", ())),
            knn=data.get("knn"),
            model=data.get("model"),
            choice_bias={f: dict(bias) for f, bias in data.get("choice_bias", {}).items()},
        )


@dataclass(frozen=True, slots=True)
class ModuleSpec:
    """A ``module NAME = Kind(Signature, options)`` declaration of a program.

    ``path`` is ``"program.NAME"``, the key of its ``Params``. ``options``
    are the kind's own (``tools``, ``n``...); the settings every kind takes
    are apart:

    - ``lm``: how the module's LM differs from the program's, as
      ``LM.replace`` takes it: the model id and options of the declared lm
      it names (``lm: strong``; with ``model``, the options the lm block
      leaves out are the LM's defaults, nothing of the program's LM), then
      its own ``temperature`` and ``max_tokens``. Empty: the program's LM.
    - ``adapter``: the prompt format the file pins (``adapter: json``); None
      lets an optimizer choose, starting from ``chat``.
    - ``extraction_lm``: the LM a ``two_step`` adapter fills the fields
      with, in the form of ``lm`` (None: the module's own LM).
    """

    path: str
    kind: str
    signature: Signature
    options: Mapping[str, Any] = field(default_factory=dict)
    lm: Mapping[str, Any] = field(default_factory=dict)
    adapter: str | None = None
    extraction_lm: Mapping[str, Any] | None = None

    def start_params(self) -> Params:
        """The parameters before any optimizer: the signature's instructions, no demos, its adapter."""
        return Params(instructions=self.signature.instructions, adapter=self.adapter or "chat")

    def with_settings_of(self, other: ModuleSpec) -> ModuleSpec:
        """This spec with ``other``'s LM and adapter settings (a kind's further predictor takes its module's)."""
        return replace(self, lm=other.lm, adapter=other.adapter, extraction_lm=other.extraction_lm)
