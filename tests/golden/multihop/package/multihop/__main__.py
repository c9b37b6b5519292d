"""Command line: python -m multihop PROGRAM --input value ..."""

import sys

from . import CONFIG, PROGRAMS
from ._runtime.cli import cli_main


def main(argv: list[str] | None = None) -> int:
    return cli_main(argv, prog="python -m multihop", programs=PROGRAMS, config=CONFIG)


if __name__ == "__main__":
    sys.exit(main())
