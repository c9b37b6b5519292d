"""A loopback OpenAI-compatible server whose scripted answers depend on the prompt, for optimizer benchmarks.

``bench/stub_server.py`` gives one canned answer; an optimizer needs answers
that are better for some prompts than for others, or every candidate scores
the same. This server plays a model that knows the gold answers of the
benchmark's datasets (``--gold FILE:INPUT:OUTPUT``, JSON lines) and gets a
row right with a probability set by the prompt:

    p = 0.25 + 0.06 * demos (at most 4) + instruction bonus (0 .. 0.20)
        + demo-set bonus (-0.05 .. 0.05)

The bonuses are hashes of the instructions (the text after "your objective
is:" in DSPy's chat format) and of the demos' input values; whether a row is
right is a hash of all three and the row's input compared with ``p``. So the
same prompt always gets the same answer, from any client, and demo sets and
instructions score differently. A wrong answer is another label of the same
output field, or "unknown". Requests whose outputs are not a gold field are
the prompt model's (MIPROv2's proposer): every output field is answered, and
``proposed_instruction`` is the basic instruction with one of eight sentences
chosen by the tip it was given, so both optimizers draw from the same
instructions; GEPA's ``new_instruction`` is the current instruction with one
of them chosen by the examples and feedback it was shown. A request in the
JSON format (GEPA's proposal: "Outputs will be a JSON object") is answered
with a JSON object, any other in the chat format.

Every request is answered after ``--latency-ms`` (threads serve requests
in parallel). It prints ``READY <api_base>`` once listening on 127.0.0.1 and
serves until stdin closes or SIGTERM. ``GET /stats`` gives the number of
chat requests served; ``--log FILE`` appends each request's arrival
time (monotonic), output fields, input values and message count to FILE
(``requests_profile.py`` reads it). Stdlib only: it runs under any interpreter.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BASE = 0.25
DEMO_GAIN = 0.06
MAX_DEMOS = 4
FIELD = re.compile(r"\[\[ ## (\w+) ## \]\]\n(.*?)(?=\n\n\[\[ ## |\n\nRespond with|\Z)", re.S)
OUTPUTS = re.compile(r"^\d+\. `(\w+)`", re.M)
SENTENCES = (
    "Be concise.",
    "Think about what the question asks before answering.",
    "Check the answer once more before writing it.",
    "Use the examples as a guide to the format.",
    "Answer in the fewest words that are still right.",
    "Consider each part of the input carefully.",
    "Prefer the most literal reading of the input.",
    "Write the answer exactly as the examples do.",
)


class Server(ThreadingHTTPServer):
    """A threading server with a provider's listen backlog: socketserver's default of 5 drops the
    connections a client opens at once past the fifth, and each then waits a second for TCP to retry."""

    request_queue_size = 1024


def digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")


class Oracle:
    """The gold answers by input field and value, and the labels each output field takes."""

    def __init__(self, gold: list[tuple[str, str, str]], log: str | None = None) -> None:
        self.log = open(log, "a", encoding="utf-8") if log else None  # noqa: SIM115 - open while serving
        self._log_lock = threading.Lock()
        self.answers: dict[str, dict[str, str]] = {}  # input field -> value -> gold output
        self.output_of: dict[str, str] = {}  # input field -> its output field
        self.labels: dict[str, list[str]] = {}  # output field -> the gold values seen
        for path, input_field, output_field in gold:
            with open(path, encoding="utf-8") as handle:
                rows = [json.loads(line) for line in handle if line.strip()]
            table = self.answers.setdefault(input_field, {})
            for row in rows:
                table[str(row[input_field])] = str(row[output_field])
            self.output_of[input_field] = output_field
            seen = self.labels.setdefault(output_field, [])
            seen.extend(v for v in dict.fromkeys(str(r[output_field]) for r in rows) if v not in seen)

    def answer(self, messages: list[dict[str, Any]]) -> str:
        system = str(messages[0]["content"]) if messages else ""
        wanted = OUTPUTS.findall(system.split("Your output fields are:")[-1])
        inputs = fields(str(messages[-1]["content"]))
        if self.log is not None:
            with self._log_lock:
                record = {"t": time.monotonic(), "outputs": wanted, "inputs": inputs, "messages": len(messages)}
                self.log.write(json.dumps(record) + "\n")
                self.log.flush()
        for input_field, output_field in self.output_of.items():
            value = inputs.get(input_field)
            if value is not None and value in self.answers[input_field] and output_field in wanted:
                return self._task(system, messages, wanted, input_field, value)
        return self._prompt_model(wanted, inputs, json_format="Outputs will be a JSON object" in system)

    def _task(self, system: str, messages: list[dict[str, Any]], wanted: list[str], field: str, value: str) -> str:
        instructions = system.split("your objective is:")[-1].strip()
        demos = [fields(str(m["content"])) for m in messages[1:-1] if m.get("role") == "user"]
        demo_key = json.dumps(sorted(json.dumps(d, sort_keys=True) for d in demos))
        p = (
            BASE
            + DEMO_GAIN * min(len(demos), MAX_DEMOS)
            + (digest("instructions", instructions) % 21) / 100
            + ((digest("demos", demo_key) % 11) - 5) / 100
        )
        output = self.output_of[field]
        gold = self.answers[field][value]
        right = digest("row", instructions, demo_key, value) % 1000 < p * 1000
        if right:
            said = gold
        else:
            others = [label for label in self.labels[output] if label != gold]
            said = others[digest("wrong", value) % len(others)] if 0 < len(others) <= 5 else "unknown"
        values = {name: said if name == output else "Working it out from the input." for name in wanted}
        return chat(values)

    def _prompt_model(self, wanted: list[str], inputs: dict[str, str], *, json_format: bool = False) -> str:
        basic = inputs.get("basic_instruction", "").strip()
        sentence = SENTENCES[digest("tip", inputs.get("tip", "")) % len(SENTENCES)]
        # GEPA's reflection: the current instructions with a sentence chosen by the examples it was shown.
        current = inputs.get("current_instruction", "").strip()
        reflected = SENTENCES[digest("reflect", inputs.get("examples_with_feedback", "")) % len(SENTENCES)]
        values = {
            name: f"{basic} {sentence}".strip()
            if name == "proposed_instruction"
            else f"{current} {reflected}".strip()
            if name == "new_instruction"
            else "A short description."
            for name in wanted
        }
        return json.dumps(values, indent=2) if json_format else chat(values)


def fields(text: str) -> dict[str, str]:
    """The ``[[ ## name ## ]]`` blocks of a chat-format message."""
    return {name: value.strip() for name, value in FIELD.findall(text)}


def chat(values: dict[str, str]) -> str:
    parts = [f"[[ ## {name} ## ]]\n{value}" for name, value in values.items()]
    return "\n\n".join([*parts, "[[ ## completed ## ]]"])


def make_handler(oracle: Oracle, latency_s: float, counter: list[int], lock: threading.Lock) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            with lock:
                counter[0] += 1
            text = oracle.answer(body.get("messages", []))
            time.sleep(latency_s)
            self._send(
                200,
                {
                    "id": "chatcmpl-oracle",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body.get("model", "oracle"),
                    "choices": [
                        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
                    ],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
                },
            )

        def do_GET(self) -> None:  # noqa: N802
            with lock:
                requests = counter[0]
            self._send(200, {"requests": requests})

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
            pass

    return Handler


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", action="append", default=[], metavar="FILE:INPUT:OUTPUT", help="a gold dataset")
    ap.add_argument("--latency-ms", type=float, default=50.0, help="delay before each answer (default 50)")
    ap.add_argument("--log", default=None, metavar="FILE", help="append each request's fields to FILE (JSON lines)")
    args = ap.parse_args(argv)
    gold = [tuple(spec.rsplit(":", 2)) for spec in args.gold]
    counter, lock = [0], threading.Lock()
    server = Server(("127.0.0.1", 0), make_handler(Oracle(gold, args.log), args.latency_ms / 1000, counter, lock))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    signal.signal(signal.SIGTERM, _exit_on_signal)
    host, port = server.server_address[:2]
    sys.stdout.write(f"READY http://{host}:{port}/v1\n")
    sys.stdout.flush()
    try:
        sys.stdin.read()
    finally:
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
