"""A full disk (or any refused write) while the package and its lock are written is a clean error.

The LM answers are spent by then: the build stops with exit 3 (``lmc.BuildError``
from the Python API), saying which file could not be written, that the
previous package, ``build.json``, ``report.html`` and lock are as they were,
what to do, and that the LM answers are in the cache, so that building again
calls no LM. No temporary file or folder is left behind. Before, the error
was an "internal error", and a lock that could not be written left the new
package beside the old lock.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest

import lmc
from lmc.cli.main import main
from tests.stub_project import stub_project
from tests.test_lock import files_of

Fault = Callable[[Path, int], bool]  # (the file written, or a rename's target; how many so far) -> fail now

# Where the disk fills up: a write or a rename, and when. A package of the stub project has more than 20 files.
POINTS: dict[str, tuple[str, Fault]] = {
    "the first file": ("write", lambda path, n: n == 1),
    "a middle file": ("write", lambda path, n: n == 10),
    "the last file": ("write", lambda path, n: path.name == "report.html"),
    "the lock": ("write", lambda path, n: ".app.lock" in path.name),
    "the old folder's rename": ("rename", lambda path, n: n == 1),
    "the new folder's rename": ("rename", lambda path, n: n == 2),
    "the lock's rename": ("rename", lambda path, n: path.name == "app.lock"),
}


def inject(monkeypatch: pytest.MonkeyPatch, point: str, folder: Path, code: int = errno.ENOSPC) -> None:
    """Make the writes (``Path.write_bytes``, ``write_text``) or renames (``os.rename``, ``os.replace``) of files
    in ``folder`` raise ``OSError(code)`` at ``point``; the LM cache's folder is spared."""
    kind, when = POINTS[point]
    calls = 0

    def faulty(original: Callable[..., object], target_of: Callable[..., Path]) -> Callable[..., object]:
        def call(*args: object, **kwargs: object) -> object:
            nonlocal calls
            target = target_of(*args)
            if folder in target.parents and folder / "cache" not in target.parents:
                calls += 1
                if when(target, calls):
                    raise OSError(code, os.strerror(code), str(args[0]))
            return original(*args, **kwargs)

        return call

    if kind == "write":
        for name in ("write_bytes", "write_text"):
            monkeypatch.setattr(Path, name, faulty(getattr(Path, name), lambda path, *rest: Path(path)))
    else:
        for name in ("rename", "replace"):
            monkeypatch.setattr(os, name, faulty(getattr(os, name), lambda src, dst, *rest: Path(dst)))


def leftovers(*folders: Path) -> list[str]:
    """Temporary files and folders of a write (``.app.XXXX.new``, ``.app.lock.XXXX.partial``) left in ``folders``."""
    return sorted(
        p.name for f in folders if f.exists() for p in f.iterdir() if p.name.endswith((".new", ".old", ".partial"))
    )


@pytest.mark.parametrize("point", list(POINTS))
def test_a_full_disk_while_writing_keeps_the_previous_build_and_says_what_to_do(
    point: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    with stub_project(tmp_path, monkeypatch) as (server, project):
        out, lock = tmp_path / "out", tmp_path / "app.lock"
        assert main(["build", str(project), "-o", str(out)]) == 0
        package, locked = files_of(out / "app"), lock.read_bytes()
        assert len(package) > 20 and {"build.json", "report.html"} <= set(package)
        capsys.readouterr()

        inject(monkeypatch, point, tmp_path)
        assert main(["build", str(project), "-o", str(out), "--seed", "1"]) == 3  # another seed: other files
        err = capsys.readouterr().err
        asked = server.count
        monkeypatch.undo()
        monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))

        assert "No space left on device (ENOSPC)" in err and "free some space and build again" in err, err
        assert f"nothing was replaced ({out / 'app'} and {lock} are as before)" in err
        assert f"the LM answers this build used are in the LM cache ({tmp_path / 'cache'})" in err
        assert "internal error" not in err and "Traceback" not in err
        assert files_of(out / "app") == package and lock.read_bytes() == locked
        assert leftovers(out, tmp_path) == []

        # What the message says: building again calls no LM.
        assert main(["build", str(project), "-o", str(out), "--seed", "1"]) == 0
        assert server.count == asked
        assert lock.read_bytes() != locked and files_of(out / "app") != package


@pytest.mark.parametrize(
    ("code", "says", "remedy"),
    [
        (errno.EDQUOT, "Disk quota exceeded (EDQUOT)", "free some space"),
        (errno.EIO, "Input/output error (EIO)", "check the disk"),
        (errno.EROFS, "Read-only file system (EROFS)", "make it writable or write elsewhere (-o, --lock)"),
    ],
)
def test_the_python_api_raises_a_build_error_naming_the_file_and_the_reason(
    code: int, says: str, remedy: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    with stub_project(tmp_path, monkeypatch) as (server, project):
        out, lock = tmp_path / "out", tmp_path / "app.lock"
        inject(monkeypatch, "a middle file", tmp_path, code)
        with pytest.raises(lmc.BuildError) as failed:
            lmc.build(project, out=out, lock=lock)
    message = str(failed.value)
    assert message.startswith(f"cannot write {out / 'app'}") and says in message and remedy in message
    assert "LM cache" in message
    assert not (out / "app").exists() and not lock.exists(), "a first build that fails writes nothing"
    assert leftovers(out, tmp_path) == []


def test_a_lock_alone_that_cannot_be_written_keeps_the_old_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with stub_project(tmp_path, monkeypatch) as (server, project):
        lock = tmp_path / "app.lock"
        lmc.build(project, lock=lock)  # no package folder: the lock alone
        locked = lock.read_bytes()
        inject(monkeypatch, "the lock", tmp_path)
        with pytest.raises(lmc.BuildError, match=r"cannot write .*app\.lock: No space left on device \(ENOSPC\)"):
            lmc.build(project, lock=lock, seed=1)
    assert lock.read_bytes() == locked and leftovers(tmp_path) == []


def test_without_the_lm_cache_the_message_says_the_lm_is_called_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    with stub_project(tmp_path, monkeypatch) as (server, project):
        inject(monkeypatch, "the first file", tmp_path)
        assert main(["build", str(project), "-o", str(tmp_path / "out"), "--no-cache"]) == 3
    err = capsys.readouterr().err
    assert "(lm `default` had no LM cache: the next build calls it again)" in err and "are in the LM cache" not in err


def test_frozen_says_nothing_of_lm_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    with stub_project(tmp_path, monkeypatch) as (server, project):
        out = tmp_path / "out"
        assert main(["build", str(project), "-o", str(out)]) == 0
        package = files_of(out / "app")
        (out / "app" / "build.json").unlink()  # so that --frozen has something to write
        capsys.readouterr()
        inject(monkeypatch, "the new folder's rename", tmp_path)
        assert main(["build", str(project), "-o", str(out), "--frozen"]) == 3
    err = capsys.readouterr().err
    assert "cannot write" in err and "LM cache" not in err and "internal error" not in err
    assert files_of(out / "app") == {k: v for k, v in package.items() if k != "build.json"}
    assert leftovers(out) == []
