"""Choosing the sandbox: the OS boundary by default, the audit-hook fallback with one warning, ``LMC_SANDBOX``.

A stand-in for ``sandbox_boot.py`` plays a system without the OS boundary:
it exits with the "unavailable" status when asked for it, and otherwise
records which boundary it was asked for, so each test reads what the
runner chose without depending on this machine's kernel.
"""

from __future__ import annotations

import io
import os
import sys
import warnings
from pathlib import Path

import pytest

from lmc.runtime.kinds import sandbox
from lmc.runtime.kinds.sandbox import SandboxError, SandboxWarning, run_python

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the sandbox needs a POSIX system")


@pytest.fixture
def no_os_boundary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A boot that cannot set up the OS boundary; returns the file listing the boundary each start asked for."""
    asked = tmp_path / "asked.txt"
    boot = tmp_path / "boot.py"
    boot.write_text(
        "import sys\n"
        f"open({str(asked)!r}, 'a').write(sys.argv[5] + '\\n')\n"
        "if sys.argv[5] == 'os':\n"
        "    sys.stderr.write('unshare (user namespaces may be disabled here): Operation not permitted')\n"
        f"    sys.exit({sandbox.UNAVAILABLE})\n"
        "print('ran in', sys.argv[5])\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(sandbox, "BOOT", boot)
    monkeypatch.setattr(sandbox, "_BOUNDARY", sandbox._Boundary())
    monkeypatch.delenv(sandbox.SETTING, raising=False)
    return asked


def test_without_the_os_boundary_the_fallback_runs_and_warns_once(no_os_boundary: Path):
    with pytest.warns(SandboxWarning) as caught:
        first = run_python("print(1)")
        second = run_python("print(2)")
    assert first.stdout == second.stdout == "ran in audit\n"
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "not a security boundary" in message and "user namespaces may be disabled here" in message
    assert "LMC_SANDBOX=audit" in message and "LMC_SANDBOX=os" in message
    assert no_os_boundary.read_text().split() == ["os", "audit", "audit"]  # the OS boundary was tried once
    assert sandbox.boundary() == "audit"


def test_lmc_sandbox_os_refuses_to_run_without_it(no_os_boundary: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(sandbox.SETTING, "os")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning: an error
        with pytest.raises(SandboxError, match=r"LMC_SANDBOX=os requires .*user namespaces may be disabled here"):
            run_python("print(1)")
    assert no_os_boundary.read_text().split() == ["os"]  # nothing ran


def test_lmc_sandbox_audit_chooses_the_fallback_silently(no_os_boundary: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(sandbox.SETTING, "Audit ")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert run_python("print(1)").stdout == "ran in audit\n"
    assert no_os_boundary.read_text().split() == ["audit"]


def test_a_bad_lmc_sandbox_is_an_error_naming_the_choices(no_os_boundary: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(sandbox.SETTING, "docker")
    with pytest.raises(SandboxError, match=r"LMC_SANDBOX='docker' is not a sandbox: use auto, os or audit"):
        run_python("print(1)")
    assert not no_os_boundary.exists()


def test_outside_linux_the_fallback_is_chosen_without_trying(no_os_boundary: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sandbox.sys, "platform", "darwin")
    with pytest.warns(SandboxWarning, match="needs Linux, not darwin"):
        assert run_python("print(1)").stdout == "ran in audit\n"
    assert no_os_boundary.read_text().split() == ["audit"]


def test_the_command_line_prints_the_warning_as_its_own(monkeypatch: pytest.MonkeyPatch):
    from lmc.cli import main

    others: list[str] = []
    monkeypatch.setattr(warnings, "showwarning", lambda message, category, *args, **kwargs: others.append(str(message)))
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    main._show_own_warnings()
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn(SandboxWarning("generated code runs in the audit-hook sandbox"), stacklevel=1)
        warnings.warn(UserWarning("someone else's"), stacklevel=1)
    assert stderr.getvalue() == "lmc: warning: generated code runs in the audit-hook sandbox\n"
    assert others == ["someone else's"]  # other warnings go where they went before
