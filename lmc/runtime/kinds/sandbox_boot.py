"""The child side of ``sandbox.run_python``: limit this process, then run the code.

Run only as a script, by ``sandbox.py``:
``python -S -B sandbox_boot.py WORKDIR CPU_SECONDS MEMORY_BYTES FILE_BYTES BOUNDARY ROOT GUARD``,
with the working directory ``WORKDIR`` holding ``program.py``.

With ``BOUNDARY`` ``os`` this process first enters the operating system's
boundary (``sandbox_confine.py``: namespaces, a private read-only root built
in the empty folder ``ROOT``, no network; then, once the limits below are
set, no capabilities and a seccomp filter). Where that cannot be set up it
exits with ``UNAVAILABLE`` before any code ran. With ``audit`` it does not.

Before the code runs this process lowers its resource limits (address space,
CPU time, file size, open files, no child processes; soft and hard, so they
cannot be raised again) and installs an audit hook (PEP 578) that refuses:
sockets and the network modules, starting or signalling processes, leaving
the working directory, writing or changing files outside it, reading files
outside it and the standard library, and importing the modules that reach
files, processes or the interpreter's internals without raising audit events
(``ctypes``, ``_posixsubprocess``, subinterpreters, ``sqlite3``, ...).

An audit hook is not a security boundary (PEP 578 says so): the limits of the
operating system (the boundary, the resource limits, the process, its empty
environment) hold whatever the code does, the hook only refuses what Python
asks for, with clearer errors, first. ``GUARD`` ``noguard`` leaves the hook
out: the tests use it to show that the operating system's boundary holds alone. The
hook keeps its own references to everything it calls, so patching ``os``,
``builtins`` or this module from the code does not change its decisions.
"""

import sys

# The script's folder (the runtime) heads sys.path; its modules (types.py...)
# would shadow the standard library's. Nothing was imported from it yet.
if sys.path and sys.path[0] == __file__.rpartition("/")[0]:
    del sys.path[0]

import ast  # noqa: E402  (imports after the sys.path fix, on purpose)
import builtins  # noqa: E402
import linecache  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import signal  # noqa: E402
import stat  # noqa: E402
import traceback  # noqa: E402
from types import MappingProxyType  # noqa: E402

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing into the child
if TYPE_CHECKING:
    from typing import Any

PROGRAM = "program.py"
CONFINE = "sandbox_confine.py"  # the operating system's boundary, beside this file
SETUP_FAILED = 120  # exit status: the limits could not be applied; nothing ran
UNAVAILABLE = 121  # exit status: the operating system's boundary cannot be set up here; nothing ran

# Events refused whatever their arguments.
_DENIED_EVENTS = frozenset(
    {
        "os.chdir",
        "os.fork",
        "os.forkpty",
        "os.kill",
        "os.killpg",
        "os.link",
        "os.symlink",
        "os.system",
        "os.startfile",
        "signal.pthread_kill",
        "resource.setrlimit",
        "resource.prlimit",
        "sys.settrace",
        "sys.setprofile",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
    }
)
_DENIED_PREFIXES = (
    "socket.",
    "ctypes.",
    "subprocess.",
    "os.exec",
    "os.spawn",
    "os.posix_spawn",
    "pty.",
    "sqlite3.",
    "syslog.",
    "urllib.",
    "http.",
    "ftplib.",
    "smtplib.",
    "poplib.",
    "imaplib.",
    "nntplib.",
    "telnetlib.",
    "webbrowser.",
)
# Modules that open files, start processes or reach the interpreter's
# internals in C, without an audit event the hook could refuse.
_DENIED_IMPORTS = frozenset(
    {
        "ctypes",
        "_ctypes",
        "_ctypes_test",
        "cffi",
        "_cffi_backend",
        "_posixsubprocess",
        "_posixshmem",
        "_xxsubinterpreters",
        "_xxinterpchannels",
        "_interpreters",
        "_interpchannels",
        "_interpqueues",
        "_testcapi",
        "_testinternalcapi",
        "_testbuffer",
        "_testmultiphase",
        "_testsinglephase",
        "_testclinic",
        "_testimportmultiple",
        "_xxtestfuzz",
        "sqlite3",
        "_sqlite3",
        "_dbm",
        "_gdbm",
        "readline",
        "syslog",
        "spwd",
        "nis",
    }
)
# Events that change the file system: (positions of paths, positions of dir_fd).
_MUTATIONS = {
    "os.remove": ((0,), (1,)),
    "os.rmdir": ((0,), (1,)),
    "os.mkdir": ((0,), (2,)),
    "os.rename": ((0, 1), (2, 3)),
    "os.truncate": ((0,), ()),
    "os.utime": ((0,), (3,)),
    "os.chmod": ((0,), (2,)),
    "os.chown": ((0,), (3,)),
    "os.chflags": ((0,), ()),
    "os.lchflags": ((0,), ()),
    "os.setxattr": ((0,), ()),
    "os.removexattr": ((0,), ()),
    "shutil.rmtree": ((0,), (1,)),
}
# Events that read a folder or a file's metadata: the position of the path.
_LISTINGS = {"os.listdir": 0, "os.scandir": 0, "os.walk": 0, "os.fwalk": 0, "os.getxattr": 0, "os.listxattr": 0}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_DEVICES = ("/dev/null", "/dev/urandom", "/dev/random", "/dev/zero")


