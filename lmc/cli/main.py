"""The ``lmc`` command: parse arguments, call the driver, return its exit code.

Exit codes: 0 success, 1 diagnostics, 2 crash (a bug in lmc), 3 a failed run, 64 a wrong command line
(an LM that cannot be reached, a program that cannot produce its outputs).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from ..exitcodes import EXIT_CRASH, EXIT_USAGE
from ..version import __version__


class _Parser(argparse.ArgumentParser):
    """argparse, except that a wrong command line exits 64: 2 is kept for a crash of lmc."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="lmc", description="Compile .lmp language-model programs.")
    p.add_argument("--version", action="version", version=f"lmc {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def learned(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--lock", default=None, metavar="PATH", help="use this lock's learned parameters (default: FILE's lock)"
        )
        sp.add_argument("--unoptimized", action="store_true", help="use the default parameters, not the lock's")

    def common(sp: argparse.ArgumentParser, *, lm: bool = True) -> None:
        sp.add_argument("--format", choices=("text", "json"), default="text", help="diagnostics format")
        if lm:
            sp.add_argument("--lm", metavar="MODEL", help="replace the `default` lm with this litellm model id")
            sp.add_argument("--no-cache", action="store_true", help="do not read or write the LM cache")
            sp.add_argument("--threads", type=int, default=None, metavar="N", help="parallel LM calls")

    sp = sub.add_parser("check", help="parse and check files; print diagnostics")
    sp.add_argument("files", nargs="+", metavar="FILE", help="a .lmp file; - reads standard input")
    common(sp, lm=False)

    sp = sub.add_parser("build", help="check, optimize, evaluate and emit the package")
    sp.add_argument("file", metavar="FILE")
    sp.add_argument("-o", "--out", default="build", metavar="DIR", help="output folder (default: build/)")
    sp.add_argument(
        "--name", default=None, metavar="NAME", help="the package's name (default: the file's, app.lmp -> app)"
    )
    sp.add_argument("--no-optimize", action="store_true", help="emit the package without running optimizers")
    sp.add_argument("--seed", type=int, default=None, metavar="N", help="override every optimize block's seed")
    sp.add_argument("--storage", default=None, metavar="URL", help="optuna storage shared by several builds")
    sp.add_argument("--study", default=None, metavar="NAME", help="optuna study name within --storage")
    how = sp.add_mutually_exclusive_group()
    how.add_argument(
        "--dry-run", action="store_true", help="print the LM calls each optimizer would make, then exit; calls no LM"
    )
    how.add_argument("--frozen", action="store_true", help="emit the package from the lock without calling an LM")
    sp.add_argument(
        "--lock",
        default=None,
        metavar="PATH",
        help="the lock to write, or to read with --frozen (default: beside FILE, app.lmp -> app.lock)",
    )
    common(sp)

    sp = sub.add_parser("run", help="run one program once and print its outputs as JSON")
    sp.add_argument("file", metavar="FILE")
    sp.add_argument("program", metavar="PROGRAM")
    sp.add_argument("--input", "-i", action="append", default=[], metavar="K=V", help="an input value")
    learned(sp)
    common(sp)

    sp = sub.add_parser("eval", help="evaluate a program on a dataset")
    sp.add_argument("file", metavar="FILE")
    sp.add_argument("program", metavar="PROGRAM")
    sp.add_argument("--dataset", required=True, metavar="NAME")
    sp.add_argument("--metric", default=None, metavar="NAME", help="default: the program's evaluate/optimize metric")
    learned(sp)
    common(sp)

    sp = sub.add_parser("prompt", help="print the exact messages a module sends")
    sp.add_argument("file", metavar="FILE")
    sp.add_argument("target", metavar="PROGRAM.MODULE")
    sp.add_argument("--input", "-i", action="append", default=[], metavar="K=V", help="an input value")
    learned(sp)
    common(sp)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from ..syntax.grammar import use_default_cache
    from . import driver  # imported lazily: `lmc --help` stays instant

    use_default_cache()  # the command keeps Lark's tables between runs; the Python API only when asked
    _show_own_warnings()

    try:
        return driver.dispatch(args)
    except KeyboardInterrupt:
        print("lmc: interrupted (LM answers so far are kept in the cache)", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the crash boundary: no traceback for users
        if os.environ.get("LMC_DEBUG"):
            raise
        print(f"lmc: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("lmc: this is a bug in lmc; set LMC_DEBUG=1 for the traceback and report it", file=sys.stderr)
        return EXIT_CRASH


def _show_own_warnings() -> None:
    """lmc's own warnings (the sandbox's fallback) print as ``lmc: warning: ...``; others as Python prints them."""
    import warnings

    from ..runtime.errors import SandboxWarning

    original = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], *args: object, **kwargs: object) -> None:
        if issubclass(category, SandboxWarning):
            print(f"lmc: warning: {message}", file=sys.stderr)
        else:
            original(message, category, *args, **kwargs)  # type: ignore[arg-type]

    warnings.showwarning = show


def entry() -> None:
    code = main()
    # The process ends here: its objects need not be walked by the collector again on the way out
    # (~40 ms after a build). Only the command's process does this, never ``main`` (hosts and tests call it).
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    entry()
