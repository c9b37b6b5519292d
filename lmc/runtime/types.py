"""Field types as the prompt shows them, and LM text back into typed, validated values.

Every rule here follows DSPy's ``dspy/adapters/utils.py`` so that a prompt lmc
renders is the prompt DSPy would render for the same signature: how a type is
named (``list[str]``, ``Literal['yes', 'no']``), the ``# note:`` line that
tells the LM what to produce, how values are written into a prompt, and how
an answer is read back. Reading back ends, for every type but ``str``, in a
pydantic validation against the field's annotation, so no program ever sees
a value of the wrong type.

pydantic is imported by the functions that need it, never at module level:
importing an emitted package (whose runtime this is) must stay fast, and
pydantic alone takes about 100 ms to import. A value can only be a pydantic
model, or a pydantic error, once pydantic is loaded, so the checks for those
look in ``sys.modules`` instead of importing it.
"""

from __future__ import annotations

import ast
import enum
import functools
import inspect
import json
import math
import sys
import types
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = [
    "allows_none",
    "annotation_name",
    "describe_error",
    "format_value",
    "is_model",
    "json_schema",
    "output_note",
    "parse_value",
    "serialize_for_json",
    "to_jsonable",
    "type_adapter",
]


@functools.lru_cache(maxsize=1024)
def _cached_type_adapter(annotation: Any) -> TypeAdapter[Any]:
    from pydantic import TypeAdapter

    return TypeAdapter(annotation)


def type_adapter(annotation: Any) -> TypeAdapter[Any]:
    """A pydantic ``TypeAdapter``, built once per annotation (building one costs ~100 µs+)."""
    try:
        return _cached_type_adapter(annotation)
    except TypeError:  # an unhashable annotation: build it every time
        from pydantic import TypeAdapter

        return TypeAdapter(annotation)


def is_model(value: Any) -> bool:
    """Whether ``value`` is a pydantic model instance, without importing pydantic.

    ``BaseModel`` is defined in ``pydantic.main``: no model exists before that module is loaded, nor
    while another thread is still importing it (the module is then in ``sys.modules`` half made).
    """
    base = getattr(sys.modules.get("pydantic.main"), "BaseModel", None)
    return base is not None and isinstance(value, base)


# ------------------------------------------------------------------ naming


def annotation_name(annotation: Any) -> str:
    """The type as written in the field list: ``int``, ``list[str]``, ``Literal['yes', 'no']``.

    ``X | None`` reads ``Union[X, NoneType]``, as ``Optional[X]`` does (DSPy 3 names both so).
    """
    origin = get_origin(annotation)
    if origin is types.UnionType:
        origin = Union
    if origin is None:
        return getattr(annotation, "__name__", None) or str(annotation)
    args = get_args(annotation)
    if origin is Literal:
        parts = (_quote_literal(a) if isinstance(a, str) else annotation_name(a) for a in args)
    else:
        parts = (annotation_name(a) for a in args)
    return f"{annotation_name(origin)}[{', '.join(parts)}]"


def _quote_literal(value: str) -> str:
    """Quote a ``Literal`` member the way DSPy does: single quotes unless the text holds one."""
    has_single, has_double = "'" in value, '"' in value
    if has_single and not has_double:
        return f'"{value}"'
    if has_single and has_double:
        escaped = value.replace("'", "\\'")
        return f"'{escaped}'"
    return f"'{value}'"


def allows_none(annotation: Any) -> bool:
    """Whether ``None`` is a value of this type (``X | None``, ``Optional[X]``).

    An output of such a type that the LM leaves out reads as ``None``, as in DSPy.
    """
    if annotation is None or annotation is type(None):
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return any(allows_none(arg) for arg in get_args(annotation))
    return False


def _is_enum(annotation: Any) -> bool:
    return inspect.isclass(annotation) and issubclass(annotation, enum.Enum)


def output_note(annotation: Any) -> str:
    """What an output of this type must look like, or ``""`` when anything goes (``str``)."""
    if annotation is str:
        return ""
    if annotation is bool:
        return "must be True or False"
    if annotation in (int, float):
        return f"must be a single {annotation.__name__} value"
    if _is_enum(annotation):
        return f"must be one of: {'; '.join(str(member.value) for member in annotation)}"
    if get_origin(annotation) is Literal:
        return f"must exactly match (no extra characters) one of: {'; '.join(str(a) for a in get_args(annotation))}"
    return f"must adhere to the JSON schema: {json.dumps(json_schema(annotation), ensure_ascii=False)}"


def json_schema(annotation: Any) -> Any:
    """pydantic's JSON schema with ``type`` first and every other key sorted, as DSPy shows it."""
    return _type_first(type_adapter(annotation).json_schema())