def _absolute(path: str, cwd: str) -> str:
    """``path`` made absolute against ``cwd`` and normalized, by string operations only.

    No symbolic link is followed: the code cannot create any (``os.symlink``
    is refused), so none exists in the working directory.
    """
    if not path.startswith("/"):
        path = cwd + "/" + path
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part and part != ".":
            parts.append(part)
    return "/" + "/".join(parts)


def limit_resources(cpu_seconds: int, memory_bytes: int, file_bytes: int) -> None:
    """Lower the limits for good (soft = hard); raises OSError/ValueError where the system refuses."""
    required = (
        (resource.RLIMIT_AS, memory_bytes),
        (resource.RLIMIT_CPU, cpu_seconds),
        (resource.RLIMIT_FSIZE, file_bytes),
        (resource.RLIMIT_CORE, 0),
    )
    for which, value in required:
        resource.setrlimit(which, (value, value))
    # Best effort: NPROC is per user and ignored for root; NOFILE may be
    # lower already. Both only narrow what the audit hook already refuses.
    for which, value in ((resource.RLIMIT_NPROC, 0), (resource.RLIMIT_NOFILE, 64)):
        try:
            soft, hard = resource.getrlimit(which)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (value, value))
        except (OSError, ValueError):
            pass
    # A write past the file size limit then fails with OSError instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def remove_unaudited_functions() -> None:
    """``mkfifo`` and ``mknod`` create files without an audit event: take them away."""
    posix = sys.modules.get("posix")
    for module in (os, posix):
        for name in ("mkfifo", "mknod"):
            if module is not None and hasattr(module, name):
                delattr(module, name)


def _inside(path: str, roots: tuple[str, ...]) -> bool:
    """Whether ``path`` is one of ``roots`` or below one (no globals: the code cannot patch it)."""
    for root in roots:
        if path == root or path.startswith(root + "/"):
            return True
    return False


def install_guard(workdir: str, read_roots: tuple[str, ...]) -> None:
    """Add the audit hook.

    The hook is one function whose closure holds only immutable values and
    built-in functions, bound here: patching ``os``, ``builtins`` or this
    module from the code does not change its decisions, and the locals the
    code can see in a traceback's frame give it nothing to modify.
    """
    _isinstance, _str, _bytes, _int, _len = isinstance, str, bytes, int, len
    _PermissionError, _ImportError = PermissionError, ImportError
    _stat, _is_dir = os.stat, stat.S_ISDIR
    denied_events, denied_prefixes, denied_imports = _DENIED_EVENTS, _DENIED_PREFIXES, _DENIED_IMPORTS
    mutations, listings = MappingProxyType(dict(_MUTATIONS)), MappingProxyType(dict(_LISTINGS))
    write_flags, devices, absolute, inside = _WRITE_FLAGS, _DEVICES, _absolute, _inside
    only_workdir = (workdir,)

    # An event's arguments are whatever CPython passes for it (``sys.addaudithook`` types them ``tuple[Any, ...]``).
    def guard(event: str, args: "tuple[Any, ...]") -> None:
        writes: tuple[Any, ...] = ()
        reads: tuple[Any, ...] = ()
        if event == "open":
            path, mode, flags = args
            if _isinstance(mode, _str) and ("w" in mode or "a" in mode or "x" in mode or "+" in mode):
                writes = (path,)
            elif flags & write_flags:
                writes = (path,)
            else:
                reads = (path,)
        elif event == "import":
            name = args[0]
            if name in denied_imports or name.partition(".")[0] in denied_imports:
                raise _ImportError(f"sandbox: importing {name} is not allowed")
            return
        elif event in mutations:
            paths, dir_fds = mutations[event]
            for i in dir_fds:
                if i < _len(args) and args[i] is not None and args[i] != -1:
                    raise _PermissionError(f"sandbox: {event} relative to a directory descriptor is not allowed")
            writes = tuple(args[i] for i in paths)
        elif event in listings:
            reads = (args[listings[event]],)
        elif event in denied_events or event.startswith(denied_prefixes):
            raise _PermissionError(f"sandbox: {event} is not allowed")
        elif event == "object.__setattr__" and args[1] == "__code__":
            raise _PermissionError("sandbox: replacing a function's code is not allowed")
        else:
            return

        for path in writes:
            if event == "open" and _isinstance(path, _int):
                continue  # a descriptor already open for writing
            name = path.decode("utf-8", "surrogateescape") if _isinstance(path, _bytes) else path
            if not _isinstance(name, _str) or not inside(absolute(name, workdir), only_workdir):
                raise _PermissionError(
                    f"sandbox: changing {path!r} is not allowed (only the working directory may be written)"
                )
        for path in reads:
            if path is None or _isinstance(path, _int):
                continue  # the working directory, or a descriptor already open
            name = path.decode("utf-8", "surrogateescape") if _isinstance(path, _bytes) else path
            if not _isinstance(name, _str):
                raise _PermissionError(f"sandbox: reading {path!r} is not allowed")
            full = absolute(name, workdir)
            if inside(full, only_workdir) or full in devices:
                continue
            if not inside(full, read_roots):
                raise _PermissionError(
                    f"sandbox: reading {name!r} is not allowed "
                    "(only the working directory and the standard library may be read)"
                )
            if event != "open":
                continue
            try:
                is_dir = _is_dir(_stat(full).st_mode)
            except OSError:
                continue
            if is_dir:  # a descriptor of a folder outside would let dir_fd reach past these checks
                raise _PermissionError(f"sandbox: opening the folder {name!r} is not allowed")

    sys.addaudithook(guard)


