"""Rollouts: several fresh samples of one request (DSPy's ``lm.copy(rollout_id=i, temperature=1.0)``).

``BestOfN``, ``Refine`` and ``MultiChainComparison`` ask the same LM the same
question several times and need a different answer each time. Inside
``with rollout(i):`` every call of a runtime ``LM`` samples at temperature
1.0 and is cached under its own key (the request plus ``i``): rollout ``i``
never reads the answer of an ordinary call or of another rollout, and a
rebuild with a warm cache replays the same samples, as DSPy's ``rollout_id``
does. The rollout id is not sent to the provider.

The rollout travels in a context variable rather than as a new LM object, so
an LM wrapped by the optimizer (call counters, budgets) stays wrapped. LM
objects other than ``runtime.lm.LM`` (a user's own, a scripted one) may read
``current_rollout()`` or ignore it.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

__all__ = ["ROLLOUT_TEMPERATURE", "current_rollout", "rollout"]

ROLLOUT_TEMPERATURE = 1.0

_ROLLOUT: contextvars.ContextVar[int | None] = contextvars.ContextVar("lmc_rollout", default=None)


def current_rollout() -> int | None:
    """The rollout id of the calls made here, or None outside any rollout."""
    return _ROLLOUT.get()


@contextlib.contextmanager
def rollout(rollout_id: int) -> Iterator[None]:
    """Make the LM calls inside this block rollout ``rollout_id``."""
    token = _ROLLOUT.set(rollout_id)
    try:
        yield
    finally:
        _ROLLOUT.reset(token)
