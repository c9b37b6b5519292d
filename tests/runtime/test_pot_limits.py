"""ProgramOfThought's sandbox limits from the ``.lmp`` file: checked, baked into the package, enforced."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lmc.codegen import render_package, write_package
from lmc.host.frontend import load_file
from lmc.host.session import Session
from lmc.runtime.errors import ProgramError
from lmc.runtime.kinds.sandbox import Limits, limits_from
from lmc.runtime.modules import make_module
from lmc.runtime.signature import ModuleSpec, Params
from tests.codegen.helpers import parse_ok, text_files
from tests.runtime.test_pot import SOLVE, answer, code, step_of
from tests.scripted import ScriptedLM
from tests.test_checks import diagnose

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the sandbox needs a POSIX system")

SLEEPER = "import time\nwhile True:\n    time.sleep(0.05)"


def writes(program: str):
    """An LM that answers every code step with ``program``, and the answer step with 1."""

    def respond(messages: list[dict]) -> str:
        return answer(1) if step_of(messages) == "answer" else code(program)

    return ScriptedLM(respond)


def test_options_become_limits_and_the_rest_keep_their_defaults():
    assert limits_from({}) == Limits()
    assert limits_from({"max_iters": 2, "timeout_s": 2.5, "memory_mb": 256}) == Limits(
        timeout_s=2.5, memory_bytes=256 * 1024 * 1024
    )
    assert limits_from({"output_kb": 8, "file_mb": 1}) == Limits(output_bytes=8192, file_bytes=1024 * 1024)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout_s": 0}, "`timeout_s` must be a number of seconds above 0, not 0"),
        ({"timeout_s": "1"}, "`timeout_s` must be a number of seconds above 0, not '1'"),
        ({"memory_mb": 8}, "`memory_mb` must be a whole number of at least 16, not 8"),
        ({"output_kb": 1.5}, "`output_kb` must be a whole number of at least 1, not 1.5"),
        ({"file_mb": True}, "`file_mb` must be a whole number of at least 1, not True"),
    ],
)
def test_the_runtime_refuses_bad_limits_naming_the_module(options, message):
    spec = ModuleSpec("solve.pot", "ProgramOfThought", SOLVE, options)
    with pytest.raises(ProgramError, match=f"module `solve.pot`: {message}".replace("(", r"\(")):
        make_module(spec, Params(SOLVE.instructions), ScriptedLM([]))
    with pytest.raises(ProgramError, match="takes only `max_iters`, `timeout_s`, `memory_mb`, `output_kb`, `file_mb`"):
        make_module(ModuleSpec("solve.pot", "ProgramOfThought", SOLVE, {"cpu_s": 1}), Params(""), ScriptedLM([]))


def run_pot(lm, **options):
    module = make_module(ModuleSpec("solve.pot", "ProgramOfThought", SOLVE, options), Params(SOLVE.instructions), lm)
    return module(question="q")


def test_a_lowered_memory_limit_stops_a_large_allocation():
    with pytest.raises(ProgramError, match="MemoryError"):
        run_pot(writes("data = bytearray(200 * 1024 * 1024)\nprint(len(data))"), max_iters=1, memory_mb=64)
    assert run_pot(writes("data = bytearray(200 * 1024 * 1024)\nprint(len(data))"), max_iters=1) == {
        "reasoning": "The code printed it.",
        "answer": 1,
    }


def test_a_lowered_output_cap_stops_a_chatty_program():
    with pytest.raises(ProgramError, match="printed more than 1024 bytes"):
        run_pot(writes("print('x' * 5000)"), max_iters=1, output_kb=1)


# ------------------------------------------------------------------ the file

SOURCE = '''
signature Solve {
  """Solve the arithmetic word problem."""
  in  question: str
  out answer: int
}

program solve(question: str) -> (answer: int) {
  module pot = ProgramOfThought(Solve, max_iters: 1, timeout_s: 1, memory_mb: 128)
  return pot(question=question)
}
'''


def errors(tmp_path: Path, options: str) -> list[tuple[str, str]]:
    text = SOURCE.replace("max_iters: 1, timeout_s: 1, memory_mb: 128", options)
    return [(d.code, d.message) for d in diagnose(tmp_path, text)]


def test_the_checker_takes_the_limits(tmp_path: Path):
    assert errors(tmp_path, "timeout_s: 2.5, memory_mb: 64, output_kb: 16, file_mb: 1") == []


@pytest.mark.parametrize(
    ("options", "code", "words"),
    [
        ("timeout_s: 0", "E404", "timeout_s"),
        ('timeout_s: "long"', "E402", "timeout_s"),
        ("memory_mb: 8", "E404", "memory_mb"),
        ("memory_mb: 1.5", "E402", "memory_mb"),
        ("output_kb: 0", "E404", "output_kb"),
        ("cpu_s: 3", "E401", "cpu_s"),
    ],
)
def test_the_checker_reports_bad_limits(tmp_path: Path, options: str, code: str, words: str):
    found = errors(tmp_path, options)
    assert [c for c, _ in found] == [code] and words in found[0][1], found


def test_the_limits_are_baked_into_the_package(tmp_path: Path):
    source = parse_ok(SOURCE, tmp_path)
    files = render_package(source, package="solver", source_dir=tmp_path, source_text=SOURCE)
    programs = text_files(files)["solver/programs.py"]
    assert (
        '"ProgramOfThought",\n        SOLVE,\n        {"max_iters": 1, "timeout_s": 1, "memory_mb": 128},' in programs
    )


def test_a_one_second_timeout_stops_a_sleep_loop_in_the_build(tmp_path: Path, sandbox_watch):
    (tmp_path / "solver.lmp").write_text(SOURCE, encoding="utf-8")
    program = Session(load_file(str(tmp_path / "solver.lmp"))).program("solve")  # what lmc build runs
    with pytest.raises(ProgramError, match="TimeoutError: the code ran longer than 1 s and was stopped"):
        program.run({"question": "q"}, lm=writes(SLEEPER), params={})
    # The one attempt (max_iters: 1) was killed once its 1 s had passed, not the default 10 s.
    assert sandbox_watch.statuses == [-signal.SIGKILL]
    assert max(w for w in sandbox_watch.waits if w is not None) <= 1.0


PACKAGE_RUN = """
import signal

