"""The chat and JSON adapters: exact prompts (golden files) and parsing of answers."""

from __future__ import annotations

import pytest

from lmc.runtime.adapters import ChatAdapter, JSONAdapter, adapter_chain
from lmc.runtime.errors import AdapterParseError
from lmc.runtime.modules import make_module
from lmc.runtime.signature import ModuleSpec, Params
from tests.scripted import ScriptedLM

from .samples import QA, REVIEW, YES_NO, Citation, Sentiment

COMPLETE_DEMO = {
    "review": "A triumph from start to finish.",
    "aspects": ["acting", "plot"],
    "stars": 5,
    "confidence": 0.9,
    "keywords": ["triumph"],
    "sentiment": "positive",
    "source": {"title": "Daily Film", "year": 2021},
}
INCOMPLETE_DEMO = {"review": "Dull and far too long.", "stars": 2, "sentiment": "negative"}
INPUTS_ONLY_DEMO = {"review": "Nothing but inputs here.", "aspects": ["plot"]}
REVIEW_DEMOS = (COMPLETE_DEMO, INCOMPLETE_DEMO, INPUTS_ONLY_DEMO)
REVIEW_INPUTS = {"review": "Charming, if slight.\nWorth a look.", "aspects": ["tone", "pacing"]}


# ----------------------------------------------------------------- golden


def test_golden_simple_qa(golden):
    messages = ChatAdapter().format(QA, [], {"question": "What is the capital of France?"})
    golden("chat_simple_qa", messages)
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[0]["content"].startswith("Your input fields are:\n1. `question` (str):\n")
    assert messages[1]["content"].endswith("and then ending with the marker for `[[ ## completed ## ]]`.")


def test_golden_typed_outputs_with_demos(golden):
    messages = ChatAdapter().format(REVIEW, REVIEW_DEMOS, REVIEW_INPUTS)
    golden("chat_typed_demos", messages)
    system = messages[0]["content"]
    assert "{stars}        # note: the value you produce must be a single int value" in system
    assert "{sentiment}        # note: the value you produce must be one of: positive; negative; neutral" in system
    assert '{source}        # note: the value you produce must adhere to the JSON schema: {"type": "object"' in system
    # Multi-line instructions are indented by 8 spaces under the objective line.
    assert system.endswith(
        "objective is: \n        Judge a film review.\n        \n        Be strict:\n          quote only what the review says."
    )


def test_golden_json_adapter(golden):
    golden("json_typed_demos", JSONAdapter().format(REVIEW, REVIEW_DEMOS, REVIEW_INPUTS))


def test_golden_literal_output(golden):
    evidence = ["The sky is blue.", "Blue light scatters\nmore than red."]
    messages = ChatAdapter().format(YES_NO, [], {"claim": "The sky is blue.", "evidence": evidence})
    golden("chat_literal", messages)
    assert "one of: yes; no" in messages[0]["content"]
    assert "(must be formatted as a valid Python Literal['yes', 'no'])" in messages[1]["content"]
    # A list given to a `str` field is a numbered list of «blobs»; a multi-line blob is fenced.
    assert "[1] «The sky is blue.»\n[2] «««\n    Blue light scatters\n    more than red.\n»»»" in messages[1]["content"]


def test_golden_chain_of_thought_demos(golden):
    spec = ModuleSpec(path="qa.think", kind="ChainOfThought", signature=QA)
    demos = (
        {"question": "2 + 2?", "answer": "4"},  # labeled: no reasoning, so incomplete
        {"question": "3 + 3?", "reasoning": "Three and three make six.", "answer": "6"},
    )
    module = make_module(spec, Params(instructions=QA.instructions, demos=demos), ScriptedLM([]))
    messages = module.messages({"question": "4 + 4?"})
    golden("chat_chain_of_thought", messages)
    assert messages[2]["content"] == (
        "[[ ## reasoning ## ]]\nNot supplied for this particular example. \n\n[[ ## answer ## ]]\n4\n\n"
        "[[ ## completed ## ]]\n"
    )


# ------------------------------------------------------------ demo rules


