"""Module kinds: what ``module NAME = Kind(Signature)`` becomes when a program runs.

A module call formats the prompt with its adapter, asks the LM, parses and
validates the answer, and records the call in the current program's trace.
When the chat format cannot be parsed it asks once more in the JSON format
(a second LM call, as DSPy's ``ChatAdapter`` falls back to ``JSONAdapter``);
when that fails too it raises ``ParseError`` with the module path and every
raw answer. LM failures (``LMError``) propagate untouched.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar, Protocol, cast, runtime_checkable

from .adapters import Adapter, JSONAdapter, adapter_chain
from .choices import TokenLogprobs, choice_values, decide, score_field
from .errors import AdapterParseError, ParseError, ProgramError
from .lm.paired import extraction_lm
from .lm.protocol import LanguageModel, Replaceable
from .signature import Field, ModuleSpec, Params, Signature
from .trace import Prediction, TraceEntry, record
from .types import parse_value, to_jsonable

__all__ = ["KINDS", "ChainOfThought", "Module", "ModuleKind", "Predict", "make_module", "part_specs"]

logger = logging.getLogger(__name__)

# DSPy 3's ChainOfThought prepends `reasoning: str` with the placeholder
# description `${reasoning}`, which renders as no description at all.
REASONING = Field(name="reasoning", annotation=str, desc="")


class Module(Protocol):
    """What a module kind's instance is to a program: called with the signature's inputs, it answers."""

    @property
    def path(self) -> str: ...

    @property
    def signature(self) -> Signature: ...

    def __call__(self, /, **inputs: Any) -> Prediction: ...

    async def acall(self, /, **inputs: Any) -> Prediction: ...


class ModuleContext(Protocol):
    """What a module kind may ask of the program it runs in (``program.Context`` is one)."""

    @property
    def lm(self) -> LanguageModel | None: ...

    @property
    def params(self) -> Mapping[str, Params]: ...

    def tool_object(self, name: str) -> Callable[..., Any]: ...

    def metric(self, name: str) -> Callable[..., Any]: ...


@runtime_checkable
class ModuleKind(Protocol):
    """A module kind (its class): its ``.lmp`` name, and how ``make_module`` builds one.

    ``lm`` is None in a context made without an LM (to format prompts): a call then raises ``ProgramError``.
    """

    @property
    def kind(self) -> str: ...

    def create(
        self, spec: ModuleSpec, params: Params, lm: LanguageModel | None, ctx: ModuleContext | None
    ) -> Module: ...


class Predict:
    """One LM call per module call: the signature's inputs in, its outputs out."""

    kind: ClassVar[str] = "Predict"

    @classmethod
    def create(cls, spec: ModuleSpec, params: Params, lm: LanguageModel | None, ctx: ModuleContext | None) -> Predict:
        """What ``make_module`` calls; kinds that use tools or metrics take them from ``ctx``."""
        return cls(spec, params, lm)

    def __init__(self, spec: ModuleSpec, params: Params, lm: LanguageModel | None) -> None:
        if spec.options:
            raise ProgramError(
                f"module `{spec.path}`: {self.kind} takes no options (got {', '.join(sorted(spec.options))})"
            )
        self.path = spec.path
        self.signature: Signature = self.extend(spec.signature).with_instructions(params.instructions)
        self.demos: tuple[Mapping[str, Any], ...] = tuple(params.demos)
        self.adapters: tuple[Adapter, ...] = adapter_chain(params.adapter)
        self.lm = lm
        self._structured: dict[int, LanguageModel] = {}  # the LM asked with a response format, per LM
        # Calibrated choice decoding (``choices.py``), only with the chat format's markers.
        self.choice_bias = params.choice_bias if self.adapters[0].name == "ChatAdapter" else {}

    @classmethod
    def extend(cls, signature: Signature) -> Signature:
        """The signature this kind actually asks the LM for."""
        return signature

    def messages(self, inputs: Mapping[str, Any], adapter: Adapter | None = None) -> list[dict[str, str]]:
        """The exact messages one call sends (the first adapter's, unless one is given)."""
        return (adapter or self.adapters[0]).format(self.signature, self.demos, inputs)

    def __call__(self, /, **inputs: Any) -> Prediction:
        lm = self._ready(inputs)
        failures: list[AdapterParseError] = []
        for adapter in self.adapters:
            messages = self.messages(inputs, adapter)
            asked = self._asking(adapter, lm)
            if self.choice_bias and adapter is self.adapters[0]:
                scored = asked.complete_scored(messages)
                text, tokens = scored.text, scored.tokens
            else:
                text, tokens = asked.complete(messages), None
            if adapter.extracts:
                outputs = self._extract(adapter, text, extraction_lm(lm), failures)
            else:
                outputs = self._parse(adapter, text, failures)
            if outputs is not None:
                return self._finish(inputs, outputs, text, tokens)
        raise ParseError(self.path, failures)

    async def acall(self, /, **inputs: Any) -> Prediction:
        lm = self._ready(inputs)
        failures: list[AdapterParseError] = []
        for adapter in self.adapters:
            messages = self.messages(inputs, adapter)
            asked = self._asking(adapter, lm)
            if self.choice_bias and adapter is self.adapters[0]:
                scored = await asked.acomplete_scored(messages)
                text, tokens = scored.text, scored.tokens
            else:
                text, tokens = await asked.acomplete(messages), None
            if adapter.extracts:
                outputs = await self._aextract(adapter, text, extraction_lm(lm), failures)
            else:
                outputs = self._parse(adapter, text, failures)
            if outputs is not None:
                return self._finish(inputs, outputs, text, tokens)
        raise ParseError(self.path, failures)

    def _asking(self, adapter: Adapter, lm: LanguageModel) -> LanguageModel:
        """The LM that ``adapter``'s request goes to: with the JSON schema of the outputs as its
        ``response_format`` for the ``json`` adapter (an LM that cannot change its options, as a test
        double, is asked as it is)."""
        if not (isinstance(adapter, JSONAdapter) and adapter.structured):
            return lm
        found = self._structured.get(id(lm))
        if found is None:
            from .lm.protocol import replaceable  # here: a package's import does not load the LM interface

            found = lm
            if replaceable(lm):
                try:
                    found = cast("Replaceable", lm).replace(response_format=adapter.response_format(self.signature))
                except AttributeError:  # an optimizer's wrapper around an LM that cannot (a test double)
                    found = lm
            self._structured[id(lm)] = found
        return found

    def _extract(
        self, adapter: Adapter, text: str, lm: LanguageModel, failures: list[AdapterParseError]
    ) -> dict[str, Any] | None:
        """A two-step answer's fields, from a second request to the extraction LM (chat, then JSON)."""
        signature = adapter.extractor_signature(self.signature)
        found: list[AdapterParseError] = []
        for step in adapter_chain("chat"):
            answer = lm.complete(step.format(signature, (), {"text": text}))
            outputs = self._parse(step, answer, found)
            if outputs is not None:
                return outputs
        failures.append(_extraction_failed(adapter, self.signature, text, found))
        return None

    async def _aextract(
        self, adapter: Adapter, text: str, lm: LanguageModel, failures: list[AdapterParseError]
    ) -> dict[str, Any] | None:
        signature = adapter.extractor_signature(self.signature)
        found: list[AdapterParseError] = []
        for step in adapter_chain("chat"):
            answer = await lm.acomplete(step.format(signature, (), {"text": text}))
            outputs = self._parse(step, answer, found)
            if outputs is not None:
                return outputs
        failures.append(_extraction_failed(adapter, self.signature, text, found))
        return None

    def _ready(self, inputs: Mapping[str, Any]) -> LanguageModel:
        """The LM to ask, once the inputs are checked against the signature."""
        if self.lm is None:
            raise ProgramError(f"module `{self.path}` has no LM to call")
        names = {f.name for f in self.signature.inputs}
        unknown = [k for k in inputs if k not in names]
        if unknown:
            raise ProgramError(
                f"module `{self.path}` got unknown input(s) {', '.join(f'`{k}`' for k in unknown)} "
                f"(its inputs: {', '.join(f'`{n}`' for n in names) or 'none'})"
            )
        missing = [f.name for f in self.signature.inputs if f.name not in inputs]
        if missing:
            # DSPy sends the prompt without them; so do we, but say so.
            logger.warning("module `%s` called without input(s) %s", self.path, ", ".join(missing))
        return self.lm

    def _parse(self, adapter: Adapter, text: str, failures: list[AdapterParseError]) -> dict[str, Any] | None:
        try:
            return adapter.parse(self.signature, text)
        except AdapterParseError as exc:
            logger.debug("module `%s`: %s", self.path, exc.summary())
            failures.append(exc)
            return None

    def _finish(
        self,
        inputs: Mapping[str, Any],
        outputs: dict[str, Any],
        text: str = "",
        tokens: tuple[TokenLogprobs, ...] | None = None,
    ) -> Prediction:
        scores = self._choose(outputs, text, tokens) if tokens else None
        record(
            TraceEntry(path=self.path, inputs=to_jsonable(dict(inputs)), outputs=to_jsonable(outputs), scores=scores)
        )
        return Prediction(outputs)

    def _choose(
        self, outputs: dict[str, Any], text: str, tokens: tuple[TokenLogprobs, ...]
    ) -> dict[str, dict[str, float]]:
        """Replace each choice-scored field's parsed value by the best biased one; the scores seen."""
        seen: dict[str, dict[str, float]] = {}
        for f in self.signature.outputs:
            bias = self.choice_bias.get(f.name)
            if bias is None:
                continue
            values = choice_values(f.annotation)
            scores = score_field(text, tokens, f.name, values) if values else None
            if scores is not None:
                outputs[f.name] = parse_value(decide(scores, bias), f.annotation)
                seen[f.name] = scores
        return seen

    def __repr__(self) -> str:
        return f"{self.kind}({self.signature.name}, path={self.path!r})"


