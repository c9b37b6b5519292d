"""Running Python that an LM wrote: a confined child process, never this one.

``run_python(code, limits)`` writes the code into a fresh temporary folder and
runs it there with this interpreter (``sys.executable``), then deletes the
folder. POSIX only (Linux, macOS): it needs ``resource`` and process groups.

The boundary, on Linux (``sandbox_confine.py``, set up by the child before
the code runs): new user, mount, network, IPC, UTS and cgroup namespaces; a
private read-only root holding only the standard library (every
``site-packages`` hidden), the shared libraries it loads, four harmless
devices and the folder (the only writable place); no network; no
capabilities; and a seccomp filter that refuses new processes and programs,
signals to other processes, ``pidfd``s, tracing, mounts and namespaces,
device nodes and FIFOs, sockets and raising a limit. The host's files,
``/proc``, other processes and the network are absent, not just refused.
It costs about 9 ms a run.

Where the system cannot set it up (no Linux, user namespaces disabled,
another seccomp architecture) the run falls back to the audit-hook sandbox
below, with one :class:`SandboxWarning` per process. ``LMC_SANDBOX`` chooses:
``auto`` (the default), ``os`` (refuse to run without the boundary:
``SandboxError``) or ``audit`` (the fallback, without a warning).

What holds in both, by the operating system, whatever the code does:

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

What the child refuses, in both, by an audit hook (``sandbox_boot.py``, PEP
578) installed before the code runs: sockets and the network modules,
starting or signalling processes, changing directory, writing or changing
any file outside its folder, reading files outside its folder and the
standard library (so neither ``~/.ssh`` nor ``/proc/<parent>/environ``),
raising its limits again, tracing, and importing ``ctypes``,
``_posixsubprocess``, subinterpreters, ``sqlite3`` and other modules that act
in C without an audit event. An audit hook is not a security boundary: a bug
in the interpreter, a C extension or a fresh copy of a built-in module gets
past it. Under the OS boundary it only gives clearer errors first; alone (the
fallback) it keeps an honest model's mistakes inside the folder, not a
hostile program: that needs the OS boundary, a container or a VM.

A ``ProgramOfThought`` module sets its own limits with options in the
``.lmp`` file (``timeout_s``, ``memory_mb``, ``output_kb``, ``file_mb``:
:data:`LIMIT_OPTIONS`, read by :func:`limits_from`); the emitted package
carries them in the module's spec.

Not prevented: filling the folder with many files each under the size limit
within the time limit, and using the CPU until the time limit; in the
fallback also reading the standard library's files and learning names and
metadata through ``os.stat``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ProgramError, SandboxWarning

if TYPE_CHECKING:
    import subprocess

# subprocess, selectors, signal and tempfile are imported where they are used:
# they cost ~8 ms, and a package imports this file whether it runs code or not.

__all__ = [
    "LIMIT_OPTIONS",
    "Limits",
    "SandboxError",
    "SandboxResult",
    "SandboxWarning",
    "boundary",
    "limits_from",
    "run_python",
]

BOOT = Path(__file__).with_name("sandbox_boot.py")
PROGRAM = "program.py"  # the file the child runs, in its folder (sandbox_boot.PROGRAM)
SETUP_FAILED = 120  # the child's status when it could not apply its limits (sandbox_boot.SETUP_FAILED)
UNAVAILABLE = 121  # the child's status when the OS boundary cannot be set up here (sandbox_boot.UNAVAILABLE)
SETTING = "LMC_SANDBOX"  # auto (the default), os or audit
_KIB = 1024
_MIB = 1024 * _KIB


class SandboxError(ProgramError):
    """The sandbox itself cannot run here (not POSIX, no interpreter, limits refused, no OS boundary when required)."""


class _Boundary:
    """Which boundary this process's runs get; the first run that finds the OS one unavailable says so once."""

    def __init__(self) -> None:
        import threading

        self.unavailable = ""  # why the OS boundary cannot be set up here, once a run found out
        self.lock = threading.Lock()

    def choice(self) -> str:
        """``"os"`` or ``"audit"``, from ``LMC_SANDBOX`` and what earlier runs found."""
        setting = os.environ.get(SETTING, "auto").strip().lower() or "auto"
        if setting not in ("auto", "os", "audit"):
            raise SandboxError(f"{SETTING}={setting!r} is not a sandbox: use auto, os or audit")
        if setting == "audit":
            return "audit"
        if sys.platform != "linux":
            return self.fall_back(setting, f"the operating system's sandbox needs Linux, not {sys.platform}")
        if self.unavailable:
            return self.fall_back(setting, self.unavailable)
        return "os"

    def fall_back(self, setting: str, reason: str) -> str:
        """``"audit"`` with a warning the first time, or ``SandboxError`` when ``LMC_SANDBOX=os`` requires the OS one."""
        if setting == "os":
            raise SandboxError(
                f"{SETTING}=os requires the operating system's sandbox, which cannot run here: {reason} "
                f"(set {SETTING}=audit to run generated code in the audit-hook sandbox instead)"
            )
        with self.lock:
            first, self.unavailable = not self.unavailable, reason
        if first:
            import warnings

            warnings.warn(
                SandboxWarning(
                    f"generated code runs in the audit-hook sandbox, which is not a security boundary: "
                    f"the operating system's sandbox cannot run here ({reason}). "
                    f"Set {SETTING}=audit to choose it and silence this warning, or {SETTING}=os to refuse to run without it"
                ),
                stacklevel=4,
            )
        return "audit"


