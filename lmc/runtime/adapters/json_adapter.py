"""DSPy's JSON format: inputs under markers, the answer as one JSON object.

It is the fallback when an answer in the chat format cannot be parsed. No
``response_format`` is sent (not every provider has one); the prompt alone
asks for JSON, and the parser finds the object even inside surrounding prose
or a fenced code block.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from typing import Any

from ..errors import AdapterParseError
from ..signature import Signature
from ..types import annotation_name, describe_error, parse_value, serialize_for_json
from .base import field_placeholder, type_hint, with_missing_optionals
from .chat_adapter import ChatAdapter, format_sections


class JSONAdapter(ChatAdapter):
    name = "JSONAdapter"

    def field_structure(self, signature: Signature) -> str:
        inputs = format_sections([(f, field_placeholder(f, is_input=True)) for f in signature.inputs])
        outputs = _json_object({f.name: field_placeholder(f, is_input=False) for f in signature.outputs})
        parts = [
            "All interactions will be structured in the following way, with the appropriate values filled in.",
            "Inputs will have the following structure:",
            inputs,
            "Outputs will be a JSON object with the following fields.",
            outputs,
        ]
        return "\n\n".join(parts).strip()

    def output_requirements(self, signature: Signature) -> str:
        fields = ", then ".join(f"`{f.name}`{type_hint(f)}" for f in signature.outputs)
        return f"Respond with a JSON object in the following order of fields: {fields}."

    def assistant_content(self, signature: Signature, outputs: Mapping[str, Any], missing: str) -> str:
        return _json_object({f.name: outputs.get(f.name, missing) for f in signature.outputs})

    def parse(self, signature: Signature, text: str) -> dict[str, Any]:
        obj = find_json_object(text)
        expected = [f.name for f in signature.outputs]
        if obj is None:
            raise AdapterParseError(
                adapter=self.name, text=text, expected=expected, reason="the answer holds no JSON object"
            )
        parsed: dict[str, Any] = {}
        for f in signature.outputs:
            if f.name not in obj:
                continue
            try:
                parsed[f.name] = parse_value(obj[f.name], f.annotation)
            except ValueError as exc:
                raise AdapterParseError(
                    adapter=self.name,
                    text=text,
                    expected=expected,
                    parsed=parsed,
                    reason=f"field `{f.name}` is not a valid {annotation_name(f.annotation)}: "
                    f"{describe_error(exc)} (value: {obj[f.name]!r})",
                ) from exc
        parsed = with_missing_optionals(signature, parsed)
        if len(parsed) != len(expected):
            raise AdapterParseError(adapter=self.name, text=text, expected=expected, parsed=parsed)
        return parsed


def _json_object(values: Mapping[str, Any]) -> str:
    return json.dumps(serialize_for_json(dict(values)), indent=2, ensure_ascii=False)


def find_json_object(text: str) -> dict[str, Any] | None:
    """The answer as a JSON object, or the first balanced ``{...}`` in it that reads as one.

    Python dict literals (single quotes, ``True``) are accepted too, since small
    models often write them.
    """
    whole = _load_object(text.strip())
    if whole is not None:
        return whole
    start = text.find("{")
    while start != -1:
        end = _matching_brace(text, start)
        if end is not None:
            found = _load_object(text[start : end + 1])
            if found is not None:
                return found
        start = text.find("{", start + 1)
    return None


def _load_object(candidate: str) -> dict[str, Any] | None:
    try:
        value = json.loads(candidate)
    except json.JSONDecodeError:
        try:
            value = ast.literal_eval(candidate)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return None
    return value if isinstance(value, dict) else None


def _matching_brace(text: str, start: int) -> int | None:
    """Index of the ``}`` closing the ``{`` at ``start``, skipping braces inside strings."""
    depth = 0
    quote: str | None = None
    escaped = False
    for i in range(start, len(text)):
        ch = text[i]
        if quote is not None:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
    return None
