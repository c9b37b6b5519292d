"""The operating system's boundary around generated code (Linux): namespaces, a private root, seccomp.

Loaded by ``sandbox_boot.py`` (by path, in the child, before the code runs);
never imported by lmc or a package. Two steps, each one call:

- :func:`enter` moves this process into new user, mount, network, IPC, UTS
  and cgroup namespaces and makes its root a fresh, read-only ``tmpfs``
  holding only the interpreter's standard library and the shared libraries
  its extension modules load (read-only; every ``site-packages``,
  ``dist-packages`` and other Python installation in them hidden under an
  empty mount), ``/dev/{null,zero,random,urandom}``, and the working
  directory (writable). The host's file system, ``/proc``, sockets of other
  processes and every network interface but a down loopback are out of
  reach: not refused, absent.
- :func:`lock` drops every capability, sets ``no_new_privs`` and installs a
  seccomp filter that refuses (``EPERM``) what could leave or change the
  boundary: new processes and programs (``fork``, ``clone`` without
  ``CLONE_THREAD``, ``execve``), signals to any process but this one
  (``kill``, ``tgkill``; ``pidfd_*``, ``tkill`` and the queued-signal calls
  always), tracing and reading other processes' memory, mounts and
  namespaces, device nodes and FIFOs (``mknod``), sockets, raising resource
  limits, kernel keys, BPF, ``io_uring``, ``userfaultfd``, perf events,
  file handles, modules, time, swap, reboot. Another architecture's system
  calls (x32) are refused; a filter for an unknown architecture is never
  guessed.

Anything that fails here raises :class:`Unavailable` with the reason: the
boot then exits with its ``UNAVAILABLE`` status before any code ran, and the parent
decides (fall back with a warning, or refuse; ``sandbox.py``).

Written with ``ctypes`` on libc because the standard library has no
``unshare``, ``mount`` or ``seccomp`` before Python 3.12 (and no ``mount``
or ``seccomp`` at all); the code that runs afterwards cannot import
``ctypes`` (the audit hook) and, were it to, the boundary still holds.
"""

import ctypes
import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing into the child
if TYPE_CHECKING:
    from collections.abc import Iterable


class Unavailable(Exception):
    """The boundary cannot be set up on this system; the message says why."""


# <linux/sched.h>, <linux/mount.h>, <linux/prctl.h>, <linux/capability.h>, <linux/seccomp.h>, <linux/filter.h>
CLONE_THREAD = 0x00010000
CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x10000000, 0x20000000, 0x40000000
NAMESPACES = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_PRIVATE, MS_RELATIME = 1024, 2048, 4096, 16384, 1 << 18, 1 << 21
MNT_DETACH = 2
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP = 24, 38, 22
SECCOMP_MODE_FILTER = 2
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
EPERM, ENOSYS = 1, 38
RET_ALLOW, RET_KILL_PROCESS, RET_ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
LD_ABS_W, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
# The mount flags a bind mount in a user namespace must keep when remounted: statvfs's f_flag has
# the same bits for these, and ST_RELATIME (4096) for MS_RELATIME.
_LOCKED_FLAGS = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME
ST_RELATIME = 4096
DEVICES = ("null", "zero", "random", "urandom")


class Arch:
    """One architecture's seccomp identity and the numbers of the system calls the filter names."""

    def __init__(self, audit: int, numbers: "dict[str, int]", foreign_from: int = 0) -> None:
        self.audit = audit  # AUDIT_ARCH_*
        self.numbers = numbers
        self.foreign_from = foreign_from  # numbers from here on are another ABI's (x32 on x86_64); 0: none


