"""The runtime's imports, scanned once and kept in lmc's cache folder: the same files vendored, never a failed build."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest

from lmc import resources
from lmc.codegen import import_scan, vendor
from lmc.codegen.import_scan import RuntimeScans, scan
from lmc.codegen.vendor import vendor_runtime

GENERATED = {
    "app/__init__.py": "from . import programs\n",
    "app/programs.py": "from ._runtime.program import Program\n",
}


@pytest.fixture
def cold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing scanned in this process yet, no user cache folder."""
    monkeypatch.setattr(import_scan, "_SEEN", {})
    monkeypatch.setattr(resources, "_cache_root", None)
    monkeypatch.delenv("LMC_CACHE_DIR", raising=False)
    vendor._facts.cache_clear()


def kept(folder: Path) -> list[Path]:
    return sorted(folder.glob("runtime-imports-*"))


def test_a_second_process_vendors_from_the_kept_scans_without_parsing(
    cold: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = vendor_runtime("app", GENERATED)
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path))
    assert vendor_runtime("app", GENERATED) == expected
    (file,) = kept(tmp_path)
    monkeypatch.setattr(import_scan, "_SEEN", {})  # as a new process

    def no_parse(data: bytes, path: str) -> None:
        raise AssertionError(f"{path} parsed again")

    monkeypatch.setattr(import_scan, "scan", no_parse)
    assert vendor_runtime("app", GENERATED) == expected
    assert kept(tmp_path) == [file]


def test_a_damaged_cache_file_costs_a_scan_and_is_written_again(
    cold: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path))
    expected = vendor_runtime("app", GENERATED)
    (file,) = kept(tmp_path)
    written = file.read_bytes()
    good = marshal.loads(written)
    for damage in (b"", b"\x00not marshal" * 5, written[: len(written) // 2]):
        file.write_bytes(damage)
        monkeypatch.setattr(import_scan, "_SEEN", {})
        assert vendor_runtime("app", GENERATED) == expected
        assert marshal.loads(file.read_bytes()) == good
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_without_a_cache_folder_nothing_is_written(cold: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    vendor_runtime("app", GENERATED)
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_cache_folder_only_costs_the_scan(
    cold: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "runtime-imports-x").mkdir()
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path))
    scans = RuntimeScans()
    monkeypatch.setattr(scans, "_path", tmp_path / "runtime-imports-x")  # a folder where the file should be
    found = scans.get(b"from .a import b\n", "m.py")
    scans.save()
    assert found == scan(b"from .a import b\n", "m.py")
    assert (tmp_path / "runtime-imports-x").is_dir() and [p.name for p in tmp_path.iterdir()] == ["runtime-imports-x"]


def test_a_file_is_known_by_its_bytes_not_its_name(cold: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path))
    first = RuntimeScans()
    assert first.get(b"from .a import b\n", "m.py").relative == ((1, "a", ("b",), False),)
    first.save()
    monkeypatch.setattr(import_scan, "_SEEN", {})
    again = RuntimeScans()
    changed = again.get(b"from .c import d\nif TYPE_CHECKING:\n    from . import e\nX = 'boot.py'\n", "m.py")
    assert changed.relative == ((1, "c", ("d",), False), (1, None, ("e",), True))
    assert changed.constants == ("boot.py",)
