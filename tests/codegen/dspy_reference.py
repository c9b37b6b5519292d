"""Writes ``golden/dspy_typed.json``: the messages DSPy itself formats for the typed signature of
``test_types.py``, which the test compares byte for byte with what lmc's emitted package sends:
the chat, JSON and XML formats, both requests of the two-step format, and the ``response_format``
DSPy's JSON adapter sends.

Not a test: it needs DSPy, which lmc does not depend on. Regenerate with a DSPy install::

    python -m venv /tmp/dspy && /tmp/dspy/bin/pip install dspy==3.4.1
    /tmp/dspy/bin/python tests/codegen/dspy_reference.py

The classes below are what a DSPy user writes for the ``.lmp`` declarations in
``test_types.TYPED_SOURCE``; nothing here comes from lmc.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Literal, Optional

import dspy
from pydantic import BaseModel, Field
from typed_values import DEMOS, INPUTS, TWO_STEP_ANSWER  # the shared values, beside this file


class Priority(str, enum.Enum):
    """How urgent the ticket is."""

    low = "low"
    medium = "medium"
    high = "high"


class Contact(BaseModel):
    name: str = Field(description="full name")
    email: Optional[str] = None  # noqa: UP045 - spelled as a DSPy user would


class Ticket(BaseModel):
    """A support ticket extracted from an email."""

    title: str = Field(description="a short summary")
    priority: Priority
    reporter: Contact
    cc: list[Contact]
    labels: dict[str, int]
    channel: Literal["email", "phone"]
    due: int | None = None


class Triage(dspy.Signature):
    """Triage a support email.

    Be brief."""

    email: str = dspy.InputField(desc="the raw email")
    history: list[Ticket] = dspy.InputField(desc="earlier tickets of this customer")
    hint: Optional[Priority] = dspy.InputField()  # noqa: UP045
    ticket: Ticket = dspy.OutputField()
    tags: list[str] = dspy.OutputField()
    urgent: bool = dspy.OutputField()
    score: float = dspy.OutputField(desc="between 0 and 1")
    route: Literal["billing", "tech", "other"] = dspy.OutputField()
    notes: str | None = dspy.OutputField()


def sent_response_format(inputs: dict) -> dict:
    """The ``response_format`` DSPy's JSONAdapter sends for ``Triage`` to a model that takes a JSON schema,
    as the HTTP body has it (a loopback server stands in for the provider)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    bodies: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            answer = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "{}"}}]}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lm = dspy.LM(
        "openai/gpt-4o-mini", api_base=f"http://127.0.0.1:{server.server_address[1]}/v1", api_key="x", cache=False
    )
    try:
        dspy.JSONAdapter()(lm, {}, Triage, DEMOS, inputs)
    except Exception:  # noqa: BLE001 - the stub's empty answer does not parse; the request is what is wanted
        pass
    server.shutdown()
    return bodies[0]["response_format"]


def main() -> None:
    inputs = {
        "email": INPUTS["email"],
        "history": [Ticket.model_validate(t) for t in INPUTS["history"]],
        "hint": Priority(INPUTS["hint"]),
    }
    from dspy.adapters.two_step_adapter import TwoStepAdapter

    two_step = TwoStepAdapter(dspy.LM("openai/gpt-4o-mini"))
    extractor = two_step._create_extractor_signature(Triage)
    out = {
        "dspy_version": dspy.__version__,
        "chat": dspy.ChatAdapter().format(Triage, DEMOS, inputs),
        "json": dspy.JSONAdapter().format(Triage, DEMOS, inputs),
        "json_response_format": sent_response_format(inputs),
        "xml": dspy.XMLAdapter().format(Triage, DEMOS, inputs),
        "two_step": two_step.format(Triage, DEMOS, inputs),
        # The second request: the first answer (here a fixed text) given to the extraction LM.
        "two_step_extraction": dspy.ChatAdapter().format(extractor, [], {"text": TWO_STEP_ANSWER}),
    }
    path = Path(__file__).parent / "golden" / "dspy_typed.json"
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
