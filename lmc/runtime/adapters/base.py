"""What every prompt format shares: the message layout and the demo rules of DSPy's ``Adapter``.

The messages are: one system message (field list, field structure, the
objective), then one user/assistant pair per demo, then the user message with
the inputs. A subclass decides how fields and answers are written
(``field_structure``, ``output_requirements``, ``assistant_content``) and how
an answer is read (``parse``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from ..signature import Field, Signature
from ..types import allows_none, annotation_name, format_value, output_note

Message = dict[str, str]

INCOMPLETE_DEMO_PREFIX = "This is an example of the task, though some input or output fields are not supplied."
MISSING_IN_INCOMPLETE_DEMO = "Not supplied for this particular example. "
MISSING_IN_COMPLETE_DEMO = "Not supplied for this conversation history message. "

_SYSTEM_MESSAGES: dict[tuple[type, Signature], str] = {}
_SYSTEM_MESSAGES_KEPT = 1024
# The demo turns of a module's demos, by adapter class, signature and the demos' tuple (its identity: a
# module keeps its parameters' tuple, so every call of one candidate program shares it). Each entry holds
# the tuple itself, so its id cannot be reused while the entry lives.
_DEMO_TURNS: dict[tuple[type, Signature, int], tuple[object, tuple[Message, ...]]] = {}
_DEMO_TURNS_KEPT = 1024


class Adapter:
    """Formats a signature, demos and inputs into chat messages, and parses answers back."""

    name: ClassVar[str]
    # A format whose answer is read by a second request (the two-step adapter's extraction), not parsed.
    extracts: ClassVar[bool] = False

    # ------------------------------------------------------------ messages

    def format(
        self, signature: Signature, demos: Sequence[Mapping[str, Any]], inputs: Mapping[str, Any]
    ) -> list[Message]:
        messages = [{"role": "system", "content": self._system_message(signature)}]
        messages.extend(dict(turn) for turn in self._demo_turns(signature, demos))
        messages.append({"role": "user", "content": self.user_content(signature, inputs, main_request=True)})
        return messages

    def _system_message(self, signature: Signature) -> str:
        """``system_message``, kept per adapter class and signature: it depends on nothing else, and a
        module sends the same one on every call (an optimizer's thousands of calls render it once)."""
        key = (type(self), signature)
        text = _SYSTEM_MESSAGES.get(key)
        if text is None:
            if len(_SYSTEM_MESSAGES) >= _SYSTEM_MESSAGES_KEPT:
                _SYSTEM_MESSAGES.clear()  # instructions searched by an optimizer: many, each used a while
            text = _SYSTEM_MESSAGES[key] = self.system_message(signature)
        return text

    def _demo_turns(self, signature: Signature, demos: Sequence[Mapping[str, Any]]) -> tuple[Message, ...]:
        """``demo_messages``, kept for a tuple of demos: an optimizer's evaluation of one candidate
        formats the same demos on every row (each call gets copies: a caller may change its messages)."""
        if not demos:
            return ()
        if type(demos) is not tuple:
            return tuple(self.demo_messages(signature, demos))
        key = (type(self), signature, id(demos))
        kept = _DEMO_TURNS.get(key)
        if kept is not None and kept[0] is demos:
            return kept[1]
        turns = tuple(self.demo_messages(signature, demos))
        if len(_DEMO_TURNS) >= _DEMO_TURNS_KEPT:
            _DEMO_TURNS.clear()  # many candidates (each used a while), or KNN's demos chosen per call
        _DEMO_TURNS[key] = (demos, turns)
        return turns

    def system_message(self, signature: Signature) -> str:
        return (
            f"{self.field_description(signature)}\n"
            f"{self.field_structure(signature)}\n"
            f"{self.task_description(signature)}"
        )

    def field_description(self, signature: Signature) -> str:
        return (
            f"Your input fields are:\n{describe_fields(signature.inputs)}\n"
            f"Your output fields are:\n{describe_fields(signature.outputs)}"
        )

    def field_structure(self, signature: Signature) -> str:
        raise NotImplementedError

    def task_description(self, signature: Signature) -> str:
        lines = textwrap.dedent(signature.instructions).splitlines()
        objective = ("\n" + " " * 8).join([""] + lines)
        return f"In adhering to this structure, your objective is: {objective}"

    def user_content(
        self, signature: Signature, values: Mapping[str, Any], *, prefix: str = "", main_request: bool = False
    ) -> str:
        """The inputs present in ``values`` under their markers, and on the real request the answer format."""
        parts = [prefix]
        parts.extend(
            f"[[ ## {f.name} ## ]]\n{format_value(f.annotation, values[f.name])}"
            for f in signature.inputs
            if f.name in values
        )
        if main_request:
            parts.append(self.output_requirements(signature))
        return "\n\n".join(parts).strip()

    def output_requirements(self, signature: Signature) -> str:
        raise NotImplementedError

    def assistant_content(self, signature: Signature, outputs: Mapping[str, Any], missing: str) -> str:
        raise NotImplementedError

    def demo_messages(self, signature: Signature, demos: Sequence[Mapping[str, Any]]) -> list[Message]:
        """One user/assistant pair per usable demo: incomplete demos first, then complete ones.

        A demo is complete when it has every field, none of them null. An
        incomplete demo is kept only if it has at least one input and one
        output; its user turn says so, and its missing outputs say "Not supplied".
        """
        names = [f.name for f in signature.fields]
        complete: list[Mapping[str, Any]] = []
        incomplete: list[Mapping[str, Any]] = []
        for demo in demos:
            if all(demo.get(name) is not None for name in names):
                complete.append(demo)
            elif any(f.name in demo for f in signature.inputs) and any(f.name in demo for f in signature.outputs):
                incomplete.append(demo)
        messages: list[Message] = []
        for demo in incomplete:
            messages.append(
                {"role": "user", "content": self.user_content(signature, demo, prefix=INCOMPLETE_DEMO_PREFIX)}
            )
            messages.append(
                {"role": "assistant", "content": self.assistant_content(signature, demo, MISSING_IN_INCOMPLETE_DEMO)}
            )
        for demo in complete:
            messages.append({"role": "user", "content": self.user_content(signature, demo)})
            messages.append(
                {"role": "assistant", "content": self.assistant_content(signature, demo, MISSING_IN_COMPLETE_DEMO)}
            )
        return messages

    # ------------------------------------------------------------- parsing

    def parse(self, signature: Signature, text: str) -> dict[str, Any]:
        raise NotImplementedError

    def extractor_signature(self, signature: Signature) -> Signature:
        """The signature of the second request of a format that ``extracts`` (text in, the outputs out)."""
        raise NotImplementedError


def describe_fields(fields: Sequence[Field]) -> str:
    """The numbered field list of the system message: ``1. `name` (type): description``."""
    lines = []
    for i, f in enumerate(fields, start=1):
        # DSPy's placeholder description `${name}` means "no description".
        desc = "" if f.desc == f"${{{f.name}}}" else f.desc
        lines.append(f"{i}. `{f.name}` ({annotation_name(f.annotation)}): {desc}")
    return "\n".join(lines).strip()


def field_placeholder(f: Field, *, is_input: bool) -> str:
    """``{name}``, followed for typed outputs by the note on what the value must be."""
    note = "" if is_input else output_note(f.annotation)
    return f"{{{f.name}}}" + (" " * 8 + f"# note: the value you produce {note}" if note else "")


def type_hint(f: Field) -> str:
    """`` (must be formatted as a valid Python int)`` after an output's name, nothing for ``str``."""
    if f.annotation is str:
        return ""
    return f" (must be formatted as a valid Python {annotation_name(f.annotation)})"


def with_missing_optionals(signature: Signature, parsed: Mapping[str, Any]) -> dict[str, Any]:
    """The parsed outputs in signature order, an absent output whose type allows ``None`` read as ``None``.

    DSPy's adapters do the same (``apply_output_field_defaults``): a model that
    leaves out an optional field has said nothing, which is what ``None`` means.
    """
    return {f.name: parsed.get(f.name) for f in signature.outputs if f.name in parsed or allows_none(f.annotation)}
