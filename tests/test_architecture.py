"""The house rules of ``lmc/``: imports go one way, from later phases to earlier ones, with no cycle.

Every import counts, at module level or inside a function (a lazy import
hides a cycle, it does not remove it), and for cycles ``if TYPE_CHECKING:``
imports too (a cycle of types is a cycle of design); the layer rule leaves
those out, since they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

LMC = Path(__file__).resolve().parents[1] / "lmc"

# Each part of lmc (a subpackage or a top-level module) and the parts it may import.
FOUNDATION = {"exitcodes", "records", "resources", "version"}
ALLOWED: dict[str, set[str]] = {
    "runtime": set(),
    "diagnostics": set(),
    "schemas": set(),
    "ir": {"diagnostics"},
    "syntax": {"diagnostics", "ir"},
    "data": {"runtime"},
    "checks": {"diagnostics", "ir", "schemas", "data"},
    "codegen": {"diagnostics", "ir", "data", "runtime"},
    "host": {"diagnostics", "ir", "syntax", "checks", "data", "codegen", "runtime", "schemas"},
    "optimize": {"diagnostics", "ir", "schemas", "data", "host", "runtime"},
    "building": {"diagnostics", "ir", "schemas", "data", "checks", "codegen", "host", "optimize", "runtime"},
    "api": {
        "diagnostics",
        "ir",
        "syntax",
        "schemas",
        "data",
        "checks",
        "codegen",
        "host",
        "optimize",
        "building",
        "runtime",
    },
    "cli": {"diagnostics", "ir", "syntax", "data", "host", "building", "runtime", "api"},
    "__init__": {"api"},
    "__main__": {"cli"},
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in LMC.rglob("*.py"):
        parts = ("lmc", *path.relative_to(LMC).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path], *, types: bool = False) -> set[str]:
    """The lmc modules that ``name`` imports (a submodule, where the imported name is one); ``types``:
    those of ``if TYPE_CHECKING:`` blocks too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hidden = set() if types else {id(n) for node in ast.walk(tree) if _is_type_checking(node) for n in ast.walk(node)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, *([node.module] if node.module else [])])
            found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names)
    return {m for m in found if m in modules and m != name}


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")


def _graph(*, types: bool = False) -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules, types=types) for name, path in modules.items()}


def _part(module: str) -> str:
    return module.split(".")[1] if "." in module else "__init__"


def test_no_import_cycles() -> None:
    graph = _graph(types=True)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = stack[stack.index(v) :]
            del stack[stack.index(v) :]
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == [], f"import cycles: {cycles}"


def test_imports_go_from_later_phases_to_earlier_ones() -> None:
    breaks = []
    for module, targets in sorted(_graph().items()):
        part = _part(module)
        allowed = ALLOWED.get(part)
        assert allowed is not None or part in FOUNDATION, f"{module}: add its part `{part}` to ALLOWED"
        for target in sorted(targets):
            other = _part(target)
            if other != part and other not in FOUNDATION and other not in (allowed or set()):
                breaks.append(f"{module} imports {target}")
    assert breaks == [], "layer breaks:\n" + "\n".join(breaks)


def test_the_rules_know_every_part() -> None:
    parts = {
        p.stem if p.is_file() else p.name for p in LMC.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()
    }
    assert parts == set(ALLOWED) | FOUNDATION
