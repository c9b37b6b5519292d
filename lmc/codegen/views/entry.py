"""The view of ``__init__.py``: its imports, its public names and each program's typed class.

A program is an instance of its own ``PackagedProgram`` subclass, whose
``__call__`` and ``acall`` take the program's inputs as typed keyword
parameters (defaults included) and return its result model. Importing the
package loads its ``__init__.py``, the runtime's ``errors.py`` and
``package.py``, and nothing else: the program objects name their program,
parameters and models, which load at the first call; ``LM``, the public
types, ``PARAMS``, the program models and the errors of module kinds are
names of ``_LAZY``, which a PEP 562 ``__getattr__`` imports at their first
use (``from <pkg> import Mood`` works). The type checker sees them all
through ``if TYPE_CHECKING:`` imports. Only an enum that a program's input
defaults to (``mood: Mood = Mood.happy``) is imported with the package,
since its class needs it. The errors a call can raise are exported too, and
the README describes them.
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


def init_imports(plan: Plan) -> tuple[str, ...]:
    """``__init__.py``'s imports: the light ones (the runtime's errors, config and program class), and the
    enums a program's class needs for its defaults."""
    lines = [
        "from __future__ import annotations",
        "",
        f"from ._runtime.errors import {', '.join(ERRORS)}",
        "from ._runtime.package import PackageConfig, PackagedProgram",
    ]
    eager = default_types(plan)
    if eager:
        lines.append(f"from .types import {', '.join(eager)}")
    return tuple(lines)


def default_types(plan: Plan) -> list[str]:
    """The enums a program's input defaults to (``mood: Mood = Mood.happy``), sorted: imported with the package."""
    found = {plan.default_enum(q) for p in plan.program_decls for q in p.params}
    return sorted((name for name in found if name is not None), key=isort_key)


def lazy_names(plan: Plan) -> list[tuple[str, str]]:
    """(name, module) for each name ``__init__.py`` leaves for first use, sorted by module then name."""
    eager = set(default_types(plan))
    found = [(name, f"._runtime.{module}") for module, name in kind_errors(plan)]
    found += [("LM", "._runtime.lm.client"), ("PARAMS", ".params")]
    found += [(name, ".results") for name in lazy_models(plan)]
    found += [(name, ".types") for name in public_types(plan) if name not in eager]
    return sorted(found, key=lambda entry: (entry[1], isort_key(entry[0])))


def init_type_checking(plan: Plan, uses_literal: bool) -> tuple[str, ...]:
    """What ``__init__.py``'s annotations, ``__all__`` and ``_LAZY`` name that importing the package must not
    load: imported for the type checker only."""
    typing = ["Any", *(["Literal"] if uses_literal else [])]
    by_module: dict[str, list[str]] = {}
    for name, module in lazy_names(plan):
        # PARAMS is not in __all__: the redundant alias tells linters and type checkers that it is exported.
        by_module.setdefault(module, []).append(f"{name} as {name}" if name == "PARAMS" else name)
    if plan.program_decls:
        by_module.setdefault("._runtime.lm.protocol", []).append("LanguageModel")
    local = [
        f"from {module} import {', '.join(sorted(names, key=isort_key))}" for module, names in sorted(by_module.items())
    ]
    return (f"from typing import {', '.join(typing)}", "", *local)


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
                name_literal=py_literal(name),
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
