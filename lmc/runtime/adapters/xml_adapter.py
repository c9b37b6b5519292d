"""DSPy's XML format: every field between ``<name>`` and ``</name>`` tags (DSPy 3's ``XMLAdapter``).

The layout is the chat format's (field list, structure, objective; demos as
user/assistant pairs) with tags instead of ``[[ ## name ## ]]`` markers and
no completion marker. An output that is a record, a list or a dict is asked,
and written in demos, as nested XML (``<tags><item>...</item></tags>``);
the answer is read back through the field's JSON schema, so nested tags and
JSON text in a tag both parse. An answer that cannot be read is asked once
more in the JSON format, as after the chat format.
"""

from __future__ import annotations

import types
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin
from xml.sax.saxutils import quoteattr

from ..errors import AdapterParseError
from ..signature import Field, Signature
from ..types import describe_error, format_value, parse_value, serialize_for_json, type_adapter
from .base import Adapter, field_placeholder, with_missing_optionals

_STRUCTURE = "All interactions will be structured in the following way, with the appropriate values filled in."


class XMLAdapter(Adapter):
    name = "XMLAdapter"

    def tagged(self, pairs: list[tuple[Field, Any]], *, outputs: bool) -> str:
        """DSPy's ``format_field_with_value``: each field as ``<name>\\nvalue\\n</name>``, nested outputs as XML."""
        parts = []
        for f, value in pairs:
            if outputs and uses_nested_xml(f.annotation):
                serialized = serialize_for_json(value)
                if isinstance(serialized, (dict, list)):
                    parts.append(value_to_xml(serialized, f.name))
                    continue
            formatted = format_value(f.annotation, value)
            if outputs and f.annotation is str:
                formatted = formatted.replace("&", "&amp;").replace("<", "&lt;")
            parts.append(f"<{f.name}>\n{formatted}\n</{f.name}>")
        return "\n\n".join(parts).strip()

    def field_structure(self, signature: Signature) -> str:
        inputs = "\n\n".join(
            self.tagged([(f, field_placeholder(f, is_input=True))], outputs=False) for f in signature.inputs
        )
        outputs = "\n\n".join(
            xml_schema(f.name, f.annotation)
            if uses_nested_xml(f.annotation)
            else self.tagged([(f, field_placeholder(f, is_input=False))], outputs=True)
            for f in signature.outputs
        )
        return "\n\n".join((_STRUCTURE, inputs, outputs))

    def user_content(
        self, signature: Signature, values: Mapping[str, Any], *, prefix: str = "", main_request: bool = False
    ) -> str:
        fields = [(f, values[f.name]) for f in signature.inputs if f.name in values]
        parts = [prefix, self.tagged(fields, outputs=False)]
        if main_request:
            parts.append(self.output_requirements(signature))
        return "\n\n".join((*parts, "")).strip()

    def output_requirements(self, signature: Signature) -> str:
        fields = ", then ".join(f"`<{f.name}>`" for f in signature.outputs)
        schemas = [xml_schema(f.name, f.annotation) for f in signature.outputs if uses_nested_xml(f.annotation)]
        nested = f" Use this nested XML structure: {' '.join(schemas)}" if schemas else ""
        return f"Respond with the corresponding output fields wrapped in XML tags {fields}.{nested}"

    def assistant_content(self, signature: Signature, outputs: Mapping[str, Any], missing: str) -> str:
        return self.tagged([(f, outputs.get(f.name, missing)) for f in signature.outputs], outputs=True)

    def parse(self, signature: Signature, text: str) -> dict[str, Any]:
        """Each output read from its tag(s) through its JSON schema, then validated as its type."""
        expected = [f.name for f in signature.outputs]
        try:
            root = ET.fromstring(f"<dspy_root>{text}</dspy_root>")
        except ET.ParseError as exc:
            raise AdapterParseError(
                adapter=self.name, text=text, expected=expected, reason=f"the answer is not XML: {exc}"
            ) from exc
        elements = _group_children(root)
        parsed: dict[str, Any] = {}
        for f in signature.outputs:
            if f.name not in elements:
                continue
            schema = type_adapter(f.annotation).json_schema(by_alias=False)
            value: Any = None
            error: Exception | None = None
            for candidate in [schema, *schema.get("anyOf", [])]:
                try:
                    value = _elements_to_value(elements[f.name], candidate, schema.get("$defs", {}))
                    parsed[f.name] = _validated(value, f.annotation)
                    break
                except ValueError as exc:
                    error = exc
            else:
                assert error is not None
                raise AdapterParseError(
                    adapter=self.name,
                    text=text,
                    expected=expected,
                    parsed=parsed,
                    reason=f"field `{f.name}` could not be read: {describe_error(error)} (value: {value!r})",
                ) from error
        parsed = with_missing_optionals(signature, parsed)
        if len(parsed) != len(expected):
            raise AdapterParseError(adapter=self.name, text=text, expected=expected, parsed=parsed)
        return parsed