class ChainOfThought(Predict):
    """``Predict`` with a ``reasoning: str`` output asked for before the others."""

    kind: ClassVar[str] = "ChainOfThought"

    @classmethod
    def extend(cls, signature: Signature) -> Signature:
        if any(f.name == REASONING.name for f in signature.fields):
            raise ProgramError(
                f"signature `{signature.name}` already has a field `reasoning`, which ChainOfThought adds"
            )
        return signature.prepend_output(REASONING)


def _extraction_failed(
    adapter: Adapter, signature: Signature, text: str, found: list[AdapterParseError]
) -> AdapterParseError:
    """The two-step adapter's failure: the extraction's answers could not be read, each adapter's reason."""
    reasons = "; ".join(f.summary() for f in found)
    return AdapterParseError(
        adapter=adapter.name,
        text=text,
        expected=[f.name for f in signature.outputs],
        reason=f"the fields could not be extracted from the answer ({reasons})",
    )


# Each kind has ``kind`` and ``create(spec, params, lm, ctx)``; a kind with further predictors
# names them in ``parts`` and describes them in ``part_specs(spec)`` (see ``ReAct``).
class _Kinds(Mapping[str, ModuleKind]):
    """Module kind name -> class, each kind's file imported at its first use.

    A package that only predicts never imports the agent, sandbox and
    sampling machinery (and what those import: asyncio alone costs ~30 ms).
    """

    _HERE: ClassVar[dict[str, ModuleKind]] = {"Predict": Predict, "ChainOfThought": ChainOfThought}
    _WHERE: ClassVar[dict[str, tuple[str, str]]] = {
        "ProgramOfThought": ("kinds.pot", "ProgramOfThought"),
        "ReAct": ("kinds.react", "ReAct"),
        "MultiChainComparison": ("kinds.compare", "MultiChainComparison"),
        "BestOfN": ("kinds.best_of_n", "BestOfN"),
        "Refine": ("kinds.refine", "Refine"),
    }

    def __getitem__(self, kind: str) -> ModuleKind:
        here = self._HERE.get(kind)
        if here is not None:
            return here
        module, name = self._WHERE[kind]
        found = getattr(importlib.import_module(f".{module}", __package__), name)
        if not isinstance(found, ModuleKind):
            raise TypeError(f"{module}.{name} is not a module kind")
        return found

    def module_of(self, kind: str) -> str | None:
        """The dotted name of the runtime module that defines ``kind``, without importing it; None if unknown."""
        here = self._HERE.get(kind)
        if here is not None:
            return here.__module__
        where = self._WHERE.get(kind)
        return f"{__package__}.{where[0]}" if where is not None else None

    def __iter__(self) -> Iterator[str]:
        return iter([*self._HERE, *self._WHERE])

    def __len__(self) -> int:
        return len(self._HERE) + len(self._WHERE)


KINDS = _Kinds()


def make_module(spec: ModuleSpec, params: Params, lm: LanguageModel | None, ctx: ModuleContext | None = None) -> Module:
    """The callable module for one ``module`` declaration, with its learned parameters.

    ``ctx`` is the running program's context: ``ReAct`` finds its tools
    there, ``BestOfN`` and ``Refine`` their reward, ``ReAct`` and
    ``MultiChainComparison`` the parameters of their further predictors.
    """
    cls = KINDS.get(spec.kind)
    if cls is None:
        raise ProgramError(
            f"module `{spec.path}`: the module kind `{spec.kind}` is not supported by this runtime "
            f"(supported: {', '.join(KINDS)})"
        )
    return cls.create(spec, params, lm, ctx)


def part_specs(specs: Mapping[str, ModuleSpec]) -> dict[str, ModuleSpec]:
    """The spec (kind and signature) of every further predictor of these modules, by path."""
    found: dict[str, ModuleSpec] = {}
    for spec in specs.values():
        describe = getattr(KINDS.get(spec.kind), "part_specs", None)
        if describe is not None:
            found.update({path: part.with_settings_of(spec) for path, part in describe(spec).items()})
    return found