def run(tree: ast.Module) -> None:
    """Run the code like ``python program.py``, printing a trailing expression's value like a REPL."""
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.Expr):
        tree.body.pop()
    else:
        last = None
    namespace: dict[str, object] = {"__name__": "__main__", "__builtins__": builtins}
    exec(compile(tree, PROGRAM, "exec"), namespace)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), PROGRAM, "eval"), namespace)
        if value is not None:
            print(repr(value))


def report(exc: BaseException) -> None:
    """The traceback on stderr, without this file's frames (the runner's and the audit hook's)."""
    summary = traceback.TracebackException.from_exception(exc)
    seen = set()
    pending: list[traceback.TracebackException | None] = [summary]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        current.stack = traceback.StackSummary.from_list([f for f in current.stack if f.filename != __file__])
        pending += [current.__cause__, current.__context__]
    sys.stderr.write("".join(summary.format()))


def enter_boundary(workdir: str, root: str) -> "Any":
    """Enter the operating system's boundary (``sandbox_confine.py``); exit ``UNAVAILABLE`` where it cannot be set up.

    Returns the loaded module, whose :func:`lock` comes once the limits are set.
    """
    try:
        import importlib.util

        path = __file__.rpartition("/")[0] + "/" + CONFINE
        spec = importlib.util.spec_from_file_location("sandbox_confine", path)
        assert spec is not None and spec.loader is not None
        confine = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(confine)
        confine.enter(workdir, root, [p for p in sys.path if p])
    except Exception as exc:  # whatever stopped it, nothing ran yet: the parent decides what to do
        sys.stderr.write(f"{exc}\n")
        sys.exit(UNAVAILABLE)
    return confine


def lock_boundary(confine: "Any") -> None:
    """Drop the capabilities and install the seccomp filter; then forget ``ctypes``, which set them up."""
    try:
        confine.lock()
    except Exception as exc:
        sys.stderr.write(f"{exc}\n")
        sys.exit(UNAVAILABLE)
    for name in list(sys.modules):
        if name in ("ctypes", "_ctypes", "sandbox_confine") or name.startswith("ctypes."):
            del sys.modules[name]


def main() -> None:
    workdir, cpu_seconds, memory_bytes, file_bytes = sys.argv[1], *map(int, sys.argv[2:5])
    boundary, root, guarded = sys.argv[5], sys.argv[6], sys.argv[7] == "guard"
    confine = enter_boundary(workdir, root) if boundary == "os" else None
    try:
        limit_resources(cpu_seconds, memory_bytes, file_bytes)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"sandbox: the resource limits could not be applied: {exc}\n")
        sys.exit(SETUP_FAILED)
    if confine is not None:
        lock_boundary(confine)
        del confine
    with open(PROGRAM, encoding="utf-8") as f:
        source = f.read()
    linecache.cache[PROGRAM] = (len(source), None, source.splitlines(True), PROGRAM)
    read_roots = tuple(_absolute(p, workdir) for p in sys.path if p)
    remove_unaudited_functions()
    if guarded:
        install_guard(workdir, read_roots)
    try:
        tree = ast.parse(source, PROGRAM)
    except (SyntaxError, ValueError) as exc:  # ValueError: a NUL character, before Python 3.12
        sys.stderr.write("".join(traceback.format_exception_only(type(exc), exc)))
        sys.exit(1)
    try:
        run(tree)
    except Exception as exc:  # the code's own error, whatever it is, goes back as its traceback
        report(exc)
        sys.exit(1)


if __name__ == "__main__":
    main()
