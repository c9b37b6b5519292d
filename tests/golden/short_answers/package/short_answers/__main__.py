"""Command line: python -m short_answers PROGRAM --input value ..."""

import sys

from . import CONFIG, PROGRAMS
from ._runtime.cli import cli_main


def main(argv: list[str] | None = None) -> int:
    return cli_main(
        argv, prog="python -m short_answers", programs=PROGRAMS, config=CONFIG
    )


if __name__ == "__main__":
    sys.exit(main())
