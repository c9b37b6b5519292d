"""`lmc check` imports what it checks with, not the optimizers, the LM client or the runtime's programs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from lmc.checks import settings
from lmc.optimize.mipro import options as mipro  # MIPROv2's sizes and options
from lmc.schemas import sizes

# Heavy modules a check never needs; the optimizers (optuna) and litellm each cost more than a check,
# and a correct file is read without Lark (lmc.syntax.reader, on the cached lmc.syntax.tables).
NOT_IMPORTED = (
    "optuna",
    "litellm",
    "pydantic",
    "lark",
    "lmc.optimize.registry",
    "lmc.optimize.core.base",
    "lmc.runtime.program",
)


def test_check_does_not_import_the_optimizers_litellm_or_lark(tmp_path) -> None:
    lmp = tmp_path / "t.lmp"
    lmp.write_text('lm default = "local/smollm2"\nsignature S = "q -> a"\n', encoding="utf-8")
    code = (
        "import json, sys\n"
        "from lmc.cli.main import main\n"
        f"code = main(['check', {str(lmp)!r}])\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)  # caches
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    exit_code, modules = json.loads(done.stdout.splitlines()[-1])
    assert exit_code == 0
    loaded = [m for m in modules if any(m == n or m.startswith(n + ".") for n in NOT_IMPORTED)]
    assert loaded == []


def test_the_checker_reads_miprov2s_own_sizes() -> None:
    assert mipro.AUTO_RUN_SETTINGS is sizes.AUTO_RUN_SETTINGS
    assert settings.MIPRO_MIN_MINIBATCH_ROWS == mipro.MIN_MINIBATCH_SIZE
