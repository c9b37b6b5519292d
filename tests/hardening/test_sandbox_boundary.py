"""The operating system's boundary around generated code: the audit's escapes, and every probe, fail inside it.

Each probe runs twice: with the audit hook (as ``lmc run`` and a package run
code) and without it (``guard=False``), which shows that the namespaces,
the private root and the seccomp filter hold alone, whatever gets past the
hook. ``LMC_SANDBOX=os`` makes a run refuse rather than fall back, so no
probe here can pass by running in the weaker sandbox; where the system
cannot set the boundary up at all, the module is skipped and says why,
except under ``LMC_TEST_OS_SANDBOX=required`` (set by ``.ci/run``), where
that is a failure.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from lmc.runtime.kinds import sandbox
from lmc.runtime.kinds.sandbox import SandboxError, SandboxResult, run_python

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the operating system's sandbox is Linux's")

FRESH_POSIX = (
    "import importlib.machinery as m\n"
    "spec = m.BuiltinImporter.find_spec('posix')\n"
    "posix = m.BuiltinImporter.create_module(spec)\n"
    "m.BuiltinImporter.exec_module(posix)\n"
)


@pytest.fixture(autouse=True)
def os_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every run here requires the OS boundary; the module is skipped where it cannot be set up."""
    monkeypatch.setenv(sandbox.SETTING, "os")
    monkeypatch.setattr(sandbox, "_BOUNDARY", sandbox._Boundary())
    try:
        run_python("pass")
    except SandboxError as exc:
        if os.environ.get("LMC_TEST_OS_SANDBOX") == "required":  # CI's machines can: there it must not be skipped
            pytest.fail(f"the operating system's sandbox cannot run here: {exc}")
        pytest.skip(f"the operating system's sandbox cannot run here: {exc}")


def both(code: str) -> Iterator[SandboxResult]:
    """The code's result with the audit hook, then without it."""
    for guard in (True, False):
        yield run_python(code, guard=guard)


def test_ordinary_code_and_the_standard_librarys_c_extensions_work_inside():
    code = (
        "import decimal, hashlib, json, threading, zlib, tempfile\n"
        "out = []\n"
        "t = threading.Thread(target=out.append, args=(zlib.crc32(b'lmc'),))\n"
        "t.start(); t.join()\n"
        "with tempfile.NamedTemporaryFile('w', dir='.') as f: f.write('x')\n"
        "print(json.dumps([out[0], str(decimal.Decimal('1.1') * 3), hashlib.sha256(b'').hexdigest()[:8]]))\n"
    )
    expected = f'[{zlib.crc32(b"lmc")}, "3.3", "e3b0c442"]\n'
    for result in both(code):
        assert result.ok, result.error
        assert result.stdout == expected


def test_another_process_cannot_be_killed_through_a_pidfd_or_kill():
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        probes = [
            f"import os, signal\nsignal.pidfd_send_signal(os.pidfd_open({sleeper.pid}), signal.SIGKILL)",
            FRESH_POSIX + f"posix.kill({sleeper.pid}, 9)",
            FRESH_POSIX + "posix.kill(-1, 9)",
        ]
        for code in probes:
            for result in both(code):
                assert not result.ok and "Error" in result.error, (code, result)
        assert sleeper.poll() is None, "the sandboxed code killed another process"
    finally:
        sleeper.kill()
        sleeper.wait()


def test_the_code_cannot_signal_the_process_that_runs_it():
    received: list[int] = []
    previous = signal.signal(signal.SIGUSR2, lambda number, frame: received.append(number))
    try:
        probes = [
            f"import os, signal\nsignal.pidfd_send_signal(os.pidfd_open({os.getpid()}), signal.SIGUSR2)",
            FRESH_POSIX + f"posix.kill({os.getpid()}, {int(signal.SIGUSR2)})",
        ]
        for code in probes:
            for result in both(code):
                assert not result.ok, (code, result)
        assert received == []
    finally:
        signal.signal(signal.SIGUSR2, previous)


def test_a_fresh_posix_module_makes_no_fifo_and_clones_no_device(tmp_path: Path):
    outside = tmp_path / "fifo"
    probes = [
        FRESH_POSIX + f"posix.mkfifo({str(outside)!r})",
        FRESH_POSIX + "posix.mkfifo('inside')",
        FRESH_POSIX + "import stat\nposix.mknod('kmsg', stat.S_IFCHR | 0o600, posix.makedev(1, 11))\n"
        "print(open('kmsg', 'rb').read(100))",
    ]
    for code in probes:
        for result in both(code):
            assert not result.ok and "Error" in result.error, (code, result)
            assert result.stdout == ""
    assert not outside.exists()


def test_site_packages_cannot_be_imported_even_when_put_back_on_the_path():
    site = [p for p in sys.path if p.endswith("site-packages")]
    assert site, "no site-packages to try"
    code = f"import sys\nsys.path += {site!r}\nimport jinja2\nprint(jinja2.__file__)"
    for result in both(code):
        assert not result.ok and "ModuleNotFoundError: No module named 'jinja2'" in result.error
    stdlib_site = os.path.join(os.path.dirname(os.__file__), "site-packages")
    if os.path.isdir(stdlib_site) and os.listdir(stdlib_site):
        result = run_python(f"import os\nprint(os.listdir({stdlib_site!r}))", guard=False)
        assert result.stdout == "[]\n"  # hidden under an empty mount


