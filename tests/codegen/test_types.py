"""types.py: enums and records whose .lmp names clash with Python, str or pydantic."""

from __future__ import annotations

import json
from pathlib import Path

import pydantic
import pytest

from lmc.runtime.errors import ParseError
from lmc.runtime.signature import Params
from tests.codegen.helpers import load_text
from tests.codegen.typed_values import DEMOS, INPUTS, TICKET, TWO_STEP_ANSWER
from tests.scripted import ScriptedLM, chat_answer

SOURCE = """
enum Kind { title, name, value, upper, plain }

type Rec {
  json: str "clashes with BaseModel.json"
  model_name: str
  _private: int
  str: int?
  kind: Kind
}

signature Make {
  in  seed: str
  out rec: Rec
}

program make(seed: str) -> (rec: Rec, kind: Kind, tag: str, n: int) {
  module m = Predict(Make)
  r = m(seed=seed).rec
  return { rec: r, kind: r.kind, tag: r.json + r.model_name, n: r._private }
}
"""


def test_enum_members_keep_their_values_under_safe_names(tmp_path: Path) -> None:
    pkg = load_text(SOURCE, tmp_path, check=False)
    kind = pkg.Kind
    assert [m.value for m in kind] == ["title", "name", "value", "upper", "plain"]
    assert kind("title") is kind.title_ and kind("upper") is kind.upper_ and kind("plain") is kind.plain
    assert kind("title").upper() == "TITLE"  # str methods still work on members


def test_record_fields_round_trip_by_their_lmp_names(tmp_path: Path) -> None:
    pkg = load_text(SOURCE, tmp_path, check=False)
    data = {"json": "j", "model_name": "m", "_private": 3, "str": None, "kind": "upper"}
    rec = pkg.Rec.model_validate(data)
    assert (rec.json_, rec.f_model_name, rec.f_private, rec.str_, rec.kind) == ("j", "m", 3, None, pkg.Kind.upper_)
    assert rec.model_dump(mode="json") == data
    schema = pkg.Rec.model_json_schema()
    assert set(schema["properties"]) == set(data)
    assert schema["properties"]["json"]["description"] == "clashes with BaseModel.json"


def test_a_program_returns_a_validated_record(tmp_path: Path) -> None:
    pkg = load_text(SOURCE, tmp_path, check=False)
    answer = '{"json": "j", "model_name": "m", "_private": 3, "kind": "name"}'
    lm = ScriptedLM(lambda messages: chat_answer(rec=answer))
    result = pkg.make(seed="s", lm=lm)
    assert isinstance(result.rec, pkg.Rec) and result.rec.f_private == 3
    assert result.kind is pkg.Kind.name_
    # r.json is the field, not BaseModel.json; r._private and r.model_name read their aliases.
    assert (result.tag, result.n) == ("jm", 3)
    assert result.model_dump(mode="json")["rec"]["model_name"] == "m"


# ------------------------------------------------- prompts as DSPy writes them

TYPED_SOURCE = '''
enum Priority {
  """How urgent the ticket is."""
  low, medium, high
}

type Contact {
  name: str "full name"
  email: str?
}

type Ticket {
  """A support ticket extracted from an email."""
  title: str "a short summary"
  priority: Priority
  reporter: Contact
  cc: list[Contact]
  labels: dict[str, int]
  channel: "email" | "phone"
  due: int?
}

signature Triage {
  """Triage a support email.

  Be brief."""
  in  email: str "the raw email"
  in  history: list[Ticket] "earlier tickets of this customer"
  in  hint: Priority?
  out ticket: Ticket
  out tags: list[str]
  out urgent: bool
  out score: float "between 0 and 1"
  out route: "billing" | "tech" | "other"
  out notes: str?
}

program triage(email: str, history: list[Ticket], hint: Priority?) -> (ticket: Ticket, route: "billing" | "tech" | "other", notes: str?) {
  module t = Predict(Triage)
  return t(email=email, history=history, hint=hint)
}
'''

GOLDEN = Path(__file__).parent / "golden" / "dspy_typed.json"
TICKET_ANSWER = json.dumps(TICKET)


def _typed_package(tmp_path: Path, adapter: str = "chat"):
    instructions = "Triage a support email.\n\nBe brief."
    params = {"triage.t": Params(instructions=instructions, demos=tuple(DEMOS), adapter=adapter)}
    return load_text(TYPED_SOURCE, tmp_path, params=params)


@pytest.mark.parametrize("adapter", ["chat", "json"])
def test_typed_prompts_are_dspys_byte_for_byte(tmp_path: Path, adapter: str) -> None:
    """Records, enums, literals, lists, dicts and optionals, in and out, with demos: DSPy 3.4.1's exact messages."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    pkg = _typed_package(tmp_path, adapter)
    answer = chat_answer(ticket=TICKET_ANSWER, tags="[]", urgent="False", score="0.5", route="tech", notes="ok")
    if adapter == "json":
        answer = json.dumps({"ticket": TICKET, "tags": [], "urgent": False, "score": 0.5, "route": "tech"})
    lm = ScriptedLM([answer])
    pkg.triage(lm=lm, **INPUTS)  # plain JSON inputs, validated into the package's models
    assert lm.calls == [golden[adapter]]


def test_typed_xml_prompts_are_dspys_byte_for_byte(tmp_path: Path) -> None:
    """DSPy 3.4.1's ``XMLAdapter``: tags, nested XML for records and lists, demos; its answers read back."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    pkg = _typed_package(tmp_path, "xml")
    answer = (
        f"<ticket>{json.dumps(TICKET)}</ticket>\n<tags><item>a</item><item>b</item></tags>\n"
        "<urgent>\nTrue\n</urgent>\n<score>0.5</score>\n<route>tech</route>\n<notes>ok</notes>"
    )
    lm = ScriptedLM([answer])
    result = pkg.triage(lm=lm, **INPUTS)
    assert lm.calls == [golden["xml"]]
    assert result.ticket.title == "Refund not received" and result.route == "tech" and result.notes == "ok"