import solver
from solver._runtime.kinds import sandbox

CODE = "[[ ## reasoning ## ]]\\nLoop.\\n\\n[[ ## generated_code ## ]]\\n```python\\n{code}\\n```\\n\\n[[ ## completed ## ]]"


class LoopingLM:
    def complete(self, messages):
        return CODE

    async def acomplete(self, messages):
        return CODE


statuses = []
kill = sandbox._kill


def recording_kill(proc):
    kill(proc)
    statuses.append(proc.returncode)


sandbox._kill = recording_kill
try:
    solver.solve(question="q", lm=LoopingLM())
except Exception as exc:
    print(exc)
print("killed by SIGKILL:", statuses == [-signal.SIGKILL])
"""


def test_a_one_second_timeout_stops_a_sleep_loop_in_the_package(tmp_path: Path):
    source = parse_ok(SOURCE, tmp_path)
    out = tmp_path / "build" / "solver"
    write_package(render_package(source, package="solver", source_dir=tmp_path, source_text=SOURCE), out)
    script = PACKAGE_RUN.replace("{code}", SLEEPER.replace("\n", "\\\\n"))
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=out, capture_output=True, text=True, timeout=60, env={"PATH": ""}
    )
    assert result.returncode == 0, result.stderr
    # The package's baked-in limit (1 s, not the default 10 s) stopped the code: its runner killed the child.
    assert "TimeoutError: the code ran longer than 1 s and was stopped" in result.stdout, result.stdout
    assert result.stdout.endswith("killed by SIGKILL: True\n"), result.stdout