# Refused whatever their arguments. Names a table lacks do not exist on that architecture.
DENIED = (
    "fork vfork execve execveat ptrace process_vm_readv process_vm_writev kcmp tkill rt_sigqueueinfo "
    "rt_tgsigqueueinfo pidfd_open pidfd_send_signal pidfd_getfd mount umount2 pivot_root chroot unshare setns "
    "open_tree move_mount fsopen fsconfig fsmount fspick mount_setattr mknod mknodat socket setrlimit keyctl "
    "add_key request_key bpf perf_event_open userfaultfd io_uring_setup io_uring_enter io_uring_register "
    "kexec_load kexec_file_load init_module finit_module delete_module reboot swapon swapoff syslog acct "
    "quotactl quotactl_fd open_by_handle_at name_to_handle_at fanotify_init iopl ioperm modify_ldt personality "
    "uselib settimeofday clock_settime adjtimex clock_adjtime lookup_dcookie"
).split()
_COMMON = {  # the generic table's numbers (asm-generic/unistd.h), the same on x86_64 for these
    "pidfd_send_signal": 424,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "pidfd_open": 434,
    "clone3": 435,
    "pidfd_getfd": 438,
    "mount_setattr": 442,
    "quotactl_fd": 443,
}
X86_64 = Arch(
    0xC000003E,
    _COMMON
    | {
        "socket": 41,
        "clone": 56,
        "fork": 57,
        "vfork": 58,
        "execve": 59,
        "kill": 62,
        "ptrace": 101,
        "syslog": 103,
        "capset": 126,
        "rt_sigqueueinfo": 129,
        "mknod": 133,
        "uselib": 134,
        "personality": 135,
        "modify_ldt": 154,
        "pivot_root": 155,
        "adjtimex": 159,
        "setrlimit": 160,
        "chroot": 161,
        "acct": 163,
        "settimeofday": 164,
        "mount": 165,
        "umount2": 166,
        "swapon": 167,
        "swapoff": 168,
        "reboot": 169,
        "iopl": 172,
        "ioperm": 173,
        "init_module": 175,
        "delete_module": 176,
        "quotactl": 179,
        "tkill": 200,
        "lookup_dcookie": 212,
        "clock_settime": 227,
        "tgkill": 234,
        "kexec_load": 246,
        "add_key": 248,
        "request_key": 249,
        "keyctl": 250,
        "mknodat": 259,
        "unshare": 272,
        "rt_tgsigqueueinfo": 297,
        "perf_event_open": 298,
        "fanotify_init": 300,
        "prlimit64": 302,
        "name_to_handle_at": 303,
        "open_by_handle_at": 304,
        "clock_adjtime": 305,
        "setns": 308,
        "process_vm_readv": 310,
        "process_vm_writev": 311,
        "kcmp": 312,
        "finit_module": 313,
        "kexec_file_load": 320,
        "bpf": 321,
        "execveat": 322,
        "userfaultfd": 323,
    },
    foreign_from=0x40000000,
)
AARCH64 = Arch(
    0xC00000B7,
    _COMMON
    | {
        "mknodat": 33,
        "umount2": 39,
        "mount": 40,
        "pivot_root": 41,
        "chroot": 51,
        "quotactl": 60,
        "acct": 89,
        "capset": 91,
        "personality": 92,
        "unshare": 97,
        "kexec_load": 104,
        "init_module": 105,
        "delete_module": 106,
        "clock_settime": 112,
        "syslog": 116,
        "ptrace": 117,
        "kill": 129,
        "tkill": 130,
        "tgkill": 131,
        "rt_sigqueueinfo": 138,
        "reboot": 142,
        "setrlimit": 164,
        "settimeofday": 170,
        "adjtimex": 171,
        "socket": 198,
        "add_key": 217,
        "request_key": 218,
        "keyctl": 219,
        "clone": 220,
        "execve": 221,
        "swapon": 224,
        "swapoff": 225,
        "rt_tgsigqueueinfo": 240,
        "perf_event_open": 241,
        "fanotify_init": 262,
        "name_to_handle_at": 264,
        "open_by_handle_at": 265,
        "clock_adjtime": 266,
        "setns": 268,
        "process_vm_readv": 270,
        "process_vm_writev": 271,
        "kcmp": 272,
        "finit_module": 273,
        "bpf": 280,
        "execveat": 281,
        "userfaultfd": 282,
        "kexec_file_load": 294,
        "prlimit64": 261,
    },
)
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}


def architecture() -> Arch:
    """This process's architecture, or :class:`Unavailable` for one without a table here."""
    machine = os.uname().machine
    if sys.platform != "linux":
        raise Unavailable(f"the operating system's sandbox needs Linux, not {sys.platform}")
    if ctypes.sizeof(ctypes.c_void_p) != 8 or machine not in ("x86_64", "aarch64"):
        raise Unavailable(f"no seccomp filter for the {machine} architecture")
    return X86_64 if machine == "x86_64" else AARCH64


_libc = ctypes.CDLL(None, use_errno=True)


def _call(what: str, result: int) -> None:
    if result != 0:
        raise Unavailable(f"{what}: {os.strerror(ctypes.get_errno())}")


def _bytes(text: "str | None") -> "bytes | None":
    return None if text is None else os.fsencode(text)


