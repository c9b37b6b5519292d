"""The view of ``__init__.py``: its imports, its public names and each program's typed class.

A program is an instance of its own ``PackagedProgram`` subclass, whose
``__call__`` and ``acall`` take the program's inputs as typed keyword
parameters (defaults included) and return its result model; the models are
named for the type checker only, so importing the package loads no pydantic.
The errors a call can raise are exported too, and the README describes them.
"""

from __future__ import annotations

from ...ir import nodes as ir
from ..literals import py_docstring, py_literal
from ..names import Namer, isort_key, usable
from ..typemap import Annotations, is_optional
from .data import ProgramClassView
from .package import lazy_models, public_types
from .plan import Plan

# The errors a caller can meet, from the runtime's errors.py; and those of a module kind's own
# machinery (runtime module, class), exported where a program uses the kind.
ERRORS = ("AdapterParseError", "LMError", "ParseError", "ProgramError")
KIND_ERRORS = {"ProgramOfThought": ("kinds.sandbox", "SandboxError")}
# The README's line on each, in the order it lists them.
ERROR_DOCS = {
    "ProgramError": "`ProgramError`: the program could not produce its outputs for these inputs "
    "(the base of the errors below, `LMError` aside).",
    "ParseError": "`ParseError`: a module could not read its output fields from the LM's answers, with every "
    "adapter tried; `.raw` holds each answer, `.failures` each adapter's `AdapterParseError`.",
    "AdapterParseError": "`AdapterParseError`: why one adapter could not read one answer (in `ParseError.failures`).",
    "SandboxError": "`SandboxError`: the sandbox that runs the program's generated code cannot run here "
    "(it needs a POSIX system). The code runs inside Linux namespaces and a seccomp filter; where those "
    "cannot be set up, in a weaker audit-hook sandbox, with a `SandboxWarning`. The environment variable "
    "`LMC_SANDBOX` chooses: `auto` (the default), `os` (raise `SandboxError` rather than fall back) or `audit`.",
    "LMError": "`LMError`: the LM could not be reached or refused the request (a bad model id, missing "
    "credentials, retries exhausted): not a wrong answer.",
}
# What a program call's `lm=` takes: an LM object, a litellm model id, or None for the configured LM.
LM_PARAMETER = "lm: LanguageModel | str | None = None"


def kind_errors(plan: Plan) -> list[tuple[str, str]]:
    """(runtime module, class) of each error the module kinds in use add, sorted."""
    kinds = {m.kind.name for p in plan.program_decls for m in p.modules}
    return sorted(KIND_ERRORS[k] for k in kinds if k in KIND_ERRORS)


def error_names(plan: Plan) -> list[str]:
    return [*ERRORS, *(name for _, name in kind_errors(plan))]


def error_docs(plan: Plan) -> tuple[str, ...]:
    names = set(error_names(plan))
    return tuple(line for name, line in ERROR_DOCS.items() if name in names)


def exports(plan: Plan) -> list[str]:
    programs = [plan.program_names[p.name.name] for p in plan.program_decls]
    return [*programs, "PROGRAMS", "configure", "LM", *error_names(plan), *public_types(plan), *lazy_models(plan)]


def init_imports(plan: Plan, uses_literal: bool) -> tuple[str, ...]:
    """``__init__.py``'s imports: light ones only (the runtime's errors, config and program class, the enums)."""
    lines = []
    if plan.program_decls:
        typing = ["TYPE_CHECKING", "Any", *(["Literal"] if uses_literal else [])]
        lines += ["from __future__ import annotations", "", f"from typing import {', '.join(typing)}", ""]
    lines += ["from . import programs", f"from ._runtime.errors import {', '.join(ERRORS)}"]
    lines += [f"from ._runtime.{module} import {name}" for module, name in kind_errors(plan)]
    lines += [
        "from ._runtime.lm.client import LM",
        "from ._runtime.package import PackageConfig, PackagedProgram",
        "from .params import PARAMS",
    ]
    types = sorted(public_types(plan), key=isort_key)
    if types:
        lines.append(f"from .types import {', '.join(types)}")
    return tuple(lines)


def init_type_checking(plan: Plan) -> tuple[str, ...]:
    """What ``__init__.py``'s annotations name that importing the package must not load."""
    if not plan.program_decls:
        return ()
    models = ", ".join(sorted(lazy_models(plan), key=isort_key))
    return ("from ._runtime.lm.protocol import LanguageModel", f"from .results import {models}")


def program_classes(plan: Plan, annotations: Annotations) -> tuple[ProgramClassView, ...]:
    """Each program's class: ``__call__`` and ``acall`` take its inputs as typed keyword parameters.

    A program with an input Python cannot name as a parameter (a keyword: the
    checks reject it, codegen still renders it) takes them as ``**inputs``.
    """
    out = []
    for p in plan.program_decls:
        name = p.name.name
        result = plan.result_names[name]
        if all(usable(q.name.name) and q.name.name != "lm" for q in p.params):
            params = [_keyword_parameter(plan, q, annotations) for q in p.params] + [LM_PARAMETER]
            inputs = "{" + ", ".join(f"{py_literal(q.name.name)}: {q.name.name}" for q in p.params) + "}"
        else:
            params, inputs = [LM_PARAMETER, "**inputs: Any"], "inputs"
        receiver = Namer({q.name.name for q in p.params} | {"lm", "inputs"}).claim("self")
        out.append(
            ProgramClassView(
                py_name=plan.program_names[name],
                class_name=plan.class_names[name],
                doc=py_docstring(f"The program `{name}`: its inputs as keyword arguments, a `{result}` back."),
                receiver=receiver,
                params=", ".join(params),
                inputs=inputs,
                result_class=result,
                result_name=py_literal(result),
                inputs_name=py_literal(plan.input_names[name]),
            )
        )
    return tuple(out)


def _keyword_parameter(plan: Plan, param: ir.Param, annotations: Annotations) -> str:
    """``name: annotation``, with the default the program's input model gives (None for an optional input)."""
    default = plan.default_code(param)
    if default is None and is_optional(param.type):
        default = "None"
    code = f"{param.name.name}: {annotations.code(param.type)}"
    return code if default is None else f"{code} = {default}"
