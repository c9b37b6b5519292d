"""DSPy's two-step format (``TwoStepAdapter``): a natural prompt, then an extraction of the fields.

The first request asks the module's LM in plain words: a system message
describing the task (its fields and instructions), the demos and the inputs
as ``name: value`` lines, and no output format at all, which suits models
that reason at length and write structured answers poorly. The second asks
the extraction LM (the module's ``extraction_lm``, else its own LM) to fill
the output fields from that answer, in the chat format with its JSON
fallback, through a signature of its own (:func:`extractor_signature`):
``text`` in, the module's outputs out, with DSPy's instructions. That second
request has no demos and is not learned, as in DSPy.

The module makes both requests (``modules.Predict``); this adapter formats
the first and says how the second is asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..signature import Field, Signature
from .base import Adapter, describe_fields

_EXTRACTORS: dict[Signature, Signature] = {}
_EXTRACTORS_KEPT = 1024
TEXT = Field(name="text", annotation=str, desc="")


class TwoStepAdapter(Adapter):
    name = "TwoStepAdapter"
    extracts = True

    def system_message(self, signature: Signature) -> str:
        parts = [
            "You are a helpful assistant that can solve tasks based on user input.",
            "As input, you will be provided with:\n" + describe_fields(signature.inputs),
            "Your outputs must contain:\n" + describe_fields(signature.outputs),
            "You should lay out your outputs in detail so that your answer can be understood by another agent",
        ]
        if signature.instructions:
            parts.append(f"Specific instructions: {signature.instructions}")
        return "\n".join(parts)

    def user_content(
        self, signature: Signature, values: Mapping[str, Any], *, prefix: str = "", main_request: bool = False
    ) -> str:
        """The inputs present, as ``name: value`` (the value's ``str``, as DSPy writes it); no answer format."""
        parts = [prefix]
        parts.extend(f"{f.name}: {values[f.name]}" for f in signature.inputs if f.name in values)
        parts.append("")
        return "\n\n".join(parts).strip()

    def assistant_content(self, signature: Signature, outputs: Mapping[str, Any], missing: str) -> str:
        """The outputs a demo has, as ``name: value`` (DSPy leaves the missing ones out)."""
        return "\n\n".join(f"{f.name}: {outputs[f.name]}" for f in signature.outputs if f.name in outputs).strip()

    def parse(self, signature: Signature, text: str) -> dict[str, Any]:
        raise TypeError("a two-step answer is read by a second request (extractor_signature), not parsed")

    def extractor_signature(self, signature: Signature) -> Signature:
        return extractor_signature(signature)


def extractor_signature(signature: Signature) -> Signature:
    """The signature of the second request: ``text`` in, the module's outputs out, DSPy's instructions."""
    found = _EXTRACTORS.get(signature)
    if found is None:
        if len(_EXTRACTORS) >= _EXTRACTORS_KEPT:
            _EXTRACTORS.clear()
        outputs = ", ".join(f"`{f.name}`" for f in signature.outputs)
        # DSPy writes this text with a backslash line continuation: the next line's indentation is part of it.
        instructions = (
            f"The input is a text that should contain all the necessary information to produce the fields {outputs}."
            " " + " " * 12 + "Your job is to extract the fields from the text verbatim. Extract precisely the "
            "appropriate value (content) for each field."
        )
        found = _EXTRACTORS[signature] = Signature(
            name="StringSignature", instructions=instructions, inputs=(TEXT,), outputs=signature.outputs
        )
    return found
