"""``lmc prompt``: print the exact messages one module sends (``Project.prompt``), calling no LM."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..api.project import Project


def format_messages(messages: list[dict[str, str]]) -> str:
    blocks = []
    for m in messages:
        blocks.append(f"----- {m['role']} -----\n{m['content']}")
    return "\n\n".join(blocks) + "\n"


def print_prompt(project: Project, target: str, pairs: Sequence[str]) -> int:
    from ..diagnostics.core import meant
    from ..exitcodes import EXIT_DIAGNOSTICS, EXIT_OK
    from ..host.prompting import module_paths
    from .inputs import parse_inputs
    from .output import fail

    modules = module_paths(project.session.generated)
    if target not in modules:
        known = ", ".join(sorted(modules)) or "none"
        print(f"lmc: error: no module `{target}` (modules: {known}){meant(target, list(modules))}", file=sys.stderr)
        return EXIT_DIAGNOSTICS
    fields = modules[target].signature.inputs
    inputs = parse_inputs(pairs, {f.name: f.annotation for f in fields})
    if isinstance(inputs, str):
        return fail(inputs)
    for f in fields:  # placeholders show where each missing input goes
        inputs.setdefault(f.name, "{" + f.name + "}")
    sys.stdout.write(format_messages(project.prompt(target, **inputs)))
    return EXIT_OK
