"""What a build depends on, and whether a lock still matches it: the inputs ``--frozen`` compares.

``build_inputs`` gathers them (lmc's version, the source's SHA-256, every
``lm``'s model and options, the flags, every file the build reads by
SHA-256); ``mismatches`` lists, in words, each difference between a lock and
the build asked for now; ``package_hashes`` and ``package_mismatches`` do the
same for the emitted package, file by file. The lock itself is ``lock.py``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from ..host.lms import lm_config
from ..ir import nodes as ir
from ..version import __version__
from .lock import Lock
from .plan import BlockPlan

__all__ = ["build_inputs", "mismatches", "package_hashes", "package_mismatches", "sha256_file"]


def sha256_file(path: Path) -> str | None:
    """The file's SHA-256, None when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def build_inputs(
    source: ir.SourceFile,
    *,
    source_text: str,
    base_dir: Path,
    lm_override: str | None,
    seed: int | None,
    optimize: bool,
) -> dict[str, Any]:
    """What a build of this file depends on besides LM answers (read without calling an LM)."""
    names = ["default", *(d.name.name for d in source.of(ir.LmDecl) if d.name.name != "default")]
    lms = {}
    for name in names:
        model, options = lm_config(source, name, lm_override)
        lms[name] = {"model": model, "options": options}
    return {
        "lmc_version": __version__,
        "source": {
            "name": Path(source.path).name,
            "sha256": hashlib.sha256(source_text.encode("utf-8")).hexdigest(),
        },
        "lms": lms,
        "seed": seed,
        "optimize": optimize,
        "files": _files(source, base_dir),
    }


def _files(source: ir.SourceFile, base_dir: Path) -> dict[str, dict[str, Any]]:
    """Every data file the build reads, by ``kind name``: its path as written and its SHA-256."""
    files: dict[str, dict[str, Any]] = {}
    for d in source.of(ir.DatasetDecl):
        files[f"dataset {d.name.name}"] = {"path": d.path, "sha256": sha256_file(base_dir / d.path)}
    for r in source.of(ir.RetrieverDecl):
        if r.kind.name == "bm25":
            files[f"retriever {r.name.name}"] = {"path": r.source, "sha256": sha256_file(base_dir / r.source)}
    for m in source.of(ir.MetricDecl):
        if isinstance(m.expr, ir.PythonRef):
            module = m.expr.ref.partition(":")[0]
            rel = _module_file(base_dir, module)
            files[f"metric {m.name.name}"] = {"path": rel, "sha256": sha256_file(base_dir / rel)}
    return files


def _module_file(base_dir: Path, module: str) -> str:
    """The file a module name imports from ``base_dir`` (``a.b`` -> ``a/b.py`` or ``a/b/__init__.py``)."""
    rel = PurePosixPath(*module.split("."))
    package = rel / "__init__.py"
    return package.as_posix() if (base_dir / package).is_file() else rel.with_suffix(".py").as_posix()


def package_hashes(files: Mapping[PurePosixPath, bytes]) -> dict[str, str]:
    return {str(path): hashlib.sha256(data).hexdigest() for path, data in files.items()}


# --------------------------------------------------------------- --frozen


def mismatches(lock: Lock, inputs: Mapping[str, Any], plans: Sequence[BlockPlan]) -> list[str]:
    """Every way the build asked for differs from the locked one, as sentences (empty: it matches)."""
    locked = lock.inputs
    problems: list[str] = []
    if locked.get("lmc_version") != inputs["lmc_version"]:
        problems.append(f"the lock was written by lmc {locked.get('lmc_version')}, this is lmc {inputs['lmc_version']}")
    src, now = locked.get("source", {}), inputs["source"]
    if src.get("name") != now["name"]:
        problems.append(f"the lock is for {src.get('name')}, not {now['name']}")
    elif src.get("sha256") != now["sha256"]:
        problems.append(f"the source {now['name']} changed since the lock was written")
    problems += _lm_mismatches(locked.get("lms", {}), inputs["lms"])
    if locked.get("seed") != inputs["seed"]:
        problems.append(f"--seed is {_flag(inputs['seed'])}; the lock was built with {_flag(locked.get('seed'))}")
    if locked.get("optimize") != inputs["optimize"]:
        how = "with" if not locked.get("optimize") else "without"
        problems.append(f"the lock was built {how} --no-optimize")
    problems += _file_mismatches(locked.get("files", {}), inputs["files"])
    problems += _block_mismatches([b.plan for b in lock.blocks], [p.to_json() for p in plans])
    return problems


def _flag(value: Any) -> str:
    return "not given" if value is None else str(value)


def _lm_mismatches(locked: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    problems = []
    for name in sorted(set(locked) | set(now)):
        old, new = locked.get(name), now.get(name)
        if old is None or new is None:
            problems.append(f"lm `{name}` is {'new' if old is None else 'gone'} since the lock was written")
        elif old["model"] != new["model"]:
            problems.append(f"lm `{name}` is `{new['model']}` now; the lock has `{old['model']}` (see --lm)")
        elif old["options"] != new["options"]:
            problems.append(f"lm `{name}`: options {_diff_keys(old['options'], new['options'])} changed")
    return problems


def _file_mismatches(locked: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    problems = []
    for key in sorted(set(locked) | set(now)):
        old, new = locked.get(key), now.get(key)
        if old is None or new is None:
            problems.append(f"{key} is {'new' if old is None else 'gone'} since the lock was written")
        elif new["sha256"] is None:
            problems.append(f"{key} ({new['path']}) cannot be read")
        elif old != new:
            problems.append(f"{key} ({new['path']}) changed since the lock was written")
    return problems


def _block_mismatches(locked: Sequence[Mapping[str, Any]], now: Sequence[Mapping[str, Any]]) -> list[str]:
    if len(locked) != len(now):
        return [f"the file has {len(now)} optimize block(s); the lock has {len(locked)}"]
    problems = []
    for old, new in zip(locked, now, strict=True):
        where = f"optimize `{new['program']}`"
        for key in ("program", "metric", "trainset", "valset", "teacher", "seed"):
            if old.get(key) != new[key]:
                problems.append(f"{where}: {key} is {new[key]!r} now; the lock has {old.get(key)!r}")
        old_chain, new_chain = old.get("chain", []), new["chain"]
        old_names = [s.get("optimizer") for s in old_chain]
        new_names = [s["optimizer"] for s in new_chain]
        if old_names != new_names:
            problems.append(
                f"{where}: the optimizers are {' -> '.join(new_names)} now; the lock has "
                f"{' -> '.join(map(str, old_names))}"
            )
            continue
        for number, (a, b) in enumerate(zip(old_chain, new_chain, strict=True), 1):
            for part in ("options", "budget"):
                if a.get(part) != b[part]:
                    keys = _diff_keys(a.get(part) or {}, b[part])
                    problems.append(f"{where}: {b['optimizer']} (step {number}): {part} {keys} changed")
    return problems


def _diff_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return ", ".join(f"`{k}`" for k in keys)


def package_mismatches(lock: Lock, files: Mapping[PurePosixPath, bytes]) -> list[str]:
    """Package files that would differ from the locked ones (a tool module or lmc's runtime changed)."""
    now = package_hashes(files)
    changed = sorted(p for p in set(now) | set(lock.package) if now.get(p) != lock.package.get(p))
    if not changed:
        return []
    shown = ", ".join(changed[:8]) + (f" and {len(changed) - 8} more" if len(changed) > 8 else "")
    return [f"the package would differ from the locked one in {shown}"]