def test_typed_two_step_prompts_are_dspys_byte_for_byte(tmp_path: Path) -> None:
    """DSPy 3.4.1's ``TwoStepAdapter``: the natural first request, then the extraction (chat format)."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    pkg = _typed_package(tmp_path, "two_step")
    extracted = chat_answer(ticket=TICKET_ANSWER, tags="[]", urgent="True", score="0.5", route="billing", notes="n")
    lm = ScriptedLM([TWO_STEP_ANSWER, extracted])  # no `replace`: the same LM extracts
    result = pkg.triage(lm=lm, **INPUTS)
    assert lm.calls == [golden["two_step"], golden["two_step_extraction"]]
    assert result.route == "billing" and result.ticket.priority is pkg.Priority.high


def test_the_json_adapters_response_format_is_dspys(tmp_path: Path) -> None:
    """The structured-output ``response_format`` DSPy 3.4.1's ``JSONAdapter`` sends for the same outputs."""
    from lmc.runtime.adapters import JSONAdapter

    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    pkg = _typed_package(tmp_path, "json")
    signature = pkg.programs.PROGRAMS["triage"].modules["triage.t"].signature
    assert JSONAdapter(structured=True).response_format(signature) == golden["json_response_format"]


def test_record_and_enum_docstrings_are_the_users(tmp_path: Path) -> None:
    pkg = load_text(TYPED_SOURCE, tmp_path)
    assert pkg.Ticket.__doc__ == "A support ticket extracted from an email."
    assert pkg.Priority.__doc__ == "How urgent the ticket is."
    assert pkg.Contact.__doc__ is None  # no docstring written: no `description` in the prompt's schema
    assert pkg.Contact.model_fields["name"].description == "full name"
    assert "description" not in pkg.Contact.model_json_schema()
    assert pkg.Ticket.model_json_schema()["description"] == "A support ticket extracted from an email."


def test_typed_outputs_are_validated_models(tmp_path: Path) -> None:
    pkg = _typed_package(tmp_path)
    answer = chat_answer(
        ticket=TICKET_ANSWER, tags='["a"]', urgent="True", score="0.25", route="'billing'", notes="call back"
    )
    result = pkg.triage(lm=ScriptedLM([answer]), **INPUTS)
    assert isinstance(result.ticket, pkg.Ticket) and result.ticket.priority is pkg.Priority.high
    assert isinstance(result.ticket.reporter, pkg.Contact) and result.ticket.cc[0].email is None
    assert (result.route, result.notes) == ("billing", "call back")


def test_an_optional_output_the_lm_leaves_out_is_none(tmp_path: Path) -> None:
    pkg = _typed_package(tmp_path)
    answer = chat_answer(ticket=TICKET_ANSWER, tags="[]", urgent="False", score="1", route="other")
    lm = ScriptedLM([answer])
    result = pkg.triage(lm=lm, **INPUTS)
    assert result.notes is None and len(lm.calls) == 1


def test_a_wrong_typed_answer_is_asked_again_in_json(tmp_path: Path) -> None:
    pkg = _typed_package(tmp_path)
    wrong = chat_answer(ticket='{"title": "x"}', tags="[]", urgent="False", score="1", route="tech", notes="n")
    right = json.dumps({"ticket": TICKET, "tags": [], "urgent": True, "score": 1, "route": "tech", "notes": None})
    lm = ScriptedLM([wrong, right])
    result = pkg.triage(lm=lm, **INPUTS)
    assert result.ticket.title == "Refund not received" and result.notes is None
    assert lm.calls[1][-1]["content"].endswith(
        "then `notes` (must be formatted as a valid Python Union[str, NoneType])."
    )


def test_a_wrong_typed_answer_twice_names_the_module_and_the_raw_texts(tmp_path: Path) -> None:
    pkg = _typed_package(tmp_path)
    wrong = chat_answer(ticket=TICKET_ANSWER, tags="[]", urgent="maybe", score="1", route="tech", notes="n")
    also_wrong = json.dumps({"ticket": TICKET, "tags": [], "urgent": False, "score": 1, "route": "sales"})
    with pytest.raises(ParseError) as info:
        pkg.triage(lm=ScriptedLM([wrong, also_wrong]), **INPUTS)
    err = info.value
    assert err.path == "triage.t" and err.raw == (wrong, also_wrong)
    text = str(err)
    assert text.startswith("module `triage.t` could not parse the LM's answer (2 attempt(s)):")
    assert "ChatAdapter: field `urgent` is not a valid bool" in text
    assert "JSONAdapter: field `route` is not a valid Literal['billing', 'tech', 'other']" in text
    assert wrong in text and also_wrong in text


def test_typed_inputs_are_validated_before_any_lm_call(tmp_path: Path) -> None:
    pkg = _typed_package(tmp_path)
    lm = ScriptedLM([])
    with pytest.raises(pydantic.ValidationError):
        pkg.triage(lm=lm, email="e", history=[{"title": "no other fields"}], hint=None)
    assert lm.calls == []