def _mount(source: "str | None", target: str, fstype: "str | None", flags: int, data: "str | None" = None) -> None:
    result = _libc.mount(_bytes(source), _bytes(target), _bytes(fstype), ctypes.c_ulong(flags), _bytes(data))
    _call(f"mount {target}", result)


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="ascii") as f:
            f.write(text)
    except OSError as exc:
        raise Unavailable(f"writing {path}: {exc.strerror}") from None


def _bind(root: str, path: str, writable: bool, device: bool = False) -> None:
    """``path`` of the host at the same path under ``root``: read-only unless ``writable``, no devices unless ``device``."""
    target = root + path
    if os.path.isdir(path):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()  # a file to mount onto, in the new root's tmpfs
    _mount(path, target, None, MS_BIND)
    has = os.statvfs(target).f_flag
    flags = MS_REMOUNT | MS_BIND | MS_NOSUID | (has & _LOCKED_FLAGS) | (MS_RELATIME if has & ST_RELATIME else 0)
    _mount(None, target, None, flags | (0 if writable else MS_RDONLY) | (0 if device else MS_NODEV))


def _hide(root: str, path: str) -> None:
    """An empty read-only folder over ``path`` (a Python installation) under ``root``."""
    _mount("tmpfs", root + path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555")


def library_folders() -> "list[str]":
    """The folders the dynamic loader finds shared libraries in, as real paths, without duplicates."""
    multiarch = getattr(sys.implementation, "_multiarch", "")
    candidates = [f"/lib/{multiarch}", f"/usr/lib/{multiarch}"] if multiarch else []
    if not any(os.path.isdir(path) for path in candidates):
        candidates += ["/lib", "/usr/lib"]
    candidates += ["/lib64", "/usr/lib64"]
    found: list[str] = []
    for path in candidates:
        real = os.path.realpath(path)
        if os.path.isdir(real) and real not in found:
            found.append(real)
    return found


def hidden_folders(stdlib: "Iterable[str]", folders: "Iterable[str]") -> "list[str]":
    """What to hide under the mounted folders: other Pythons, and the standard library's package folders."""
    keep = tuple(stdlib)
    hidden: list[str] = []
    for folder in folders:
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            path = os.path.join(folder, name)
            if (
                name.startswith("python")
                and os.path.isdir(path)
                and not any(k == path or k.startswith(path + "/") for k in keep)
            ):
                hidden.append(path)
    for path in keep:
        for name in ("site-packages", "dist-packages"):
            if os.path.isdir(os.path.join(path, name)):
                hidden.append(os.path.join(path, name))
    return hidden


def enter(workdir: str, root: str, stdlib: "Iterable[str]") -> None:
    """Make this process's world the new root described above; ``root`` is an empty folder to build it in.

    ``workdir`` stays at its path, writable, and becomes the current folder;
    ``stdlib`` (the interpreter's ``sys.path`` folders) stay at theirs, read-only.
    """
    arch = architecture()  # before anything changes: an unknown one leaves the process as it was
    del arch
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP
    _call("unshare (user namespaces may be disabled here)", _libc.unshare(ctypes.c_int(flags)))
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for name in ("lib", "lib64", "lib32", "libx32"):  # merged-/usr systems link these into /usr
        if os.path.islink("/" + name):
            os.symlink(os.readlink("/" + name), root + "/" + name)
    stdlib = [os.path.realpath(path) for path in stdlib if os.path.isdir(path)]
    folders = [path for path in library_folders() if not any(path.startswith(s + "/") for s in stdlib)]
    for path in [*folders, *(p for p in stdlib if p not in folders)]:
        _bind(root, path, writable=False)
    for path in hidden_folders(stdlib, folders):
        _hide(root, path)
    for name in DEVICES:
        if os.path.exists("/dev/" + name):
            _bind(root, "/dev/" + name, writable=True, device=True)
    _bind(root, workdir, writable=True)
    os.chdir(root)
    _call("pivot_root", _libc.syscall(ctypes.c_long(PIVOT_ROOT[os.uname().machine]), b".", b"."))
    _call("umount the old root", _libc.umount2(b".", ctypes.c_int(MNT_DETACH)))
    os.chdir("/")
    _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir(workdir)


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def _arg(index: int, high: bool = False) -> int:
    """The offset of a system call argument's low (or high) 32 bits in ``struct seccomp_data`` (little-endian)."""
    return 16 + 8 * index + (4 if high else 0)


def _assemble(lines: "list[tuple[int, object, object, int] | str]") -> "list[tuple[int, int, int, int]]":
    """BPF instructions from ``(code, jt, jf, k)`` whose jumps name a later label (a string in ``lines``) or are 0.

    BPF jumps only forward, by at most 255 instructions: a label behind, or too far, does not assemble.
    """
    labels: dict[str, int] = {}
    count = 0
    for line in lines:
        if isinstance(line, str):
            labels[line] = count
        else:
            count += 1
    program: list[tuple[int, int, int, int]] = []
    for line in lines:
        if isinstance(line, str):
            continue
        code, *jumps, k = line
        here = len(program) + 1  # a jump counts from the next instruction
        jt, jf = (labels[j] - here if isinstance(j, str) else 0 for j in jumps)
        if not (0 <= jt <= 255 and 0 <= jf <= 255):
            raise Unavailable("the seccomp filter does not assemble: a jump is out of range")
        program.append((code, jt, jf, k))
    return program


def seccomp_program(arch: Arch, pid: int) -> "list[tuple[int, int, int, int]]":
    """The filter, as ``(code, jt, jf, k)`` instructions: :data:`DENIED`, and the calls allowed on conditions.

    ``pid`` is this process's: ``kill`` may reach only it and its process
    group (``0``, ``pid``, ``-pid``), ``tgkill`` only its threads.
    """
    n = arch.numbers
    lines: list[tuple[int, object, object, int] | str] = [
        (LD_ABS_W, 0, 0, 4),
        (JEQ, "native", 0, arch.audit),
        (RET, 0, 0, RET_KILL_PROCESS),
        "native",
        (LD_ABS_W, 0, 0, 0),
    ]
    if arch.foreign_from:
        lines += [(JGE, "deny", 0, arch.foreign_from)]
    lines += [(JEQ, "deny", 0, n[name]) for name in DENIED if name in n]
    lines += [
        (JEQ, "nosys", 0, n["clone3"]),  # its flags are out of a filter's reach; the C library falls back to clone
        (JEQ, "clone", 0, n["clone"]),
        (JEQ, "prlimit", 0, n["prlimit64"]),
        (JEQ, "kill", 0, n["kill"]),
        (JEQ, "tgkill", 0, n["tgkill"]),
        (RET, 0, 0, RET_ALLOW),
        "clone",  # threads only, in this process's namespaces
        (LD_ABS_W, 0, 0, _arg(0)),
        (JSET, "deny", 0, NAMESPACES),
        (JSET, "allow", "deny", CLONE_THREAD),
        "prlimit",  # reading a limit (new_limit NULL), never setting one
        (LD_ABS_W, 0, 0, _arg(2)),
        (JEQ, 0, "deny", 0),
        (LD_ABS_W, 0, 0, _arg(2, high=True)),
        (JEQ, "allow", "deny", 0),
        "kill",  # this process or its group
        (LD_ABS_W, 0, 0, _arg(0)),
        (JEQ, "allow", 0, 0),
        (JEQ, "allow", 0, pid),
        (JEQ, "allow", "deny", -pid & 0xFFFFFFFF),
        "tgkill",  # this process's threads
        (LD_ABS_W, 0, 0, _arg(0)),
        (JEQ, "allow", "deny", pid),
        "allow",
        (RET, 0, 0, RET_ALLOW),
        "deny",
        (RET, 0, 0, RET_ERRNO | EPERM),
        "nosys",
        (RET, 0, 0, RET_ERRNO | ENOSYS),
    ]
    return _assemble(lines)


def lock() -> None:
    """Drop every capability, forbid gaining any, and install the seccomp filter. Call it last."""
    arch = architecture()
    cap = 0
    while _libc.prctl(ctypes.c_int(PR_CAPBSET_DROP), ctypes.c_ulong(cap), 0, 0, 0) == 0:
        cap += 1
    if cap == 0:
        raise Unavailable(f"dropping capabilities: {os.strerror(ctypes.get_errno())}")
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable: twice (capabilities 0-31, 32-63), all empty
    _call("capset", _libc.syscall(ctypes.c_long(arch.numbers["capset"]), header, data))
    _call("no_new_privs", _libc.prctl(ctypes.c_int(PR_SET_NO_NEW_PRIVS), ctypes.c_ulong(1), 0, 0, 0))
    instructions = seccomp_program(arch, os.getpid())
    filters = (_Filter * len(instructions))(*(_Filter(*i) for i in instructions))
    program = _Program(len(instructions), filters)
    result = _libc.prctl(ctypes.c_int(PR_SET_SECCOMP), ctypes.c_ulong(SECCOMP_MODE_FILTER), ctypes.byref(program), 0, 0)
    _call("seccomp", result)
