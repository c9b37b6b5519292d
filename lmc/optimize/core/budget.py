"""LM call and cost budgets for one optimizer run.

Every optimizer's option block accepts ``max_lm_calls`` and ``max_cost_usd``.
The build takes them out of the block (:func:`split_budget`; the optimizer
never sees them) and hands the optimizer a task whose LMs all report to one
:class:`Meter` (:func:`metered_task`). Before each request the meter checks
the budget; once it is spent, that request and every later one raise
:class:`BudgetExhausted` instead of reaching the LM.

An optimizer needs no budget logic of its own: ``BudgetExhausted`` passes
through the evaluator and every ``except Exception`` (it is a
``BaseException``, like ``asyncio.CancelledError``), so a run cut short is
never scored as a wrong answer. ``base.Search`` and ``base.until_budget``
turn it into a clean stop that keeps the best candidate so far, and
``base.run_optimizer`` catches whatever an optimizer lets through.

A ``judge`` metric asks an LM too: :func:`metered_task` meters the task's
metric as well (:func:`metered_metric`), so its calls count against the
same budget as the program's.

Answers from the LM cache cost nothing and do not count (the meter still
reports what they cost when they were made: see :class:`Spent`). Retries of
transient failures (429, 5xx, timeouts) happen inside one request and count
once. With several threads, requests that are already running when the
budget runs out may finish: the call budget is never exceeded (requests are
reserved before they are sent), the cost budget by at most those requests.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any, TypeVar, overload

from ...records import record
from ...runtime.judge import Judge
from ...runtime.lm.cache import Cache
from ...runtime.lm.protocol import LanguageModel, Messages, Scored
from ...schemas import optimizers as schemas
from .forwarding import Forwarding, innermost, replaced
from .options import OptionError, OptionSpec, resolve

if TYPE_CHECKING:
    from ...host.evaluate import Metric

T = TypeVar("T")

# The runtime form of the budget options of ``schemas.py``. ``max_cost_usd`` must be more than 0, an
# exclusive bound OptionSpec cannot hold: split_budget checks it.
BUDGET_OPTIONS: Mapping[str, OptionSpec] = {
    spec.name: OptionSpec.from_schema(replace(spec, above=None)) for spec in schemas.BUDGET_OPTIONS
}


@record
class Budget:
    """What one optimizer run may spend; None means no limit."""

    max_lm_calls: int | None = None
    max_cost_usd: float | None = None

    @property
    def limited(self) -> bool:
        return self.max_lm_calls is not None or self.max_cost_usd is not None

    def describe(self) -> str:
        parts = []
        if self.max_lm_calls is not None:
            parts.append(f"{self.max_lm_calls} LM call(s)")
        if self.max_cost_usd is not None:
            parts.append(f"${self.max_cost_usd:.4f}")
        return " and ".join(parts) or "no limit"


def split_budget(optimizer: str, options: Mapping[str, Any]) -> tuple[Budget, dict[str, Any]]:
    """The budget an optimizer's option block sets, and the block's other options.

    Raises :class:`OptionError` for a budget value of the wrong type or out of range.
    """
    given = {k: v for k, v in options.items() if k in BUDGET_OPTIONS}
    values = resolve(optimizer, BUDGET_OPTIONS, given)
    if values["max_cost_usd"] is not None and values["max_cost_usd"] <= 0:
        raise OptionError(f"{optimizer} option `max_cost_usd`: must be more than 0, got {values['max_cost_usd']}")
    rest = {k: v for k, v in options.items() if k not in BUDGET_OPTIONS}
    return Budget(**values), rest


@record
class Spent:
    """What a meter's LMs spent, and what the answers they gave cost.

    ``calls`` are answers the LM made now, and ``prompt_tokens``,
    ``completion_tokens`` and ``cost_usd`` what they cost: the real spending,
    the only one budgets count. ``cache_hits`` came free; the ``cached_``
    fields are what those answers cost when the LM first made them
    (``cached_unrecorded`` counts hits cached with nothing recorded), so that
    the cost of the answers a build used is the same cold or warm.
    """

    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    cached_prompt_tokens: int = 0
    cached_completion_tokens: int = 0
    cached_cost_usd: float = 0.0
    cached_unrecorded: int = 0

    @property
    def answers(self) -> int:
        """Every answer given, from the LM or its cache: the same on a rebuild from a warm cache."""
        return self.calls + self.cache_hits

    def __add__(self, other: Spent) -> Spent:
        return Spent(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(Spent)})

    def __sub__(self, other: Spent) -> Spent:
        return Spent(**{f.name: getattr(self, f.name) - getattr(other, f.name) for f in fields(Spent)})


def spent_of(lm: LanguageModel) -> Spent:
    """An LM's usage counters (``runtime.lm.Usage``) as :class:`Spent` (zero for an LM that keeps none)."""
    usage = getattr(lm, "usage", None)
    if usage is None:
        return Spent()
    return Spent(
        calls=usage.calls - usage.cache_hits,
        cache_hits=usage.cache_hits,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        cost_usd=usage.cost_usd,
        cached_prompt_tokens=usage.cached_prompt_tokens,
        cached_completion_tokens=usage.cached_completion_tokens,
        cached_cost_usd=usage.cached_cost_usd,
        cached_unrecorded=usage.cached_unrecorded,
    )


class BudgetExhausted(BaseException):  # noqa: N818 - named for what happened, like StopIteration
    """The optimizer's LM budget is spent; raised by a metered LM instead of sending a request.

    A ``BaseException`` on purpose: it must cross every ``except Exception``
    between the LM and the optimizer (one example's evaluation, a bootstrap
    attempt, user code in tools) so that no run cut short is scored.
    """

    def __init__(self, budget: Budget, spent: Spent) -> None:
        self.budget = budget
        self.spent = spent
        super().__init__(f"the budget of {budget.describe()} is spent")