def _type_first(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _type_first(v) for k, v in sorted(value.items(), key=lambda item: (item[0] != "type", item[0]))}
    if isinstance(value, list):
        return [_type_first(v) for v in value]
    return value


# -------------------------------------------------------------- formatting


# The values pydantic's JSON mode gives back as they are: read without loading pydantic (~65 ms to import),
# which a prompt of text and numbers alone then never needs. Exact types only: subclasses (enums) go to it.
_AS_THEY_ARE = frozenset({str, int, bool, type(None)})


def serialize_for_json(value: Any) -> Any:
    """A JSON-compatible form of ``value`` (pydantic's JSON mode), or its ``str`` when it has none."""
    kind = type(value)
    if kind in _AS_THEY_ARE or (kind is float and math.isfinite(value)):  # pydantic writes inf and nan as null
        return value
    from pydantic import PydanticUserError
    from pydantic_core import PydanticSerializationError

    try:
        return type_adapter(type(value)).dump_python(value, mode="json")
    except (PydanticSerializationError, PydanticUserError):
        return str(value)


def format_value(annotation: Any, value: Any) -> str:
    """A value as it appears after its ``[[ ## field ## ]]`` marker.

    A list given to a ``str`` field becomes DSPy's numbered ``[1] «...»`` list;
    dicts, lists and records become JSON; everything else its plain text (no
    quotes around strings, enums as their values, booleans as ``True``).
    """
    if isinstance(value, list) and annotation is str:
        return _format_text_list(value)
    jsonable = serialize_for_json(value)
    if isinstance(jsonable, (dict, list)):
        return json.dumps(jsonable, ensure_ascii=False)
    return str(jsonable)


def _format_text_list(items: list[Any]) -> str:
    if not items:
        return "N/A"
    if len(items) == 1:
        return _format_blob(str(items[0]))
    return "\n".join(f"[{i}] {_format_blob(str(item))}" for i, item in enumerate(items, start=1))


def _format_blob(text: str) -> str:
    if "\n" not in text and "«" not in text and "»" not in text:
        return f"«{text}»"
    indented = text.replace("\n", "\n    ")
    return f"«««\n    {indented}\n»»»"


def to_jsonable(value: Any) -> Any:
    """A plain JSON value (enums as their values, records as dicts): how demos and traces store values."""
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if is_model(value):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    return serialize_for_json(value)


# ----------------------------------------------------------------- parsing


def parse_value(value: Any, annotation: Any) -> Any:
    """Read one output field's raw value (LM text, or a JSON value) as ``annotation``.

    Raises ``ValueError`` (pydantic's ``ValidationError`` is one) when it does not fit.
    ``str`` takes any text as is; enums and literals are matched by value,
    forgiving surrounding whitespace and quotes; anything else is read as JSON,
    then as a Python literal, then as the bare text, and validated by pydantic.
    """
    if annotation is str:
        return str(value)
    if _is_enum(annotation):
        return _enum_member(annotation, value)
    origin = get_origin(annotation)
    if origin is Literal:
        return _literal_member(annotation, value)
    adapter = type_adapter(annotation)
    if not isinstance(value, str):
        return adapter.validate_python(value)
    if origin in (Union, types.UnionType) and type(None) in get_args(annotation) and str in get_args(annotation):
        return adapter.validate_python(value)  # `str | None`: the text is the value
    return adapter.validate_python(_decode(value))


def _decode(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def _unquote(value: Any) -> Any:
    """Strip whitespace, one pair of matching quotes, and a ``Literal[...]`` wrapper an LM may echo."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith(("Literal[", "str[")) and text.endswith("]"):
        text = text[text.find("[") + 1 : -1]
    if len(text) > 1 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    return text


def _literal_member(annotation: Any, value: Any) -> Any:
    allowed = get_args(annotation)
    if value in allowed:
        return value
    candidate = _unquote(value)
    if candidate in allowed:
        return candidate
    raise ValueError(f"{value!r} is not one of {allowed!r}")


def _enum_member(annotation: type[enum.Enum], value: Any) -> enum.Enum:
    for candidate in (value, _unquote(value)):
        for member in annotation:
            if member.value == candidate:
                return member
        if isinstance(candidate, str) and candidate in annotation.__members__:
            return annotation[candidate]
    allowed = "; ".join(str(member.value) for member in annotation)
    raise ValueError(f"{value!r} is not one of: {allowed} (enum {annotation.__name__})")


def describe_error(exc: Exception) -> str:
    """A one-line reason for a failed parse: pydantic's messages without its preamble."""
    # pydantic's ValidationError is pydantic_core's; None before that module is loaded, or half made.
    error = getattr(sys.modules.get("pydantic_core"), "ValidationError", None)
    if error is not None and isinstance(exc, error):
        return "; ".join(err["msg"] for err in exc.errors()[:3])
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
