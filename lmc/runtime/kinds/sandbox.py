"""Running Python that an LM wrote: a limited child process, never this one.

``run_python(code, limits)`` writes the code into a fresh temporary folder and
runs it there with this interpreter (``sys.executable``), then deletes the
folder. POSIX only (Linux, macOS): it needs ``resource`` and process groups.

What holds, by the operating system, whatever the code does:

- a wall-clock limit: the child's process group is killed when it expires
  (and a CPU-time limit a little above it, should this process die first);
- a memory limit on the child's address space (``RLIMIT_AS``): an allocation
  past it raises ``MemoryError`` in the child. macOS does not enforce
  ``RLIMIT_AS``; there the limit is best effort;
- a size limit per file the child writes (``RLIMIT_FSIZE``), no core dumps;
- an environment built from nothing: ``HOME`` and ``TMPDIR`` (the temporary
  folder) and three settings for Python itself; no variable of this process
  (no API key) reaches the child;
- the child's stdout and stderr are read up to ``output_bytes`` each; past
  that it is killed;
- the interpreter starts without ``site`` (only the standard library can be
  imported), without user site-packages, without writing bytecode, and with
  the script's folder removed from ``sys.path``. That is ``-I`` less ``-E``:
  ``-E`` would also drop ``PYTHONHASHSEED``, which is set to 0 so that the
  same code prints the same output (set order), as parity and caching need.

What the child refuses, by an audit hook (``sandbox_boot.py``, PEP 578)
installed before the code runs: sockets and the network modules, starting
or signalling processes, changing directory, writing or changing any file
outside its folder, reading files outside its folder and the standard
library (so neither ``~/.ssh`` nor ``/proc/<parent>/environ``), raising its
limits again, tracing, and importing ``ctypes``, ``_posixsubprocess``,
subinterpreters, ``sqlite3`` and other modules that act in C without an
audit event. An audit hook is not a security boundary: a bug in the
interpreter or in a C extension can get past it. It keeps an honest model's
mistakes and an ordinary injected program inside the folder; for code from
a party you do not trust, run the whole program in a container or a VM.

A ``ProgramOfThought`` module sets its own limits with options in the
``.lmp`` file (``timeout_s``, ``memory_mb``, ``output_kb``, ``file_mb``:
:data:`LIMIT_OPTIONS`, read by :func:`limits_from`); the emitted package
carries them in the module's spec.

Not prevented: filling the disk with many files each under the size limit
within the time limit, using the CPU until the time limit, reading the
standard library's files, and learning names and metadata through
``os.stat``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ProgramError

if TYPE_CHECKING:
    import subprocess

# subprocess, selectors, signal and tempfile are imported where they are used:
# they cost ~8 ms, and a package imports this file whether it runs code or not.

__all__ = ["LIMIT_OPTIONS", "Limits", "SandboxError", "SandboxResult", "limits_from", "run_python"]

BOOT = Path(__file__).with_name("sandbox_boot.py")
PROGRAM = "program.py"  # the file the child runs, in its folder (sandbox_boot.PROGRAM)
SETUP_FAILED = 120  # the child's status when it could not apply its limits (sandbox_boot.SETUP_FAILED)
_KIB = 1024
_MIB = 1024 * _KIB


class SandboxError(ProgramError):
    """The sandbox itself cannot run here (not POSIX, no interpreter, limits refused)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What one run may use. The defaults suit a short computation that prints its answer."""

    timeout_s: float = 10.0
    memory_bytes: int = 512 * _MIB
    output_bytes: int = 64 * 1024  # for stdout and for stderr, each
    file_bytes: int = 16 * _MIB  # the largest file the code may write in its folder

    def __post_init__(self) -> None:
        for name in ("timeout_s", "memory_bytes", "output_bytes", "file_bytes"):
            if not getattr(self, name) > 0:
                raise ValueError(f"sandbox limit `{name}` must be positive, not {getattr(self, name)!r}")


@dataclass(frozen=True, slots=True)
class LimitOption:
    """A module option that sets one of the :class:`Limits`: in ``unit`` of that field, at least ``least``."""

    field: str
    unit: int
    least: float
    whole: bool  # a whole number (memory and sizes) rather than any positive number (seconds)


# Below about 16 MiB of address space the interpreter cannot start.
LIMIT_OPTIONS: Mapping[str, LimitOption] = {
    "timeout_s": LimitOption("timeout_s", 1, 0.0, whole=False),
    "memory_mb": LimitOption("memory_bytes", _MIB, 16, whole=True),
    "output_kb": LimitOption("output_bytes", _KIB, 1, whole=True),
    "file_mb": LimitOption("file_bytes", _MIB, 1, whole=True),
}


def limits_from(options: Mapping[str, Any]) -> Limits:
    """The limits that the options among :data:`LIMIT_OPTIONS` set; the defaults for the others.

    Raises ``ValueError`` naming the option for a value of the wrong type or out of range.
    """
    values = {f.name: getattr(Limits(), f.name) for f in fields(Limits)}
    for name, option in LIMIT_OPTIONS.items():
        if name not in options:
            continue
        value = options[name]
        number = not isinstance(value, bool) and isinstance(value, int if option.whole else (int, float))
        if option.whole and not (number and value >= option.least):
            raise ValueError(f"`{name}` must be a whole number of at least {option.least:g}, not {value!r}")
        if not option.whole and not (number and value > option.least):
            raise ValueError(f"`{name}` must be a number of seconds above {option.least:g}, not {value!r}")
        values[option.field] = value * option.unit
    return Limits(**values)


@dataclass(frozen=True, slots=True)
class SandboxResult:
    """What one run printed, and why it failed (``error`` is empty when it did not)."""

    stdout: str
    stderr: str
    returncode: int | None  # None when the child was stopped before it exited
    timed_out: bool
    error: str

    @property
    def ok(self) -> bool:
        return not self.error


def run_python(code: str, limits: Limits = Limits()) -> SandboxResult:
    """Run ``code`` in a fresh folder under ``limits``; its stdout is the result.

    The value of a trailing expression statement is printed, as in a REPL.
    Raises ``SandboxError`` only when the sandbox cannot run at all; the
    code's own failures (an exception, a limit reached) are in the result.
    """
    if os.name != "posix":
        raise SandboxError("running generated code needs a POSIX system (Linux or macOS)")
    if not sys.executable:
        raise SandboxError("running generated code needs a Python interpreter (sys.executable is empty)")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="lmc-sandbox-", ignore_cleanup_errors=True) as tmp:
        workdir = os.path.realpath(tmp)
        Path(workdir, PROGRAM).write_text(code, encoding="utf-8")
        return _run_in(workdir, limits)


def _run_in(workdir: str, limits: Limits) -> SandboxResult:
    import subprocess

    cpu_seconds = int(limits.timeout_s) + 2
    command = [sys.executable, "-S", "-B", str(BOOT), workdir]
    command += [str(cpu_seconds), str(limits.memory_bytes), str(limits.file_bytes)]
    env = {
        "HOME": workdir,
        "TMPDIR": workdir,
        "PYTHONHASHSEED": "0",
        "PYTHONUTF8": "1",
        "PYTHONIOENCODING": "utf-8:backslashreplace",
    }
    try:
        proc = subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, killed as one
        )
    except OSError as exc:
        raise SandboxError(f"could not start the interpreter {sys.executable}: {exc}") from exc
    try:
        stdout, stderr, stopped = _collect(proc, limits)
    finally:
        _kill(proc)
    out, err = stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")
    if stopped is None and proc.returncode == SETUP_FAILED:
        raise SandboxError(err.strip() or "the sandbox could not apply its limits")
    returncode = None if stopped else proc.returncode
    return SandboxResult(
        stdout=out,
        stderr=err,
        returncode=returncode,
        timed_out=stopped == "timeout",
        error=_error(stopped, returncode, err, limits),
    )


def _collect(proc: subprocess.Popen[bytes], limits: Limits) -> tuple[bytes, bytes, str | None]:
    """Read both pipes until the child exits; stop it at the deadline or past the output cap.

    Returns the output and why the child was stopped: ``"timeout"``,
    ``"output"``, or None when it ended by itself.
    """
    import selectors
    import subprocess

    assert proc.stdout is not None and proc.stderr is not None
    deadline = time.monotonic() + limits.timeout_s
    buffers = {proc.stdout.fileno(): bytearray(), proc.stderr.fileno(): bytearray()}
    with selectors.DefaultSelector() as selector:
        for fd in buffers:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return bytes(buffers[proc.stdout.fileno()]), bytes(buffers[proc.stderr.fileno()]), "timeout"
            for key, _ in selector.select(remaining):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fd)
                    continue
                buffer = buffers[key.fd]
                buffer += chunk
                if len(buffer) > limits.output_bytes:
                    del buffer[limits.output_bytes :]
                    return bytes(buffers[proc.stdout.fileno()]), bytes(buffers[proc.stderr.fileno()]), "output"
    stdout, stderr = bytes(buffers[proc.stdout.fileno()]), bytes(buffers[proc.stderr.fileno()])
    try:  # both pipes closed; the child may still be running
        proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return stdout, stderr, "timeout"
    return stdout, stderr, None


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """End the child's whole process group (a no-op once it has exited) and reap it."""
    import signal

    if proc.returncode is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def _error(stopped: str | None, returncode: int | None, stderr: str, limits: Limits) -> str:
    """The message an LM (and a user) gets for a failed run; empty for a successful one."""
    import signal

    if stopped == "timeout":
        return f"TimeoutError: the code ran longer than {limits.timeout_s:g} s and was stopped"
    if stopped == "output":
        return f"the code printed more than {limits.output_bytes} bytes and was stopped"
    if returncode == 0:
        return ""
    if returncode is not None and returncode < 0:
        if -returncode == signal.SIGXCPU:
            return "TimeoutError: the code used up its CPU time and was stopped"
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"the code was killed by {name}"
    return stderr.strip() or f"the code exited with status {returncode}"
