"""DSPy's TPE sampler over a search's slots in order, replayable in any worker (``study.py``'s "Sampling").

``DspySampler`` keeps an in-memory mirror of the study whose trial ``i`` is
slot ``i``: the slots complete when a slot is sampled are complete in the
mirror, the others running, so one uninterrupted worker shows the sampler
exactly the study DSPy's sampler sees. A worker that did not make every
earlier draw (a resumed run, another worker's slots) replays them first
from what each sampled slot recorded.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence

import optuna
from optuna.distributions import BaseDistribution, CategoricalChoiceType, CategoricalDistribution
from optuna.trial import FrozenTrial, TrialState

logger = logging.getLogger(__name__)


def set_params(
    storage: optuna.storages.BaseStorage,
    trial_id: int,
    distributions: Mapping[str, BaseDistribution],
    params: Mapping[str, int],
) -> None:
    """Give trial ``trial_id`` these parameters (choice indices), in optuna's internal form."""
    for name, value in params.items():
        d = distributions[name]
        storage.set_trial_param(trial_id, name, d.to_internal_repr(value), d)


class DspySampler:
    """DSPy's ``TPESampler(seed, multivariate=True)`` over the slots in order.

    The mirror is an in-memory study: trial ``i`` is slot ``i``, created
    running and completed (with the real trial's parameters and value) once
    a slot to be sampled has seen it complete. ``_sampled`` lists the slots
    this sampler drew, in order; when it is not a prefix of the slots drawn
    so far (another process drew some), the sampler starts again and
    replays every earlier draw from its record.
    """

    def __init__(self, seed: int, distributions: Mapping[str, CategoricalDistribution]) -> None:
        self.seed = seed
        self.distributions = distributions
        self._restart()

    def _restart(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # multivariate
            self._tpe = optuna.samplers.TPESampler(seed=self.seed, multivariate=True)
        self._storage = optuna.storages.InMemoryStorage()
        self._mirror = optuna.create_study(storage=self._storage, direction="maximize", sampler=self._tpe)
        self._study_id = self._storage.get_study_id_from_name(self._mirror.study_name)
        self._ids: list[int] = []  # the mirror's trial id of each slot
        self._complete: set[int] = set()
        self._sampled: list[int] = []

    def sample(
        self,
        index: int,
        complete: Mapping[int, FrozenTrial],
        earlier: Sequence[tuple[int, Sequence[int], Mapping[str, int]]],
    ) -> tuple[dict[str, int], list[int]]:
        """Slot ``index``'s parameters, and the slots complete now (before it), to record with it.

        ``earlier`` is every sampled slot before ``index``: its index, the
        slots it saw complete, and the parameters it was given.
        """
        if self._sampled != [j for j, _, _ in earlier[: len(self._sampled)]]:
            self._restart()
        for j, seen, given in earlier[len(self._sampled) :]:
            replayed = self._draw(j, {s: complete[s] for s in seen})
            if replayed != dict(given):  # another optuna, or a study written otherwise: keep what was given
                logger.warning(
                    "slot %d was sampled as %s, replayed as %s; later choices may differ", j, given, replayed
                )
        seen = sorted(s for s in complete if s < index)
        return self._draw(index, {s: complete[s] for s in seen}), seen

    def _draw(self, index: int, complete: Mapping[int, FrozenTrial]) -> dict[str, int]:
        """Sample slot ``index`` with the slots in ``complete`` complete in the mirror, as DSPy's ``ask`` would.

        ``ask`` (not a hand-made trial) also drops optuna's per-trial cache of
        the study's trials, which would otherwise hide later completions.
        """
        while len(self._ids) < index:  # the slots before it: running until seen complete
            self._ids.append(self._storage.create_new_trial(self._study_id))
        for slot in sorted(set(complete) - self._complete):
            done, trial_id = complete[slot], self._ids[slot]
            set_params(self._storage, trial_id, done.distributions, done.params)
            self._storage.set_trial_state_values(trial_id, TrialState.COMPLETE, list(done.values or ()))
            self._complete.add(slot)
        trial = self._mirror.ask()
        assert trial.number == index, (trial.number, index)
        self._ids.append(self._storage.get_trial_id_from_study_id_trial_number(self._study_id, index))
        chosen = {name: _index(trial.suggest_categorical(name, d.choices)) for name, d in self.distributions.items()}
        self._sampled.append(index)
        return chosen


def _index(choice: CategoricalChoiceType) -> int:
    """A sampled choice: every parameter of a search chooses an index (into its candidates)."""
    if not isinstance(choice, int):
        raise TypeError(f"a search parameter chose {choice!r}, not an index")
    return choice
