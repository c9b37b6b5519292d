"""The sandbox's seccomp filter, run by a small BPF interpreter: what it allows and refuses, on both architectures.

The filter is data (``sandbox_confine.seccomp_program``), so every rule can
be checked here on any machine: each refused call, the calls allowed on a
condition (``clone`` for threads, ``prlimit64`` to read, ``kill`` and
``tgkill`` to this process), a foreign architecture and the x32 ABI. The
system-call numbers are checked against the kernel headers where installed.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from lmc.runtime.kinds import sandbox_confine as confine
from lmc.runtime.kinds.sandbox_confine import AARCH64, DENIED, X86_64, Arch, seccomp_program

PID = 4242
EPERM = confine.RET_ERRNO | 1
ENOSYS = confine.RET_ERRNO | 38
ALLOW = confine.RET_ALLOW
SIGCHLD = 17
THREAD_FLAGS = 0x3D0F00  # what the C library passes for a new thread: VM, FS, FILES, SIGHAND, THREAD, SYSVSEM, ...
X86_ONLY = {"fork", "vfork", "mknod", "iopl", "ioperm", "modify_ldt", "uselib", "lookup_dcookie", "setrlimit"}


def run(arch: Arch, nr: int, *args: int, audit: int | None = None) -> int:
    """What the filter returns for one system call (``struct seccomp_data``, little-endian)."""
    values = [a & 0xFFFFFFFFFFFFFFFF for a in args] + [0] * (6 - len(args))
    data = struct.pack("<iIQ6Q", nr, audit if audit is not None else arch.audit, 0, *values)
    program = seccomp_program(arch, PID)
    pc, acc = 0, 0
    for _ in range(len(program) + 1):  # no loops in BPF: each instruction runs at most once
        code, jt, jf, k = program[pc]
        if code == confine.LD_ABS_W:
            acc, pc = struct.unpack_from("<I", data, k)[0], pc + 1
        elif code == confine.RET:
            return k
        else:
            taken = {confine.JEQ: acc == k, confine.JGE: acc >= k, confine.JSET: bool(acc & k)}[code]
            pc += 1 + (jt if taken else jf)
    raise AssertionError("the filter ran past its end")


@pytest.mark.parametrize("arch", [X86_64, AARCH64], ids=["x86_64", "aarch64"])
def test_every_refused_call_gets_eperm_and_an_ordinary_one_passes(arch: Arch):
    names = [name for name in DENIED if name in arch.numbers]
    assert len(names) >= len(DENIED) - (len(X86_ONLY) if arch is AARCH64 else 0)
    for name in names:
        assert run(arch, arch.numbers[name]) == EPERM, name
    read, openat, mmap = (0, 257, 9) if arch is X86_64 else (63, 56, 222)
    assert {run(arch, nr) for nr in (read, openat, mmap)} == {ALLOW}


def test_every_name_has_a_number_on_x86_64():
    assert [name for name in DENIED if name not in X86_64.numbers] == []
    assert [name for name in DENIED if name not in AARCH64.numbers and name not in X86_ONLY] == []


@pytest.mark.parametrize("arch", [X86_64, AARCH64], ids=["x86_64", "aarch64"])
def test_clone_makes_threads_only_and_clone3_falls_back(arch: Arch):
    clone = arch.numbers["clone"]
    assert run(arch, clone, THREAD_FLAGS) == ALLOW
    assert run(arch, clone, SIGCHLD) == EPERM  # fork
    assert run(arch, clone, THREAD_FLAGS | confine.CLONE_NEWNS) == EPERM
    assert run(arch, clone, THREAD_FLAGS | confine.CLONE_NEWUSER) == EPERM
    assert run(arch, arch.numbers["clone3"]) == ENOSYS


@pytest.mark.parametrize("arch", [X86_64, AARCH64], ids=["x86_64", "aarch64"])
def test_limits_can_be_read_but_not_set(arch: Arch):
    prlimit = arch.numbers["prlimit64"]
    assert run(arch, prlimit, 0, 9, 0, 0x7FFC0000) == ALLOW  # prlimit(0, RLIMIT_AS, NULL, &old)
    assert run(arch, prlimit, 0, 9, 0x7FFC0000, 0) == EPERM
    assert run(arch, prlimit, 0, 9, 0x7FFC_0000_0000_0000, 0) == EPERM  # only the high half set


@pytest.mark.parametrize("arch", [X86_64, AARCH64], ids=["x86_64", "aarch64"])
def test_signals_reach_this_process_only(arch: Arch):
    kill, tgkill = arch.numbers["kill"], arch.numbers["tgkill"]
    assert [run(arch, kill, pid, 9) for pid in (0, PID, -PID)] == [ALLOW] * 3
    assert [run(arch, kill, pid, 9) for pid in (1, PID + 1, -1, -(PID + 1))] == [EPERM] * 4
    assert run(arch, tgkill, PID, PID + 3, 10) == ALLOW
    assert run(arch, tgkill, PID + 1, PID + 1, 9) == EPERM
    assert run(arch, arch.numbers["tkill"], PID, 9) == EPERM


def test_another_architecture_is_killed_and_x32_is_refused():
    assert run(X86_64, 0, audit=AARCH64.audit) == confine.RET_KILL_PROCESS
    assert run(AARCH64, 63, audit=X86_64.audit) == confine.RET_KILL_PROCESS
    assert run(X86_64, 0x40000000 + 59) == EPERM  # execve through the x32 ABI


def _header_numbers(path: Path) -> dict[str, int]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"#define __NR(?:3264)?_(\w+)\s+(\d+)\b", text)}


@pytest.mark.parametrize(
    ("arch", "header"),
    [
        (X86_64, Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")),
        (AARCH64, Path("/usr/include/asm-generic/unistd.h")),
    ],
    ids=["x86_64", "aarch64"],
)
def test_the_numbers_match_the_kernel_headers(arch: Arch, header: Path):
    if not header.is_file():
        pytest.skip(f"{header} is not installed")
    known = _header_numbers(header)
    checked = {name: number for name, number in arch.numbers.items() if name in known}
    assert len(checked) >= len(arch.numbers) - 3  # a few calls are newer than an old header
    assert {name: known[name] for name in checked} == checked
