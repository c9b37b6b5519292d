"""Command line: python -m qa PROGRAM --input value ..."""

import sys

from . import CONFIG, PROGRAMS
from ._runtime.cli import cli_main


def main(argv: list[str] | None = None) -> int:
    return cli_main(argv, prog="python -m qa", programs=PROGRAMS, config=CONFIG)


if __name__ == "__main__":
    sys.exit(main())
