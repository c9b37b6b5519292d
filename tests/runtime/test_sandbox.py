"""The sandbox that runs generated code: each limit, shown to hold, and ordinary code still running."""

from __future__ import annotations

import os
import signal
import socket
import sys
import uuid
from pathlib import Path

import pytest

from lmc.runtime.kinds import sandbox
from lmc.runtime.kinds.sandbox import Limits, SandboxError, run_python

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the sandbox needs a POSIX system")


@pytest.fixture(autouse=True, params=["os", "audit"])
def boundary(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test under the OS boundary and under the audit-hook fallback alone: both hold every limit here."""
    monkeypatch.setenv(sandbox.SETTING, request.param)
    monkeypatch.setattr(sandbox, "_BOUNDARY", sandbox._Boundary())
    if request.param == "os" and sys.platform != "linux":
        pytest.skip("the operating system's sandbox is Linux's")
    return str(request.param)


def test_normal_code_returns_what_it_printed():
    result = run_python("import math\nprint(math.factorial(5))\nprint('done')")
    assert result.ok and result.error == ""
    assert result.stdout == "120\ndone\n"
    assert result.returncode == 0 and not result.timed_out


def test_a_trailing_expression_is_printed_like_a_repl():
    assert run_python("x = 6\nx * 7").stdout == "42\n"
    assert run_python("print('a')\nNone").stdout == "a\n"  # None prints nothing, as in a REPL


def test_an_exception_comes_back_as_the_codes_own_traceback():
    result = run_python("def f(x):\n    return 1 / x\nf(0)")
    assert not result.ok and result.returncode == 1
    assert result.error.startswith("Traceback (most recent call last):")
    assert 'File "program.py", line 3' in result.error and 'File "program.py", line 2, in f' in result.error
    assert result.error.endswith("ZeroDivisionError: division by zero")
    assert "sandbox_boot" not in result.error  # the runner's frames are not the code's


def test_a_syntax_error_names_the_line():
    result = run_python("x = (1 +\n")
    assert not result.ok
    assert result.error.startswith('File "program.py", line 1') and "SyntaxError" in result.error


def test_an_infinite_loop_is_killed_at_the_time_limit(sandbox_watch):
    result = run_python("while True:\n    pass", Limits(timeout_s=1.0))
    assert result.timed_out and result.returncode is None
    assert result.error == "TimeoutError: the code ran longer than 1 s and was stopped"
    # Killed by the runner at its deadline (not by the CPU limit's SIGXCPU, 2 s later, nor an exit of its own),
    # after waiting no longer than the limit asked for.
    assert sandbox_watch.statuses == [-signal.SIGKILL]
    assert sandbox_watch.waits and max(w for w in sandbox_watch.waits if w is not None) <= 1.0


def test_a_sleeping_child_is_killed_at_the_time_limit_too(sandbox_watch):
    result = run_python("import time\nprint('started', flush=True)\ntime.sleep(60)", Limits(timeout_s=1.0))
    assert result.timed_out and result.stdout == "started\n"
    assert result.error == "TimeoutError: the code ran longer than 1 s and was stopped"
    assert sandbox_watch.statuses == [-signal.SIGKILL]  # killed, not left to sleep its 60 s out
    assert max(w for w in sandbox_watch.waits if w is not None) <= 1.0


def test_a_child_that_ends_by_itself_is_not_killed(sandbox_watch):
    assert run_python("print(1)").ok
    assert sandbox_watch.statuses == [0]


def test_a_10_gb_allocation_fails_with_memory_error_in_the_child():
    result = run_python("data = bytearray(10 * 1024**3)\nprint('allocated')")
    assert not result.ok and result.returncode == 1
    assert result.error.endswith("MemoryError")
    assert "allocated" not in result.stdout


def test_the_memory_limit_leaves_room_for_ordinary_work_and_is_the_one_asked_for():
    code = "import resource\nprint(resource.getrlimit(resource.RLIMIT_AS)[0])\nprint(len(bytearray(50 * 1024**2)))"
    result = run_python(code, Limits(memory_bytes=256 * 1024 * 1024))
    assert result.ok, result.error
    assert result.stdout.split() == [str(256 * 1024 * 1024), str(50 * 1024**2)]


def test_a_socket_connect_fails_and_reaches_nothing():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.settimeout(0.2)
        port = server.getsockname()[1]
        result = run_python(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)")
        with pytest.raises(TimeoutError):
            server.accept()
    assert not result.ok
    assert "PermissionError: sandbox: socket." in result.error


def test_the_low_level_socket_module_is_refused_too():
    result = run_python("import _socket\n_socket.socket()")
    assert result.error.endswith("PermissionError: sandbox: socket.__new__ is not allowed")


def test_a_write_to_the_home_directory_fails():
    target = Path.home() / f"lmc-sandbox-probe-{uuid.uuid4().hex}"
    result = run_python(f"open({str(target)!r}, 'w').write('escaped')")
    assert not result.ok
    assert "PermissionError: sandbox: changing" in result.error
    assert not target.exists()


def test_writes_outside_the_folder_fail_by_every_route():
    outside = Path.home() / f"lmc-sandbox-probe-{uuid.uuid4().hex}"
    routes = [
        f"import os\nos.open({str(outside)!r}, os.O_WRONLY | os.O_CREAT)",
        f"import pathlib\npathlib.Path({str(outside)!r}).write_text('x')",
        f"import os\nos.rename('program.py', {str(outside)!r})",
        f"import os\nos.mkdir({str(outside)!r})",
        "open('../escaped.txt', 'w')",
        f"import os\nos.symlink({str(outside)!r}, 'link')",
    ]
    for code in routes:
        result = run_python(code)
        assert "PermissionError: sandbox:" in result.error, code
    assert not outside.exists()


def test_the_code_can_write_in_its_own_folder_which_is_removed_afterwards():
    code = (
        "import os, tempfile\nopen('notes.txt', 'w').write('kept')\nprint(open('notes.txt').read())\nprint(os.getcwd())"
    )
    result = run_python(code)
    assert result.ok, result.error
    kept, folder = result.stdout.split()
    assert kept == "kept"
    assert not Path(folder).exists()


def test_the_environment_is_empty_of_the_parents_secrets(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-for-the-child")
    result = run_python("import os\nprint(os.environ.get('OPENAI_API_KEY'))\nprint(sorted(os.environ))")
    assert result.ok, result.error
    first, names = result.stdout.splitlines()
    assert first == "None"
    assert "sk-test" not in result.stdout
    # LC_CTYPE is Python's own doing (PEP 538 locale coercion), not inherited.
    assert set(eval(names)) <= {"HOME", "TMPDIR", "PYTHONHASHSEED", "PYTHONIOENCODING", "PYTHONUTF8", "LC_CTYPE"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_the_parents_environment_cannot_be_read_through_proc(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-for-the-child")
    result = run_python("import os\nprint(open(f'/proc/{os.getppid()}/environ').read())")
    assert not result.ok and "sk-test" not in result.stdout
    assert "PermissionError: sandbox: reading" in result.error


def test_files_outside_the_folder_and_the_standard_library_cannot_be_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("hunter2", encoding="utf-8")
    result = run_python(f"print(open({str(secret)!r}).read())")
    assert "hunter2" not in result.stdout
    assert "PermissionError: sandbox: reading" in result.error
    assert "PermissionError: sandbox: reading" in run_python(f"import os\nos.listdir({str(tmp_path)!r})").error


def test_processes_cannot_be_started_or_signalled():
    for code, expected in [
        ("import os\nos.system('true')", "sandbox: os.system is not allowed"),
        ("import subprocess\nsubprocess.run(['true'])", "sandbox: importing _posixsubprocess is not allowed"),
        ("import os\nos.fork()", "sandbox: os.fork is not allowed"),
        ("import os\nos.kill(os.getppid(), 0)", "sandbox: os.kill is not allowed"),
    ]:
        assert run_python(code).error.endswith(expected), code


def test_ctypes_and_raising_the_limits_again_are_refused():
    assert run_python("import ctypes").error.endswith("ImportError: sandbox: importing ctypes is not allowed")
    code = "import resource\nresource.setrlimit(resource.RLIMIT_AS, (-1, -1))"
    assert run_python(code).error.endswith("sandbox: resource.setrlimit is not allowed")


def test_patching_the_guards_helpers_changes_nothing():
    target = Path.home() / f"lmc-sandbox-probe-{uuid.uuid4().hex}"
    code = (
        "import __main__, builtins\n"
        "__main__._inside = lambda path, roots: True\n"
        "builtins.isinstance = lambda value, kind: False\n"
        f"open({str(target)!r}, 'w')\n"
    )
    assert "PermissionError: sandbox: changing" in run_python(code).error
    assert not target.exists()


def test_output_past_the_cap_stops_the_code():
    result = run_python("while True:\n    print('x' * 1000)", Limits(output_bytes=10_000))
    assert not result.ok and not result.timed_out
    assert result.error == "the code printed more than 10000 bytes and was stopped"
    assert len(result.stdout) == 10_000


def test_the_same_code_prints_the_same_output_every_time():
    code = "print({'apple', 'banana', 'cherry', 'date', 'elder'})"
    assert len({run_python(code).stdout for _ in range(3)}) == 1


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="timeout_s"):
        Limits(timeout_s=0)


def test_a_child_that_cannot_apply_its_limits_is_a_sandbox_error(tmp_path, monkeypatch):
    boot = tmp_path / "boot.py"
    boot.write_text(f"import sys\nsys.stderr.write('no limits here')\nsys.exit({sandbox.SETUP_FAILED})\n")
    monkeypatch.setattr(sandbox, "BOOT", boot)
    with pytest.raises(SandboxError, match="no limits here"):
        run_python("print(1)")


def test_without_posix_the_sandbox_refuses_to_run(monkeypatch):
    monkeypatch.setattr(sandbox.os, "name", "nt")
    with pytest.raises(SandboxError, match="POSIX"):
        run_python("print(1)")
