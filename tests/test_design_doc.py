"""``docs/design.md`` names only files and folders that exist: the map must match the house.

Every ``.py`` file and every ``folder/`` the page names (in its tree or in
backticks) must be found in the repository, written in full (``lmc/syntax/parse.py``)
or as the tail of a real path (``lm/client.py``, ``pot.py``). The section on the
generated package describes files that lmc writes, not files of lmc: it is skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DESIGN = ROOT / "docs" / "design.md"
NAME = re.compile(r"(?<![\w./<-])((?:\w[\w-]*/)*\w[\w-]*\.(?:py|lark)|(?:\w[\w-]*/)+)(?![\w<])")
MODEL_PREFIXES = {"local/", "openai/"}  # `local/smollm2`: model ids, not paths


def _repo_paths() -> set[str]:
    paths: set[str] = set()
    for top in ("lmc", "tests", "grammar", "templates", "docs", "samples", "bench"):
        paths.add(top + "/")
    for top in ("lmc", "tests", "grammar", "templates", "docs", "samples", "bench"):
        for path in (ROOT / top).rglob("*"):
            if "__pycache__" in path.parts:
                continue
            rel = path.relative_to(ROOT).as_posix()
            paths.add(rel + "/" if path.is_dir() else rel)
    return paths


def _named() -> list[str]:
    text = DESIGN.read_text(encoding="utf-8")
    text = re.sub(r"### Generated package.*?(?=\n### )", "", text, flags=re.S)
    return sorted({m.group(1) for m in NAME.finditer(text)} - MODEL_PREFIXES)


def test_the_design_page_names_real_paths() -> None:
    paths = _repo_paths()
    named = _named()
    assert len(named) > 60, named  # the tree and the sections were read
    missing = [n for n in named if not any(p == n or p.endswith("/" + n) for p in paths)]
    assert missing == [], f"docs/design.md names paths that do not exist: {missing}"


def test_every_part_of_lmc_is_on_the_map() -> None:
    named = set(_named())
    parts = [p.name + "/" for p in sorted((ROOT / "lmc").iterdir()) if (p / "__init__.py").is_file()]
    assert [p for p in parts if p not in named] == []
