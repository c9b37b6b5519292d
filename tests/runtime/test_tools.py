"""Tools: arguments checked against the declared types, DSPy's description, calls bounded in time."""

from __future__ import annotations

import enum

import pydantic
import pytest

from lmc.runtime.errors import ProgramError
from lmc.runtime.tools import Tool, ToolArgumentError, ToolParam, ToolTimeout, call_with_timeout

from .blocking import HANG_BOUND_S, BlockingTool


class Unit(str, enum.Enum):
    km = "km"
    mi = "mi"


class Place(pydantic.BaseModel):
    name: str
    unit: Unit = Unit.km


def distance(origin: Place, k: int = 2, note: str | None = None) -> str:
    return f"{origin.name} {origin.unit.value} {k} {note}"


DISTANCE = Tool(
    "distance",
    distance,
    (ToolParam("origin", Place), ToolParam("k", int, 2), ToolParam("note", str | None, None)),
    "How far.\nIn km.",
)


def test_arguments_are_validated_converted_and_completed():
    assert DISTANCE({"name": "Tesk"}) == "Tesk km 2 None"
    assert DISTANCE(origin={"name": "Tesk", "unit": "mi"}, k="5", note="n") == "Tesk mi 5 n"


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {}, "`origin` is missing"),
        (({"name": "T"},), {"origin": {"name": "T"}}, "`origin` is given twice"),
        (({"name": "T"}, 1, None, 4), {}, "takes 3 argument(s), 4 given by position"),
        ((), {"origin": {"name": "T"}, "far": 1}, "`far` is not a parameter"),
        ((), {"origin": {"name": "T", "unit": "ly"}}, "`origin`: Input should be 'km' or 'mi'"),
    ],
)
def test_bad_arguments_raise_before_the_function_runs(args, kwargs, message):
    with pytest.raises(ToolArgumentError) as info:
        DISTANCE(*args, **kwargs)
    assert message in str(info.value) and isinstance(info.value, ProgramError)


def test_description_is_dspy_tool_string_with_references_inlined():
    # As in DSPy, a `$ref` is replaced by its definition (keys beside it, like `default`, go).
    assert DISTANCE.describe() == (
        "distance, whose description is <desc>How far.  In km.</desc>. It takes arguments "
        "{'origin': {'properties': {'name': {'title': 'Name', 'type': 'string'}, 'unit': {'enum': ['km', 'mi'], "
        "'title': 'Unit', 'type': 'string'}}, 'required': ['name'], 'title': 'Place', "
        "'type': 'object'}, 'k': {'type': 'integer', 'default': 2}, "
        "'note': {'anyOf': [{'type': 'string'}, {'type': 'null'}], 'default': None}}."
    )
    assert Tool("t", lambda: 1).describe() == "t. It takes arguments {}."


def test_call_with_timeout_returns_raises_or_abandons():
    # Limits far above what these calls take: they answer at once, whatever the machine's load.
    assert call_with_timeout(lambda x: x * 2, {"x": 21}, HANG_BOUND_S) == 42
    with pytest.raises(KeyError):
        call_with_timeout(lambda: {}["missing"], {}, HANG_BOUND_S)
    tool = BlockingTool()
    with pytest.raises(ToolTimeout, match="within 0.1 seconds"):
        call_with_timeout(tool, {}, 0.1)
    assert not tool.returned.is_set()  # given up on while the call was still blocked
    assert tool.entered.wait(HANG_BOUND_S) and tool.finish()  # it ran, and goes on in its own thread


def test_a_result_of_the_wrong_type_is_a_named_error():
    from lmc.runtime.tools import Tool, ToolResultError

    count = Tool("count", lambda: "many", returns=int)
    with pytest.raises(ToolResultError, match=r"tool `count` returned str 'many', not the declared int"):
        count()
    listing = Tool("listing", lambda: ("a", "b"), returns=list[str])
    assert listing() == ["a", "b"]  # lax: a tuple of strings is a list of strings
    assert Tool("anything", lambda: object, returns=None)() is object  # no declared type: not checked
