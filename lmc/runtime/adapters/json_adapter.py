"""DSPy's JSON format: inputs under markers, the answer as one JSON object.

A module whose adapter is ``json`` asks for it with the provider's
structured output, as DSPy's ``JSONAdapter`` does: ``response_format`` is
the JSON schema of the output fields (:meth:`JSONAdapter.response_format`,
DSPy's ``_get_structured_outputs_response_format`` as OpenAI's client sends
it), or ``{"type": "json_object"}`` when an output is an open-ended mapping
(``dict[str, T]``); the LM sends what its provider takes of it
(``lm.client.sent_response_format``). As the fallback of the chat and XML
formats it sends none, as before (the prompt alone asks for JSON). The
parser finds the object even inside surrounding prose or a fenced code block.
"""

from __future__ import annotations

import ast
import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any, get_origin

from ..errors import AdapterParseError
from ..signature import Field, Signature
from ..types import annotation_name, describe_error, parse_value, serialize_for_json
from .base import field_placeholder, type_hint, with_missing_optionals
from .chat_adapter import ChatAdapter, format_sections

_FORMATS: dict[tuple[Field, ...], dict[str, Any]] = {}
_FORMATS_KEPT = 1024


class JSONAdapter(ChatAdapter):
    """``structured``: the module asks for the answer with ``response_format`` (the ``json`` adapter).

    The messages do not depend on it (the system message is kept per class and signature).
    """

    name = "JSONAdapter"

    def __init__(self, *, structured: bool = False) -> None:
        self.structured = structured

    def response_format(self, signature: Signature) -> dict[str, Any]:
        """The ``response_format`` asked for this signature's outputs: DSPy's, as OpenAI's client sends it."""
        key = signature.outputs
        found = _FORMATS.get(key)
        if found is None:
            if len(_FORMATS) >= _FORMATS_KEPT:
                _FORMATS.clear()
            found = _FORMATS[key] = structured_format(signature.outputs)
        return copy.deepcopy(found)

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


# ------------------------------------------------------------ structured output

OUTPUTS_MODEL = "DSPyProgramOutputs"  # DSPy's name for the model of the outputs, which the schema is named by


def structured_format(outputs: Sequence[Field]) -> dict[str, Any]:
    """``{"type": "json_schema", ...}`` for these outputs, or ``{"type": "json_object"}`` with an open-ended mapping.

    DSPy builds a pydantic model of the outputs (extra fields forbidden),
    makes every object's properties required and closed, and OpenAI's client
    makes the schema strict; each step is ported here (``_dspy_required``,
    ``_openai_strict``), so the schema sent is DSPy's.
    """
    if any(get_origin(f.annotation) is dict for f in outputs):
        return {"type": "json_object"}
    import pydantic  # here: only a json-adapter module's first request pays for it

    try:
        model = pydantic.create_model(  # type: ignore[call-overload]
            OUTPUTS_MODEL,
            __config__=pydantic.ConfigDict(extra="forbid"),
            **{f.name: (f.annotation, ...) for f in outputs},
        )
        schema = model.model_json_schema()
    except (pydantic.PydanticSchemaGenerationError, pydantic.PydanticInvalidForJsonSchema, TypeError, ValueError):
        return {"type": "json_object"}  # DSPy's fallback when the schema cannot be built
    for prop in schema.get("properties", {}).values():
        prop.pop("json_schema_extra", None)
    _dspy_required(schema)
    schema = _openai_strict(schema, schema)
    return {"type": "json_schema", "json_schema": {"schema": schema, "name": OUTPUTS_MODEL, "strict": True}}


def _dspy_required(part: dict[str, Any]) -> None:
    """DSPy's ``enforce_required``: every object lists all its properties as required, none other allowed."""
    if part.get("type") == "object":
        props = part.get("properties")
        if props is not None:
            part["required"] = list(props.keys())
            part["additionalProperties"] = False
            for sub in props.values():
                if isinstance(sub, dict):
                    _dspy_required(sub)
        else:
            part["properties"] = {}
            part["required"] = []
            part["additionalProperties"] = False
    if part.get("type") == "array" and isinstance(part.get("items"), dict):
        _dspy_required(part["items"])
    for key in ("$defs", "definitions"):
        if key in part:
            for sub in part[key].values():
                _dspy_required(sub)


def _openai_strict(part: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's client's ``_ensure_strict_json_schema``, which it applies to a model's schema before sending."""
    for key in ("$defs", "definitions"):
        defs = part.get(key)
        if isinstance(defs, dict):
            for sub in defs.values():
                _openai_strict(sub, root)
    if part.get("type") == "object" and "additionalProperties" not in part:
        part["additionalProperties"] = False
    properties = part.get("properties")
    if isinstance(properties, dict):
        part["required"] = list(properties.keys())
        part["properties"] = {k: _openai_strict(v, root) for k, v in properties.items()}
    items = part.get("items")
    if isinstance(items, dict):
        part["items"] = _openai_strict(items, root)
    any_of = part.get("anyOf")
    if isinstance(any_of, list):
        part["anyOf"] = [_openai_strict(v, root) for v in any_of]
    all_of = part.get("allOf")
    if isinstance(all_of, list):
        if len(all_of) == 1:
            part.update(_openai_strict(all_of[0], root))
            part.pop("allOf")
        else:
            part["allOf"] = [_openai_strict(v, root) for v in all_of]
    if "default" in part and part["default"] is None:
        part.pop("default")
    ref = part.get("$ref")
    if ref and len(part) > 1:
        resolved: Any = root
        for key in ref[2:].split("/"):
            resolved = resolved[key]
        part.update({**resolved, **part})
        part.pop("$ref")
        return _openai_strict(part, root)
    return part
