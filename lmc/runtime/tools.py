"""Tools: a file's ``tool`` declarations, callable with the parameter types they declare.

``tool search(query: str, k: int = 3) -> list[str] = python "mod:fn" "desc"``
becomes ``Tool("search", mod.fn, params=(...), desc="desc")``. Calling a
``Tool`` first checks its arguments against the declared types (pydantic, in
lax mode, so the ``"3"`` an LM writes for an ``int`` is read as ``3``); a
bad argument raises ``ToolArgumentError`` before the function runs, and a
result that does not fit the declared return type raises ``ToolResultError``
(the same lax validation: a tool declared ``-> list[str]`` that returns a
tuple of strings is fine, one that returns ``None`` is not). Program
bodies and ``ReAct`` agents call tools through the same object, so both hand
the function exactly what its declaration promises.

``call_with_timeout`` bounds one call in wall-clock time. Python cannot stop
a running thread, so a call that runs past its limit is abandoned: it goes on
in a daemon thread (which never keeps the process alive) while the caller
gets ``ToolTimeout`` at once.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import ProgramError
from .types import describe_error, type_adapter

__all__ = [
    "REQUIRED",
    "Tool",
    "ToolArgumentError",
    "ToolParam",
    "ToolResultError",
    "ToolTimeout",
    "call_with_timeout",
]


class _Required:
    """The default of a parameter that has none (``None`` is a real default)."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


class ToolArgumentError(ProgramError):
    """Arguments that do not fit a tool's declared parameters."""


class ToolResultError(ProgramError):
    """A tool returned a value that does not fit its declared return type."""


class ToolTimeout(Exception):
    """A tool call ran past its time limit and was abandoned."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"the tool did not answer within {seconds:g} seconds; the call was abandoned")


@dataclass(frozen=True, slots=True)
class ToolParam:
    """One declared parameter: its name, type (a Python annotation) and default."""

    name: str
    annotation: Any = str
    default: Any = REQUIRED

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True, slots=True)
class Tool:
    """A Python function with the name, parameters and description its ``tool`` declaration gives it."""

    name: str
    fn: Callable[..., Any]
    params: tuple[ToolParam, ...] = ()
    desc: str = ""
    returns: Any = None  # the declared return type; None: not checked

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.check_result(self.fn(**self.bind(args, kwargs)))

    def check_result(self, value: Any) -> Any:
        """The function's result validated against the declared return type (``ToolResultError`` if it does not fit)."""
        if self.returns is None:
            return value
        try:
            return type_adapter(self.returns).validate_python(value)
        except ValueError as exc:
            from .types import annotation_name

            raise ToolResultError(
                f"tool `{self.name}` returned {type(value).__name__} {_short(value)}, "
                f"not the declared {annotation_name(self.returns)}: {describe_error(exc)}"
            ) from None

    def bind(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """The keyword arguments for the function: positional ones named, each value validated, defaults filled."""
        if len(args) > len(self.params):
            raise ToolArgumentError(
                f"tool `{self.name}` takes {len(self.params)} argument(s), {len(args)} given by position"
            )
        given = dict(zip((p.name for p in self.params), args, strict=False))
        problems: list[str] = []
        for key, value in kwargs.items():
            if key in given:
                problems.append(f"`{key}` is given twice")
            given[key] = value
        known = {p.name for p in self.params}
        problems += [f"`{key}` is not a parameter" for key in given if key not in known]
        bound: dict[str, Any] = {}
        for p in self.params:
            if p.name not in given:
                if p.required:
                    problems.append(f"`{p.name}` is missing")
                else:
                    bound[p.name] = p.default
                continue
            try:
                bound[p.name] = type_adapter(p.annotation).validate_python(given[p.name])
            except ValueError as exc:
                problems.append(f"`{p.name}`: {describe_error(exc)}")
        if problems:
            raise ToolArgumentError(f"tool `{self.name}` got invalid arguments: {'; '.join(problems)}")
        return bound

    def args_schema(self) -> dict[str, Any]:
        """Each parameter's JSON schema, with its default: what DSPy's ``Tool.args`` holds."""
        schema: dict[str, Any] = {}
        for p in self.params:
            schema[p.name] = _inline_refs(json_schema_unsorted(p.annotation))
            if not p.required:
                schema[p.name]["default"] = p.default
        return schema

    def describe(self) -> str:
        """The tool as a ReAct prompt lists it (DSPy's ``str(Tool)``)."""
        desc = f", whose description is <desc>{self.desc}</desc>.".replace("\n", "  ") if self.desc else "."
        return f"{self.name}{desc} It takes arguments {self.args_schema()}."


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def json_schema_unsorted(annotation: Any) -> dict[str, Any]:
    """pydantic's JSON schema in pydantic's key order (DSPy prints tool arguments unsorted,
    unlike the output notes, whose schema ``types.json_schema`` sorts)."""
    return dict(type_adapter(annotation).json_schema())


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """Replace ``$ref``s by the ``$defs`` they point to, as DSPy does for tool arguments."""
    defs = schema.get("$defs")
    if not defs:
        return schema

    def resolve(value: object) -> object:
        if isinstance(value, dict):
            return resolve_object(value)
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return value

    def resolve_object(value: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in value:
            return resolve_object(defs[value["$ref"].rsplit("/", 1)[-1]])
        return {k: resolve(v) for k, v in value.items()}

    resolved = resolve_object(schema)
    resolved.pop("$defs", None)
    return resolved


def call_with_timeout(fn: Callable[..., Any], kwargs: Mapping[str, Any], seconds: float | None) -> Any:
    """``fn(**kwargs)``, or ``ToolTimeout`` once ``seconds`` have passed (the call is then abandoned)."""
    if seconds is None:
        return fn(**kwargs)
    outcome: dict[str, Any] = {}
    context = contextvars.copy_context()

    def target() -> None:
        try:
            outcome["value"] = context.run(fn, **kwargs)
        except Exception as exc:  # noqa: BLE001 - handed to the caller's thread as is
            outcome["error"] = exc

    worker = threading.Thread(target=target, name=f"lmc-tool-{getattr(fn, '__name__', 'call')}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise ToolTimeout(seconds)
    if "error" in outcome:
        raise outcome["error"]
    if "value" not in outcome:
        raise RuntimeError("the tool call ended without a result")
    return outcome["value"]