def test_demos_incomplete_first_and_input_only_dropped():
    messages = ChatAdapter().format(REVIEW, REVIEW_DEMOS, REVIEW_INPUTS)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    incomplete_user, incomplete_answer, complete_user = messages[1], messages[2], messages[3]
    assert incomplete_user["content"].startswith(
        "This is an example of the task, though some input or output fields are not supplied.\n\n"
        "[[ ## review ## ]]\nDull and far too long."
    )
    assert "[[ ## aspects ## ]]" not in incomplete_user["content"]
    assert "[[ ## confidence ## ]]\nNot supplied for this particular example. " in incomplete_answer["content"]
    assert complete_user["content"].startswith("[[ ## review ## ]]\nA triumph")
    assert "Nothing but inputs here." not in str(messages)


def test_demo_values_render_as_dspy_does():
    answer = ChatAdapter().format(REVIEW, [COMPLETE_DEMO], REVIEW_INPUTS)[2]["content"]
    assert '[[ ## keywords ## ]]\n["triumph"]' in answer
    assert "[[ ## sentiment ## ]]\npositive" in answer
    assert '[[ ## source ## ]]\n{"title": "Daily Film", "year": 2021}' in answer
    assert answer.endswith("\n\n[[ ## completed ## ]]\n")


def test_typed_values_render_like_their_json():
    typed = dict(COMPLETE_DEMO, sentiment=Sentiment.positive, source=Citation(title="Daily Film", year=2021))
    adapter = ChatAdapter()
    assert adapter.format(REVIEW, [typed], REVIEW_INPUTS) == adapter.format(REVIEW, [COMPLETE_DEMO], REVIEW_INPUTS)


def test_unknown_adapter_name():
    assert [type(a) for a in adapter_chain("chat")] == [ChatAdapter, JSONAdapter]
    with pytest.raises(ValueError, match="unknown adapter `yaml`"):
        adapter_chain("yaml")


# ---------------------------------------------------------------- parsing

GOOD_CHAT_ANSWER = """[[ ## stars ## ]]
4

[[ ## confidence ## ]]
0.75

[[ ## keywords ## ]]
["charming", "slight"]

[[ ## sentiment ## ]]
'positive'

[[ ## source ## ]]
{"title": "Weekly Reel", "year": null}

[[ ## completed ## ]]"""


def test_chat_parse_typed_values():
    parsed = ChatAdapter().parse(REVIEW, GOOD_CHAT_ANSWER)
    assert parsed == {
        "stars": 4,
        "confidence": 0.75,
        "keywords": ["charming", "slight"],
        "sentiment": Sentiment.positive,
        "source": Citation(title="Weekly Reel", year=None),
    }
    assert type(parsed["stars"]) is int and isinstance(parsed["sentiment"], Sentiment)


def test_chat_parse_text_on_the_marker_line_and_first_section_wins():
    text = "Sure!\n[[ ## answer ## ]] Paris\nis the capital.\n[[ ## answer ## ]]\nLyon\n[[ ## completed ## ]]"
    assert ChatAdapter().parse(QA, text) == {"answer": "Paris\nis the capital."}


def test_chat_parse_missing_field_names_it():
    text = GOOD_CHAT_ANSWER.replace("[[ ## confidence ## ]]\n0.75\n\n", "")
    with pytest.raises(AdapterParseError) as info:
        ChatAdapter().parse(REVIEW, text)
    assert info.value.missing == ("confidence",)
    assert "`confidence`" in str(info.value) and info.value.text == text


def test_chat_parse_bad_value_names_field_and_type():
    with pytest.raises(AdapterParseError, match=r"field `stars` is not a valid int"):
        ChatAdapter().parse(REVIEW, GOOD_CHAT_ANSWER.replace("\n4\n", "\nfour\n"))


@pytest.mark.parametrize("raw", ["yes", " yes ", '"yes"', "'yes'", "Literal['yes']"])
def test_literal_tolerates_quotes_and_whitespace(raw):
    assert ChatAdapter().parse(YES_NO, f"[[ ## verdict ## ]]\n{raw}\n[[ ## completed ## ]]") == {"verdict": "yes"}