_BOUNDARY = _Boundary()


def boundary() -> str:
    """The boundary the next run gets: ``"os"`` (namespaces and seccomp, Linux) or ``"audit"`` (the fallback).

    ``"os"`` until a run finds it cannot be set up here; raises
    ``SandboxError`` for a bad ``LMC_SANDBOX`` or when ``LMC_SANDBOX=os``
    requires the OS boundary and it is unavailable.
    """
    return _BOUNDARY.choice()


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


def run_python(code: str, limits: Limits = Limits(), *, guard: bool = True) -> SandboxResult:
    """Run ``code`` in a fresh folder under ``limits``; its stdout is the result.

    The value of a trailing expression statement is printed, as in a REPL.
    Raises ``SandboxError`` only when the sandbox cannot run at all; the
    code's own failures (an exception, a limit reached) are in the result.
    ``guard=False`` leaves the audit hook out, so that a test can show the
    operating system's boundary holding alone; never use it otherwise.
    """
    if os.name != "posix":
        raise SandboxError("running generated code needs a POSIX system (Linux or macOS)")
    if not sys.executable:
        raise SandboxError("running generated code needs a Python interpreter (sys.executable is empty)")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="lmc-sandbox-", ignore_cleanup_errors=True) as tmp:
        base = os.path.realpath(tmp)
        workdir, root = os.path.join(base, "work"), os.path.join(base, "root")
        os.mkdir(workdir)
        os.mkdir(root)  # where the child builds its private root (in its own mount namespace)
        Path(workdir, PROGRAM).write_text(code, encoding="utf-8")
        chosen = boundary()
        result = _run_in(workdir, root, limits, chosen, guard)
        if isinstance(result, str):  # the OS boundary turned out unavailable; nothing ran
            result = _run_in(workdir, root, limits, _BOUNDARY.fall_back(_setting(), result), guard)
        assert not isinstance(result, str)
        return result


def _setting() -> str:
    return os.environ.get(SETTING, "auto").strip().lower() or "auto"


def _run_in(workdir: str, root: str, limits: Limits, chosen: str, guard: bool) -> SandboxResult | str:
    """One run of the child; the reason, as a string, when it found the OS boundary unavailable."""
    import subprocess

    cpu_seconds = int(limits.timeout_s) + 2
    command = [sys.executable, "-S", "-B", str(BOOT), workdir]
    command += [str(cpu_seconds), str(limits.memory_bytes), str(limits.file_bytes)]
    command += [chosen, root, "guard" if guard else "noguard"]
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
    if stopped is None and proc.returncode == UNAVAILABLE and chosen == "os":
        return err.strip() or "the operating system's sandbox could not be set up"
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
