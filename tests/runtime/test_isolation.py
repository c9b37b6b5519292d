"""The runtime is vendored as ``<pkg>/_runtime``: it must stand alone and import fast."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import lmc.runtime

RUNTIME = Path(lmc.runtime.__file__).parent
# pydantic at import time; the rest only lazily, where a feature needs them.
# numpy comes with llama_cpp (the local model reads its logits as an array).
ALLOWED_THIRD_PARTY = {"pydantic", "pydantic_core", "litellm", "openai", "llama_cpp", "numpy", "bm25s"}


def _imports(path: Path) -> list[tuple[int, str]]:
    """(level, module) of every import in one file; level > 0 is relative."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((0, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


def test_only_relative_stdlib_and_allowed_imports():
    for path in RUNTIME.rglob("*.py"):
        for level, module in _imports(path):
            if level:
                continue
            top = module.split(".")[0]
            assert top != "lmc", f"{path.name} imports {module}: the runtime must import itself relatively"
            assert top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY, f"{path.name} imports {module}"


def test_vendored_copy_imports_without_litellm(tmp_path):
    shutil.copytree(RUNTIME, tmp_path / "demo_pkg" / "_runtime", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "demo_pkg" / "__init__.py").write_text("", encoding="utf-8")
    script = (
        "import sys\n"
        "from demo_pkg._runtime import ChatAdapter, Field, Signature, default_instructions\n"
        "sig = Signature('QA', default_instructions((Field('q'),), (Field('a'),)), (Field('q'),), (Field('a'),))\n"
        "print(ChatAdapter().format(sig, [], {'q': 'hi'})[1]['content'].splitlines()[1])\n"
        "print('lmc' in sys.modules, 'litellm' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.splitlines() == ["hi", "False False"]
