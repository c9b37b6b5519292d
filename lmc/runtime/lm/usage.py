"""What an LM's answers cost: its counters (``Usage``), kept by one ``UsageCounter`` per LM, thread-safe."""

from __future__ import annotations

import dataclasses
import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .cache import Answer
    from .openai_compat import Completion

__all__ = ["Usage", "UsageCounter", "quantized_cost"]


@dataclass(frozen=True, slots=True)
class Usage:
    """A snapshot of an LM's counters. ``calls`` counts answers given, ``cache_hits`` those from the cache.

    ``prompt_tokens``, ``completion_tokens`` and ``cost_usd`` are what the LM
    itself was paid for (answers it made now). The ``cached_`` fields are what
    the answers taken from the cache cost when the LM first made them, so the
    answers' whole cost is the same whether a run was answered from the cache
    or not; ``cached_unrecorded`` counts cache hits with no cost recorded (a
    cache written by an older runtime), which add 0 there.
    """

    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    truncated: int = 0  # answers cut at max_tokens (counted, logged at INFO: a build makes many)
    cached_prompt_tokens: int = 0
    cached_completion_tokens: int = 0
    cached_cost_usd: float = 0.0
    cached_unrecorded: int = 0


# Costs are counted in steps of 2**-32 USD (less than a billionth of a dollar).
# Any sum of such values under 2**21 USD is exact in a float, so a total does
# not depend on the order threads add to it, and the cost of a run's answers
# reads the same whether they came from the LM or from the cache.
_COST_STEP_BITS = 32


def quantized_cost(cost: float) -> float:
    """``cost`` rounded to a whole number of cost steps (0 for a value that is not a finite number)."""
    if not math.isfinite(cost):
        return 0.0
    return math.ldexp(round(math.ldexp(cost, _COST_STEP_BITS)), -_COST_STEP_BITS)


class UsageCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._usage = Usage()

    def add_call(self, answer: Completion, cost: float) -> None:
        """An answer the LM made now, at ``cost`` (already quantized)."""
        with self._lock:
            u = self._usage
            self._usage = dataclasses.replace(
                u,
                calls=u.calls + 1,
                prompt_tokens=u.prompt_tokens + answer.prompt_tokens,
                completion_tokens=u.completion_tokens + answer.completion_tokens,
                cost_usd=u.cost_usd + cost,
                truncated=u.truncated + int(answer.finish_reason == "length"),
            )

    def add_hit(self, answer: Answer) -> None:
        """An answer from the cache, with what it cost when it was made."""
        with self._lock:
            u = self._usage
            self._usage = dataclasses.replace(
                u,
                calls=u.calls + 1,
                cache_hits=u.cache_hits + 1,
                cached_prompt_tokens=u.cached_prompt_tokens + answer.prompt_tokens,
                cached_completion_tokens=u.cached_completion_tokens + answer.completion_tokens,
                cached_cost_usd=u.cached_cost_usd + quantized_cost(answer.cost_usd),
                cached_unrecorded=u.cached_unrecorded + int(not answer.recorded),
            )

    def snapshot(self) -> Usage:
        with self._lock:
            return self._usage
