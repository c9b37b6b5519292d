"""One MIPROv2 build process on a shared optuna storage, for the multi-process tests.

``python -m tests.optimize.mipro_worker STORAGE STUDY OUT [--delay S] [--kill-after N]``
runs the search of ``mipro_fakes`` and writes its result to OUT as JSON:
the chosen params, the score, and the labels of the trials this process ran.
``--kill-after N`` kills the process (SIGKILL, no cleanup) at its N-th task
LM call, as an out-of-memory kill would; ``--kill-in-claim N`` kills it
while it gives a trial its parameters the N-th time, after the first one.
``--state-dir DIR`` keeps the study in DIR, as a build's private one
(STORAGE and STUDY are then ignored: pass ``-``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

from lmc.optimize import MIPROv2
from lmc.optimize.mipro import study as study_module
from tests.optimize.fakes import FakeLM
from tests.optimize.mipro_fakes import MANUAL, mipro_task, slow_answer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("storage")
    parser.add_argument("study")
    parser.add_argument("out")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--kill-after", type=int, default=0)
    parser.add_argument("--kill-in-claim", type=int, default=0)
    parser.add_argument("--state-dir", default=None)
    parser.add_argument("--trials", type=int, default=MANUAL["num_trials"])
    args = parser.parse_args()
    if args.kill_in_claim:
        kill_in_claim(args.kill_in_claim)

    answer = slow_answer(args.delay)
    calls = 0
    lock = threading.Lock()

    def maybe_killed(request: Any) -> dict[str, str]:
        nonlocal calls
        with lock:
            calls += 1
            if calls == args.kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
        return answer(request)

    ran: list[str] = []
    task = mipro_task(
        task_lm=FakeLM(maybe_killed, "task"),
        storage=None if args.state_dir else args.storage,
        study=None if args.state_dir else args.study,
        state_dir=Path(args.state_dir) if args.state_dir else None,
        on_candidate=lambda label, score: ran.append(label),
    )
    result = MIPROv2(**{**MANUAL, "num_trials": args.trials}).compile(task)
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(
            {"params": {p: v.to_json() for p, v in result.params.items()}, "score": result.score, "ran": ran}, out
        )


def kill_in_claim(n: int) -> None:
    """SIGKILL this process in the ``n``-th parameter write, after its first parameter is written."""
    writes = 0
    set_params = study_module.set_params

    def killed(storage: Any, trial_id: int, distributions: Any, params: Any) -> None:
        nonlocal writes
        writes += 1
        if writes == n:
            first = dict(list(params.items())[:1])
            set_params(storage, trial_id, distributions, first)
            os.kill(os.getpid(), signal.SIGKILL)
        set_params(storage, trial_id, distributions, params)

    study_module.set_params = killed


if __name__ == "__main__":
    main()