def test_literal_rejects_other_values():
    with pytest.raises(AdapterParseError, match="verdict"):
        ChatAdapter().parse(YES_NO, "[[ ## verdict ## ]]\nmaybe\n[[ ## completed ## ]]")


def test_json_parse_object_inside_prose_and_fence():
    text = (
        'Here you go:\n```json\n{"stars": "3", "confidence": 0.5, "keywords": ["a {b}"], '
        '"sentiment": "neutral", "source": {"title": "T", "year": 1999}}\n```'
    )
    parsed = JSONAdapter().parse(REVIEW, text)
    assert parsed["stars"] == 3 and parsed["keywords"] == ["a {b}"]
    assert parsed["sentiment"] is Sentiment.neutral and parsed["source"] == Citation(title="T", year=1999)


def test_json_parse_python_dict_literal():
    assert JSONAdapter().parse(QA, "{'answer': 'Paris'}") == {"answer": "Paris"}


def test_json_parse_failures():
    with pytest.raises(AdapterParseError, match="no JSON object"):
        JSONAdapter().parse(QA, "Paris")
    with pytest.raises(AdapterParseError) as info:
        JSONAdapter().parse(REVIEW, '{"stars": 3}')
    assert info.value.missing == ("confidence", "keywords", "sentiment", "source")


# ------------------------------------------------------- the system message, once


class CountingChat(ChatAdapter):
    rendered = 0

    def system_message(self, signature):
        CountingChat.rendered += 1
        return super().system_message(signature)


def test_the_system_message_is_rendered_once_per_signature_and_instructions():
    adapter = CountingChat()
    first = [adapter.format(QA, (), {"question": f"q{i}"}) for i in range(50)]
    assert CountingChat.rendered == 1
    other = adapter.format(QA.with_instructions("Answer tersely."), (), {"question": "q"})
    assert CountingChat.rendered == 2
    assert other[0]["content"] != first[0][0]["content"] and "Answer tersely." in other[0]["content"]
    assert first[0][0] == ChatAdapter().format(QA, (), {"question": "x"})[0]  # the same text as rendered afresh
    assert JSONAdapter().format(QA, (), {"question": "x"})[0] != first[0][0]  # kept per adapter class


def test_demo_turns_are_formatted_once_per_demos_tuple_and_each_call_gets_its_own_copies(monkeypatch):
    from lmc.runtime.adapters import base

    monkeypatch.setattr(base, "_DEMO_TURNS", {})
    adapter = ChatAdapter()
    demos = ({"question": "2+2?", "answer": "4"}, {"question": "3+3?", "answer": "6"})
    formatted = []
    real = ChatAdapter.demo_messages

    def counting(self, signature, given):
        formatted.append(given)
        return real(self, signature, given)

    monkeypatch.setattr(ChatAdapter, "demo_messages", counting)
    first = adapter.format(QA, demos, {"question": "1+1?"})
    first[1]["content"] = "changed by the caller"
    second = adapter.format(QA, demos, {"question": "5+5?"})
    assert len(formatted) == 1  # the same tuple: formatted once
    assert second[1]["content"] != "changed by the caller" and second[1:-1] == adapter.demo_messages(QA, demos)
    equal = tuple(dict(d) for d in demos)  # equal demos, another tuple: formatted again, the same turns
    assert adapter.format(QA, equal, {"question": "5+5?"}) == second
    assert adapter.format(QA, list(demos), {"question": "5+5?"}) == second  # not a tuple: never kept
    assert len(base._DEMO_TURNS) == 2


def test_a_kept_entry_serves_only_the_very_tuple_it_holds(monkeypatch):
    """An entry found under a tuple's id that holds another object (an id reused) is formatted anew."""
    from lmc.runtime.adapters import base

    adapter = ChatAdapter()
    demos = ({"question": "2+2?", "answer": "4"},)
    stale = ({"role": "user", "content": "someone else's demo"},)
    monkeypatch.setattr(base, "_DEMO_TURNS", {(ChatAdapter, QA, id(demos)): (object(), stale)})
    messages = adapter.format(QA, demos, {"question": "1+1?"})
    assert messages[1:-1] == adapter.demo_messages(QA, demos)