class Meter:
    """Counts what the LMs of one optimizer run spend, and enforces its :class:`Budget`.

    For an LM with ``usage`` counters (``runtime.lm.LM``) the meter reads the
    difference since it first wrapped that LM, so cache hits, tokens and
    cost come from the LM's own accounting; an LM without counters (a test
    double) has each answered request counted as a call.
    """

    def __init__(self, budget: Budget | None = None) -> None:
        self.budget = budget or Budget()
        self._lock = threading.Lock()
        self._start: dict[int, tuple[LanguageModel, Spent]] = {}
        self._uncounted_calls = 0  # answers of LMs without usage counters
        self._in_flight = 0  # requests reserved and not yet answered
        self._exhausted: BudgetExhausted | None = None

    @overload
    def wrap(self, lm: LanguageModel) -> LanguageModel: ...

    @overload
    def wrap(self, lm: None) -> None: ...

    def wrap(self, lm: LanguageModel | None) -> LanguageModel | None:
        """``lm`` with every request metered; None stays None.

        Wrappers of one LM (a call counter, another meter) share its usage
        counters, so the meter reads them once, from the LM underneath.
        """
        if lm is None or (isinstance(lm, MeteredLM) and lm.meter is self):
            return lm
        base = innermost(lm)
        with self._lock:
            self._start.setdefault(id(base), (base, spent_of(base)))
        return MeteredLM(lm, self)

    def spent(self) -> Spent:
        with self._lock:
            return self._spent_locked()

    @property
    def exhausted(self) -> bool:
        with self._lock:
            return self._exhausted is not None

    def _spent_locked(self) -> Spent:
        total = Spent(calls=self._uncounted_calls)
        for lm, start in self._start.values():
            total = total + (spent_of(lm) - start)
        return total

    def _admit(self, cached: bool) -> bool:
        """Let one request through, or raise; True when a call was reserved (release it after).

        A request the cache will answer passes while calls remain; any other
        needs a call left after those already in flight. Once refused, every
        later request is refused too: the run has reached its budget.
        """
        with self._lock:
            if self._exhausted is None and self.budget.limited:
                spent = self._spent_locked()
                calls_cap, cost_cap = self.budget.max_lm_calls, self.budget.max_cost_usd
                reserved = 0 if cached else self._in_flight
                over_calls = calls_cap is not None and spent.calls + reserved >= calls_cap
                over_cost = cost_cap is not None and spent.cost_usd >= cost_cap
                if over_calls or over_cost:
                    self._exhausted = BudgetExhausted(self.budget, spent)
            if self._exhausted is not None:
                raise BudgetExhausted(self.budget, self._exhausted.spent)
            if cached:
                return False
            self._in_flight += 1
            return True

    def _release(self, reserved: bool, lm: LanguageModel, answered: bool) -> None:
        with self._lock:
            if reserved:
                self._in_flight -= 1
            if answered and getattr(lm, "usage", None) is None:
                self._uncounted_calls += 1


class MeteredLM(Forwarding):
    """An LM whose requests go through a :class:`Meter`; everything else is forwarded."""

    def __init__(self, lm: LanguageModel, meter: Meter) -> None:
        super().__init__(lm)
        self.meter = meter

    def _cached(self, messages: Messages, scored: bool) -> bool:
        # Only a call budget needs to know (a cache lookup per request otherwise saved).
        return self.meter.budget.max_lm_calls is not None and _is_cached(self.lm, messages, scored)

    def complete(self, messages: Messages) -> str:
        return self._metered(self.lm.complete, messages)

    async def acomplete(self, messages: Messages) -> str:
        return await self._ametered(self.lm.acomplete, messages)

    def complete_scored(self, messages: Messages) -> Scored:
        return self._metered(self.lm.complete_scored, messages, scored=True)

    async def acomplete_scored(self, messages: Messages) -> Scored:
        return await self._ametered(self.lm.acomplete_scored, messages, scored=True)

    def _metered(self, call: Callable[[Messages], T], messages: Messages, scored: bool = False) -> T:
        reserved = self.meter._admit(self._cached(messages, scored))
        answered = False
        try:
            answer = call(messages)
            answered = True
            return answer
        finally:
            self.meter._release(reserved, self.lm, answered)

    async def _ametered(self, call: Callable[[Messages], Awaitable[T]], messages: Messages, scored: bool = False) -> T:
        reserved = self.meter._admit(self._cached(messages, scored))
        answered = False
        try:
            answer = await call(messages)
            answered = True
            return answer
        finally:
            self.meter._release(reserved, self.lm, answered)

    def replace(self, **changes: Any) -> LanguageModel:
        """A changed copy of the LM (a rollout at another temperature), metered by the same meter."""
        return self.meter.wrap(replaced(self.lm, **changes))

    def __repr__(self) -> str:
        return f"MeteredLM({self.lm!r})"


def _is_cached(lm: LanguageModel, messages: Messages, scored: bool = False) -> bool:
    """Whether the LM's cache holds the answer to this request (so it costs nothing)."""
    cache = getattr(lm, "cache", None)
    request = getattr(lm, "scored_request" if scored else "request", None)
    if not isinstance(cache, Cache) or request is None:
        return False
    return cache.get(Cache.key(request(messages))) is not None


def metered_metric(metric: Metric, meter: Meter) -> Metric:
    """``metric`` with the LM requests it makes going through ``meter`` (a judge's); other metrics as they are."""
    if isinstance(metric, Judge):
        return metric.with_lm(meter.wrap(metric.lm))
    return metric
