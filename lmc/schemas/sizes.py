"""MIPROv2's ``auto`` sizes, in a module of their own: the checker reads them without the optimizers.

``lmc.optimize.mipro`` sizes its searches from these; ``lmc.checks.settings``
compares them with the data a file gives before anything runs. This module
imports nothing, so ``lmc check`` pays nothing for it.
"""

from __future__ import annotations

# Each mode's `n` (demo sets and instruction candidates) and the most valset rows it keeps (a sample).
AUTO_RUN_SETTINGS = {"light": (6, 100), "medium": (12, 300), "heavy": (18, 1000)}  # (n, valset size)
MIN_MINIBATCH_SIZE = 50  # auto mode uses minibatches only for a larger valset
ZERO_SHOT_PROPOSAL_DEMOS = 3  # bootstrapped demos per set shown to the prompt model in zero-shot mode
