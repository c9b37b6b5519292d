"""DSPy's chat format: every field in its own section under a ``[[ ## name ## ]]`` marker."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import AdapterParseError
from ..signature import Field, Signature
from ..types import annotation_name, describe_error, format_value, parse_value
from .base import Adapter, field_placeholder, type_hint, with_missing_optionals

COMPLETED = "[[ ## completed ## ]]"
_HEADER = re.compile(r"\[\[ ## (\w+) ## \]\]")


def format_sections(pairs: list[tuple[Field, Any]]) -> str:
    """``[[ ## name ## ]]`` then the formatted value, sections separated by a blank line."""
    return "\n\n".join(f"[[ ## {f.name} ## ]]\n{format_value(f.annotation, value)}" for f, value in pairs).strip()


class ChatAdapter(Adapter):
    name = "ChatAdapter"

    def field_structure(self, signature: Signature) -> str:
        parts = [
            "All interactions will be structured in the following way, with the appropriate values filled in.",
            format_sections([(f, field_placeholder(f, is_input=True)) for f in signature.inputs]),
            format_sections([(f, field_placeholder(f, is_input=False)) for f in signature.outputs]),
            f"{COMPLETED}\n",
        ]
        return "\n\n".join(parts).strip()

    def output_requirements(self, signature: Signature) -> str:
        fields = ", then ".join(f"`[[ ## {f.name} ## ]]`{type_hint(f)}" for f in signature.outputs)
        return (
            f"Respond with the corresponding output fields, starting with the field {fields}, "
            f"and then ending with the marker for `{COMPLETED}`."
        )

    def assistant_content(self, signature: Signature, outputs: Mapping[str, Any], missing: str) -> str:
        sections = format_sections([(f, outputs.get(f.name, missing)) for f in signature.outputs])
        return f"{sections}\n\n{COMPLETED}\n"

    def parse(self, signature: Signature, text: str) -> dict[str, Any]:
        """Split the answer at the markers; the first section of each output field wins.

        Text after a marker on the same line belongs to that field; a missing
        field whose type allows ``None`` is ``None``. Raises ``AdapterParseError``
        when a value does not fit its type or another field is missing.
        """
        sections: list[tuple[str | None, list[str]]] = [(None, [])]
        for line in text.splitlines():
            stripped = line.strip()
            match = _HEADER.match(stripped)
            if match:
                rest = stripped[match.end() :].strip()
                sections.append((match.group(1), [rest] if rest else []))
            else:
                sections[-1][1].append(line)

        outputs = {f.name: f for f in signature.outputs}
        expected = list(outputs)
        parsed: dict[str, Any] = {}
        for name, lines in sections:
            if name is None or name in parsed or name not in outputs:
                continue
            value = "\n".join(lines).strip()
            try:
                parsed[name] = parse_value(value, outputs[name].annotation)
            except ValueError as exc:
                raise AdapterParseError(
                    adapter=self.name,
                    text=text,
                    expected=expected,
                    parsed=parsed,
                    reason=f"field `{name}` is not a valid {annotation_name(outputs[name].annotation)}: "
                    f"{describe_error(exc)} (value: {value!r})",
                ) from exc
        parsed = with_missing_optionals(signature, parsed)
        if parsed.keys() != outputs.keys():
            raise AdapterParseError(adapter=self.name, text=text, expected=expected, parsed=parsed)
        return parsed