def _validated(value: Any, annotation: Any) -> Any:
    """DSPy's: ``parse_value``, then pydantic by field name when that fails validation."""
    from pydantic import ValidationError

    try:
        return parse_value(value, annotation)
    except ValidationError:
        return type_adapter(annotation).validate_python(value, by_name=True)


def uses_nested_xml(annotation: Any) -> bool:
    """Whether an output is written as nested XML: a list, a dict or a record (optional or not)."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    if len(args) == 1 and get_origin(annotation) in (Union, types.UnionType):
        annotation = args[0]
    origin = get_origin(annotation)
    if origin in (list, dict):
        return True
    return isinstance(annotation, type) and (is_model_class(annotation) or _is_typeddict(annotation))


def is_model_class(annotation: type) -> bool:
    from pydantic import BaseModel  # the XML format validates through pydantic anyway

    return issubclass(annotation, BaseModel)


def _is_typeddict(annotation: type) -> bool:
    return hasattr(annotation, "__required_keys__") and hasattr(annotation, "__total__")


def value_to_xml(value: Any, tag: str, key: str | None = None) -> str:
    """A JSON value as nested tags: lists as ``<item>``s, dicts by key (``<entry key="...">`` for odd keys)."""
    attrs = f" key={quoteattr(key)}" if key is not None else ""
    if isinstance(value, list):
        children = "".join(value_to_xml(item, "item") for item in value)
        return f"<{tag}{attrs}>{children}</{tag}>" if children else f"<{tag}{attrs} />"
    if isinstance(value, dict):
        parts = []
        for name, child in value.items():
            name = str(name)
            valid = (name[:1] + name[1:].replace("-", "_").replace(".", "_")).isidentifier()
            parts.append(value_to_xml(child, name) if valid else value_to_xml(child, "entry", name))
        return f"<{tag}{attrs}>{''.join(parts)}</{tag}>"
    if value is None:
        return f"<{tag}{attrs} />"
    return f"<{tag}{attrs}>{str(value).replace('&', '&amp;').replace('<', '&lt;')}</{tag}>"


def xml_schema(tag: str, annotation: Any) -> str:
    """The nested tags an output is asked in (``<tags><item>...</item></tags>``)."""
    schema = type_adapter(annotation).json_schema(by_alias=False)
    return _schema_to_xml(tag, schema, schema.get("$defs", {}), frozenset())


def _schema_to_xml(tag: str, schema: dict[str, Any], definitions: dict[str, Any], seen: frozenset[str]) -> str:
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return f"<{tag}>...</{tag}>"
        return _schema_to_xml(tag, definitions[name], definitions, seen | {name})
    choices = schema.get("anyOf")
    if choices:
        chosen = next((s for s in choices if s.get("type") != "null"), choices[0])
        return _schema_to_xml(tag, chosen, definitions, seen)
    if schema.get("type") == "array":
        item = _schema_to_xml("item", schema.get("items", {}), definitions, seen)
        return f"<{tag}>{item}</{tag}>"
    children = "".join(
        _schema_to_xml(name, child, definitions, seen) for name, child in schema.get("properties", {}).items()
    )
    return f"<{tag}>{children}</{tag}>" if children else f"<{tag}>...</{tag}>"


def _elements_to_value(elements: list[ET.Element], schema: dict[str, Any], definitions: dict[str, Any]) -> Any:
    schema = definitions.get(schema.get("$ref", "").rsplit("/", 1)[-1], schema)
    choices = schema.get("anyOf")
    if choices:
        if {"type": "null"} in choices and not list(elements[0]) and not (elements[0].text or "").strip():
            return None
        choices = [c for c in choices if c.get("type") != "null"]
        schema = choices[0]
        if list(elements[0]):
            schema = next((c for c in choices if c.get("type") != "string"), schema)
    if schema.get("type") == "array":
        if len(elements) == 1 and not list(elements[0]):
            text = (elements[0].text or "").strip()
            if not text or text.startswith("["):
                return [] if not text else text
        if len(elements) == 1:
            items = _group_children(elements[0]).get("item")
            if items:
                elements = items
        return [_elements_to_value([e], schema.get("items", {}), definitions) for e in elements]
    element = elements[0]
    if schema.get("type") == "string" and list(element):
        return (element.text or "") + "".join(ET.tostring(child, encoding="unicode") for child in element)
    children = _group_children(element)
    if not children:
        if schema.get("type") == "object" and not (element.text or "").strip():
            return {}
        values = [(e.text or "").strip() for e in elements]
        return values[0] if len(values) == 1 else values
    properties = schema.get("properties", {})
    child_schema = schema.get("additionalProperties", {})
    if not isinstance(child_schema, dict):
        child_schema = {}
    return {
        name: _elements_to_value(items, properties.get(name, child_schema), definitions)
        for name, items in children.items()
    }


def _group_children(element: ET.Element) -> dict[str, list[ET.Element]]:
    children: dict[str, list[ET.Element]] = defaultdict(list)
    for child in element:
        children[child.attrib.get("key", child.tag) if child.tag == "entry" else child.tag].append(child)
    return children
