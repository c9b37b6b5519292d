"""``python -m <package> PROGRAM --input value ... [--lm MODEL]``: a program run from the command line.

Each program's inputs become options (``cli_option``: ``--question``, or
``--input-lm`` for a name the command line keeps for itself); text-like
inputs are taken as written, others as JSON; the outputs print as JSON.
"""

from __future__ import annotations

import enum
import inspect
import json
import sys
import types
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin

from .errors import LMError, ProgramError

if TYPE_CHECKING:
    import argparse

    from pydantic import BaseModel

    from .package import PackageConfig, PackagedProgram

__all__ = ["cli_main", "cli_option"]

# Command-line options the CLI keeps for itself; an input with such a name is --input-NAME.
_CLI_RESERVED = frozenset({"help", "lm", "api_base"})


def cli_option(name: str) -> str:
    """The command-line option of an input: ``--question``, or ``--input-lm`` for reserved names."""
    return f"--input-{name}" if name in _CLI_RESERVED else f"--{name}"


def cli_main(
    argv: Sequence[str] | None, *, prog: str, programs: Mapping[str, PackagedProgram[BaseModel]], config: PackageConfig
) -> int:
    """``python -m <package> PROGRAM --input value ... [--lm MODEL]``: print the outputs as JSON.

    Exit codes: 0 success, 1 invalid inputs, 2 bad usage, 3 a failed run.
    """
    parser = _parser(prog, programs, config)
    args = parser.parse_args(argv)
    program = programs[args.program]
    try:
        raw = {name: getattr(args, f"input:{name}") for name in program.input_names}
        inputs = {name: _cli_value(program, name, text) for name, text in raw.items() if text is not None}
        program.validate_inputs(inputs)
    except (TypeError, ValueError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 1
    lm_options = {"api_base": args.api_base} if args.api_base else {}
    try:
        lm = config.lm(args.lm, **lm_options)
        result = program.invoke(inputs, lm=lm)
    except (ProgramError, LMError, OSError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the command line's boundary: a tool's own error, no traceback
        print(f"{prog}: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3
    print(json.dumps(result.model_dump(mode="json", by_alias=True), ensure_ascii=False, indent=2))
    return 0


def _parser(
    prog: str, programs: Mapping[str, PackagedProgram[BaseModel]], config: PackageConfig
) -> argparse.ArgumentParser:
    import argparse  # a run only: lmc imports this module for cli_option alone

    parser = argparse.ArgumentParser(
        prog=prog,
        description=f"Run a program of the `{config.package}` package and print its outputs as JSON.",
        epilog=f"The LM: --lm, else ${config.env_var}, else {config.default_model}.",
        allow_abbrev=False,
    )
    sub = parser.add_subparsers(dest="program", required=True, metavar="PROGRAM")
    for name, program in programs.items():
        fields = program.input_type.model_fields
        outputs = ", ".join(info.alias or py for py, info in program.result_type.model_fields.items())
        summary = f"inputs: {', '.join(program.input_names) or 'none'}; outputs: {outputs or 'none'}"
        p = sub.add_parser(name, help=summary, description=summary, allow_abbrev=False)
        for py, info in fields.items():
            input_name = info.alias or py
            kind = "text" if _is_text(info.annotation) else "JSON"
            default = "" if info.is_required() else f"; default {info.default!r}"
            p.add_argument(
                cli_option(input_name),
                dest=f"input:{input_name}",
                required=info.is_required(),
                metavar="VALUE",
                help=f"{_type_name(info.annotation)} ({kind}{default})",
            )
        p.add_argument("--lm", metavar="MODEL", default=None, help="a litellm model id for this run")
        p.add_argument("--api-base", metavar="URL", default=None, help="the LM's API base URL")
    return parser


def _cli_value(program: PackagedProgram[BaseModel], name: str, text: str) -> Any:
    annotation = next(
        info.annotation for py, info in program.input_type.model_fields.items() if (info.alias or py) == name
    )
    if _is_text(annotation):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{cli_option(name)} takes a JSON value ({_type_name(annotation)}): {exc}") from None


def _is_text(annotation: Any) -> bool:
    """Whether a command-line value is taken as text (scalars, enums, literals) rather than JSON."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return len(args) == 1 and _is_text(args[0])
    if origin is Literal:
        return all(isinstance(a, str) for a in get_args(annotation))
    if inspect.isclass(annotation) and issubclass(annotation, enum.Enum):
        return True
    return annotation in (str, int, float, bool)


def _type_name(annotation: Any) -> str:
    if inspect.isclass(annotation) and get_origin(annotation) is None:
        return annotation.__name__
    return str(annotation).replace("typing.", "")