def test_files_of_the_host_are_absent_not_just_refused(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("hunter2", encoding="utf-8")
    probes = [
        FRESH_POSIX + f"fd = posix.open({str(secret)!r}, posix.O_RDONLY)\nprint(posix.read(fd, 100))",
        FRESH_POSIX + f"print(posix.listdir({str(tmp_path)!r}))",
        FRESH_POSIX + f"fd = posix.open('/proc/{os.getpid()}/environ', posix.O_RDONLY)\nprint(posix.read(fd, 100))",
        FRESH_POSIX + "print(posix.listdir('/'))",
    ]
    for code in probes[:3]:
        guarded, alone = both(code)
        assert not guarded.ok and "PermissionError: sandbox: reading" in guarded.error  # the hook refuses first
        assert not alone.ok and "FileNotFoundError" in alone.error, (code, alone)  # absent, not just refused
        assert "hunter2" not in guarded.stdout + alone.stdout
    root = run_python(probes[3], guard=False)
    assert root.ok and "home" not in root.stdout and "etc" not in root.stdout and "proc" not in root.stdout


def test_nothing_outside_the_folder_can_be_written(tmp_path: Path):
    target = tmp_path / "written"
    probes = [
        FRESH_POSIX + f"fd = posix.open({str(target)!r}, posix.O_WRONLY | posix.O_CREAT)",
        FRESH_POSIX + "fd = posix.open('/escape', posix.O_WRONLY | posix.O_CREAT)",
        FRESH_POSIX + "posix.mkdir('/tmp/escape')",
    ]
    for code in probes:
        for result in both(code):
            assert not result.ok and ("Read-only file system" in result.error or "Error" in result.error), code
    assert not target.exists()


def test_no_process_starts_and_no_program_runs():
    probes = [
        FRESH_POSIX + "print(posix.fork())",
        FRESH_POSIX + "posix.execv('/bin/true', ['true'])",
        FRESH_POSIX + "print(posix.posix_spawn('/bin/true', ['true'], {}))",
    ]
    for code in probes:
        result = run_python(code, guard=False)
        assert not result.ok and ("PermissionError" in result.error or "FileNotFoundError" in result.error), code


def test_the_network_is_unreachable():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    try:
        code = f"import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=1)\nprint('connected')"
        for result in both(code):
            assert not result.ok and "connected" not in result.stdout
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()


def test_with_ctypes_the_code_still_cannot_mount_unshare_or_raise_its_limits():
    code = (
        "import ctypes, resource\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "print(libc.mount(b'none', b'/', b'tmpfs', 0, None), ctypes.get_errno())\n"
        "print(libc.unshare(0x10000000), ctypes.get_errno())\n"  # CLONE_NEWUSER
        "print(libc.setrlimit(9, (ctypes.c_ulong * 2)(2**62, 2**62)), ctypes.get_errno())\n"  # RLIMIT_AS
        "print(resource.getrlimit(resource.RLIMIT_AS))\n"
    )
    result = run_python(code, guard=False)
    assert result.ok, result.error
    lines = result.stdout.splitlines()
    assert lines[:3] == ["-1 1", "-1 1", "-1 1"]  # EPERM each
    assert lines[3] == f"({sandbox.Limits().memory_bytes}, {sandbox.Limits().memory_bytes})"


def test_a_crafted_code_object_that_crashes_the_interpreter_only_ends_its_own_run():
    code = "c = (lambda: 0).__code__\nexec(c.replace(co_code=bytes([100, 255] * 8)))"
    for result in both(code):
        assert not result.ok and result.error
    assert run_python("print('still fine')").stdout == "still fine\n"


def test_the_boundary_holds_in_an_emitted_package_run_by_its_program(tmp_path: Path):
    from lmc.codegen import render_package
    from lmc.host.loader import load_package
    from tests.codegen.helpers import parse_ok
    from tests.runtime.test_pot import SOURCE, answer, code
    from tests.scripted import ScriptedLM

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        attack = (
            "import os, signal\n"
            "try:\n"
            f"    signal.pidfd_send_signal(os.pidfd_open({sleeper.pid}), signal.SIGKILL)\n"
            "    print(1)\n"
            "except OSError as exc:\n"
            "    print(100 + exc.errno)\n"
        )
        source = parse_ok(SOURCE, tmp_path)
        loaded = load_package(
            render_package(source, package="solver", source_dir=tmp_path, source_text=SOURCE), package="solver"
        )
        lm = ScriptedLM([code(attack), answer(101)])
        assert loaded.solve(question="kill it", lm=lm).answer == 101  # EPERM (1) reached the answer step
        assert "101" in lm.calls[1][-1]["content"]
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()


def test_threads_racing_to_run_code_all_get_the_boundary():
    results: list[SandboxResult] = []
    code = FRESH_POSIX + "print(posix.listdir('/'))"

    def one() -> None:
        results.append(run_python(code, guard=False))

    threads = [threading.Thread(target=one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6 and all(r.ok and "etc" not in r.stdout for r in results)
