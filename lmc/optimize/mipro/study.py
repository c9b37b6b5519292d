"""The optuna study behind a Bayesian search: where its trials live and how workers share them.

A search is a fixed *plan* of slots (MIPROv2: slot 0 scores the starting
program, then come the sampled trials, and the full evaluations between
them). When the study is created, every slot is enqueued as a WAITING optuna
trial carrying its ``slot`` and ``role`` as user attributes, in one step
that no other worker can interleave with. A worker then repeatedly claims
the lowest waiting slot (WAITING -> RUNNING, which only one worker can win),
runs it, and tells optuna its score. So however many processes share the
study, every slot runs once: the number of trials is the plan's, no trial
is lost or run twice, and when no slot is left every worker reads the same
trials back and picks the same best one.

- **Resuming.** Completed trials are kept in the storage and never run
  again: a run interrupted after k trials and started again runs the rest.
  A trial cut short in this process (an error, Ctrl-C, a spent budget) goes
  back to the queue at once, keeping its number and parameters, so the
  resumed run makes the same choices as an uninterrupted one. A trial cut
  short by a killed process is failed once its heartbeat is older than
  ``GRACE_SECONDS``, and its slot enqueued again as a new trial (with the
  same parameters, for a sampled slot). In a private study (the build's
  state folder) a later slot is not claimed meanwhile: the resumed run
  waits for that trial, runs it, and goes on as an uninterrupted one would.
- **What a trial used.** ``Slot.note`` keeps values with a trial before it
  completes (MIPROv2: the LM answers it used), so that a run which reuses
  a completed trial instead of running it can still account for it.
- **A full evaluation** picks its parameters from the slots before it, so
  it is claimed only once all of them are complete.
- **Sampling.** DSPy's sampler, ``TPESampler(seed, multivariate=True)``,
  one for the whole search: the parameters of a sampled slot are drawn when
  it is claimed (under the claim lock, so slots are sampled in slot order),
  on an in-memory mirror of the study whose trial ``i`` is slot ``i``, with
  the slots then complete complete and the others running: in one
  uninterrupted worker, exactly the study DSPy's sampler sees, so the two
  choose alike. Each sampled slot records which slots were complete when it
  was sampled (``seen``); a worker whose sampler has not made every earlier
  draw (a resumed run, another worker's slots) replays them from those
  records first, so every worker and every resumed run draws what an
  uninterrupted run would have, given the same completed trials.
- **Candidates.** The study records what its trials index (each module's
  instructions, a digest of the demo sets) as user attributes; a worker that
  derived other candidates (another seed, other LM answers) must not join
  it. For the private default storage such a study is a stale leftover and
  is replaced; for a storage the user named it is an error.
- **SQLite** gives no row locks, so claims and state changes on a SQLite
  storage are serialized with a lock file next to the database (POSIX
  ``flock``: the workers must share one machine, as SQLite requires).
  Server databases (PostgreSQL, MySQL) lock rows themselves.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import Any, TypeGuard

import optuna
from optuna.distributions import CategoricalDistribution
from optuna.trial import FrozenTrial, TrialState

from ...records import record
from .errors import StudyError
from .slot_sampler import DspySampler, set_params

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5
GRACE_SECONDS = 30
POLL_SECONDS = 0.2
READY_SECONDS = 60.0  # how long a worker waits for another to finish writing a new study's plan
SQLITE_TIMEOUT = 60  # seconds a SQLite connection waits for a lock
CREATE_ATTEMPTS = 5  # tries at opening a server database whose tables another worker is creating
_PLAN = "lmc plan"  # study user attributes written when the study is created
_READY = "lmc ready"
_SEEN = "seen"  # a sampled slot's user attribute: the slots complete when it was sampled


@contextlib.contextmanager
def quiet_optuna() -> Iterator[None]:
    """optuna logs every study and trial at INFO through its own handler: only warnings while we run."""
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)


@record
class StudyPlace:
    """Where the study lives: an optuna RDB URL (None: in memory), its name, whose it is.

    ``shared`` means the user named the storage: other processes may work on
    it and a mismatch is an error, never a reason to delete it.
    """

    url: str | None
    name: str
    shared: bool


@record
class StudyPlan:
    """What the study searches: one role per slot, the parameters, the candidates they index."""

    roles: tuple[str, ...]
    distributions: Mapping[str, CategoricalDistribution]
    candidates: Mapping[str, Any]  # JSON values, one user attribute each


@record
class Slot:
    """A claimed slot: its index, role, the parameters sampled for it, and the completed slots before it.

    ``chosen`` is the sampler's choice for a sampled slot (empty for the
    others, which ``fix`` their own); ``history`` is filled for a full
    evaluation, which picks its parameters from the slots before it.
    """

    index: int
    role: str
    chosen: Mapping[str, int]
    history: tuple[FrozenTrial, ...]
    trial_id: int
    number: int
    _search: SharedSearch = field(repr=False)

    def fix(self, params: Mapping[str, int]) -> None:
        """Record parameters chosen without the sampler (the starting program, a full evaluation)."""
        set_params(self._search.storage, self.trial_id, self._search.plan.distributions, params)

    def note(self, key: str, value: Any) -> None:
        """Keep a JSON value with the trial (a user attribute), for whoever reads the completed trial back."""
        self._search.storage.set_trial_user_attr(self.trial_id, key, value)


class SharedSearch:
    """One worker's view of a search's study; see the module docstring."""

    def __init__(self, place: StudyPlace, plan: StudyPlan, seed: int) -> None:
        self.place = place
        self.plan = plan
        self.storage = _storage(place.url)
        self._lock_path = _lock_path(place.url)
        self._thread_lock = threading.Lock()
        self.sampler = DspySampler(seed, plan.distributions)
        self.study = self._open()
        self.study_id = self.storage.get_study_id_from_name(place.name)

    # ---------------------------------------------------------------- running

    def run(self, work: Callable[[Slot], float], finished: Callable[[FrozenTrial], None]) -> None:
        """Claim and run slots until none is left, then wait for other workers' slots to finish.

        ``work(slot)`` returns the slot's score; ``finished`` gets each trial
        this worker completed. Whatever ``work`` raises puts the trial back
        in the queue, unscored, and propagates.
        """
        while True:
            claimed, done = self._claim()
            if done:
                return
            if claimed is None:
                time.sleep(POLL_SECONDS)
                continue
            with _Heartbeat(self.storage, claimed.trial_id):
                try:
                    value = work(claimed)
                except BaseException:
                    # Back in the queue under its own number, so a resumed run samples as an
                    # uninterrupted one would. Already failed if another worker found it stale.
                    with self._locked(), contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
                        self.storage.set_trial_state_values(claimed.trial_id, TrialState.WAITING)
                    raise
            with self._locked():
                trial = self.study.tell(claimed.number, value, skip_if_finished=True)
            if trial.state == TrialState.COMPLETE and trial.values == [value]:
                finished(trial)
            else:
                logger.warning("slot %d was given up as stale while it ran; its result is dropped", claimed.index)

    def completed(self) -> list[FrozenTrial]:
        """The completed trial of every finished slot, in slot order."""
        by_slot: dict[int, FrozenTrial] = {}
        for t in self.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
            by_slot.setdefault(t.user_attrs["slot"], t)
        return [by_slot[s] for s in sorted(by_slot)]

    # ---------------------------------------------------------------- claims

    def _claim(self) -> tuple[Slot | None, bool]:
        """The next slot this worker runs (None: wait), and whether the search is over."""
        with self._locked():
            if _heartbeats(self.storage):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                    optuna.storages.fail_stale_trials(self.study)
            trials = self.study.get_trials(deepcopy=False)
            states = _slot_states(trials, len(self.plan.roles))
            if self._requeue_failed(trials, states):
                return None, False
            if all(TrialState.COMPLETE in s for s in states):
                return None, True
            waiting = sorted((t for t in trials if t.state == TrialState.WAITING), key=lambda t: t.user_attrs["slot"])
            if not waiting:
                return None, not any(TrialState.RUNNING in s for s in states)
            trial = waiting[0]
            index = trial.user_attrs["slot"]
            role = self.plan.roles[index]
            if role == "full" and not all(TrialState.COMPLETE in s for s in states[:index]):
                return None, False
            if role == "sampled" and not self._may_sample(index, trials, states):
                return None, False
            trial_id = self.storage.get_trial_id_from_study_id_trial_number(self.study_id, trial.number)
            if _heartbeats(self.storage):  # first, so a claim cut short by a kill still goes stale
                self.storage.record_heartbeat(trial_id)
            if not self.storage.set_trial_state_values(trial_id, TrialState.RUNNING):
                return None, False
            chosen = self._choose(trial, trial_id, trials) if role == "sampled" else {}
        history = tuple(t for t in self.completed() if t.user_attrs["slot"] < index) if role == "full" else ()
        return Slot(index, role, chosen, history, trial_id, trial.number, self), False

    def _may_sample(self, index: int, trials: Sequence[FrozenTrial], states: Sequence[set[TrialState]]) -> bool:
        """Whether sampled slot ``index`` may be claimed now.

        Its sampler replays every earlier sampled slot's draw, so each must be
        recorded: a claim cut short by a kill (``kill -9``) has not, until its
        trial goes stale and is queued again. In a private study every earlier
        slot must also be complete: no other build runs one, so a running one
        was left by a killed build, and sampling past it (without its score)
        would make other choices than an uninterrupted build.
        """
        if not self.place.shared:
            return all(TrialState.COMPLETE in s for s in states[:index])
        names = set(self.plan.distributions)
        return all(_sampled(trials, j, names) is not None for j in range(index) if self.plan.roles[j] == "sampled")

    def _choose(self, trial: FrozenTrial, trial_id: int, trials: Sequence[FrozenTrial]) -> dict[str, int]:
        """A sampled slot's parameters, under the claim lock: sampled now, or as first sampled when retried.

        The parameters are written before ``seen``, which marks the draw as
        recorded: a build killed between the two leaves a slot sampled again.
        """
        index = trial.user_attrs["slot"]
        names = set(self.plan.distributions)
        recorded = _sampled(trials, index, names)
        if recorded is not None:  # sampled before, then cut short: the same parameters again
            chosen = recorded[1]
            set_params(self.storage, trial_id, self.plan.distributions, chosen)
            if _SEEN not in trial.user_attrs:
                self.storage.set_trial_user_attr(trial_id, _SEEN, recorded[0])
            return chosen
        complete = {t.user_attrs["slot"]: t for t in trials if t.state == TrialState.COMPLETE}
        earlier = []
        for j in range(index):
            if self.plan.roles[j] == "sampled":
                draw = _sampled(trials, j, names)
                assert draw is not None, f"slot {j} has no recorded draw (see _may_sample)"
                earlier.append((j, draw[0], draw[1]))
        chosen, seen = self.sampler.sample(index, complete, earlier)
        set_params(self.storage, trial_id, self.plan.distributions, chosen)
        self.storage.set_trial_user_attr(trial_id, _SEEN, seen)
        return chosen

    def _requeue_failed(self, trials: Sequence[FrozenTrial], states: Sequence[set[TrialState]]) -> bool:
        """Enqueue again every slot whose trials all failed (under the lock); True when there was one."""
        failed = [index for index, slot_states in enumerate(states) if slot_states == {TrialState.FAIL}]
        for index in failed:
            last = max((t for t in trials if t.user_attrs["slot"] == index), key=lambda t: t.number)
            params = dict(last.params) if self.plan.roles[index] == "sampled" else {}
            logger.info("slot %d failed or was abandoned; it is queued again", index)
            self.study.enqueue_trial(params, user_attrs=dict(last.user_attrs))
        return bool(failed)

    # ---------------------------------------------------------------- study

    def _open(self) -> optuna.Study:
        with self._locked():
            study, created = self._create_or_load()
        if not created:
            self._await_ready(study)
            problem = self._mismatch(study)
            if problem is not None:
                if self.place.shared:
                    raise StudyError(
                        f"the study `{self.place.name}` in {self.place.url} was made with other candidates "
                        f"({problem}): every worker must use the same program, data, options, seed and LM "
                        "answers (share one LM cache, LMC_CACHE_DIR), or name another study with --study"
                    )
                logger.warning("replacing the stale study %s (%s)", self.place.name, problem)
                with self._locked():
                    optuna.delete_study(study_name=self.place.name, storage=self.storage)
                    study, _ = self._create_or_load()
        return study

    def _create_or_load(self) -> tuple[optuna.Study, bool]:
        """Load the study, or create it with its plan (under the lock)."""
        try:
            study = optuna.create_study(
                storage=self.storage, study_name=self.place.name, direction="maximize", sampler=_NO_SAMPLER
            )
        except optuna.exceptions.DuplicatedStudyError:
            return optuna.load_study(study_name=self.place.name, storage=self.storage, sampler=_NO_SAMPLER), False
        for key, value in self.plan.candidates.items():
            study.set_user_attr(key, value)
        study.set_user_attr(_PLAN, list(self.plan.roles))
        for index, role in enumerate(self.plan.roles):
            study.enqueue_trial({}, user_attrs={"slot": index, "role": role})
        study.set_user_attr(_READY, True)
        return study, True

    def _await_ready(self, study: optuna.Study) -> None:
        """Wait for the worker that created the study to finish writing its plan.

        Under a file lock (SQLite) or in memory the plan was written in one
        step, so a study without it was left by an interrupted creator.
        """
        atomic = self._lock_path is not None or self.place.url is None
        deadline = time.monotonic() + (0.0 if atomic else READY_SECONDS)
        while not study.user_attrs.get(_READY):
            if time.monotonic() >= deadline:
                if not self.place.shared:
                    return  # a half-written private study: _mismatch replaces it
                raise StudyError(
                    f"the study `{self.place.name}` in {self.place.url} has no complete plan (its creator was "
                    "interrupted); delete it or name another study with --study"
                )
            time.sleep(POLL_SECONDS)

    def _mismatch(self, study: optuna.Study) -> str | None:
        """What differs between the study's recorded candidates and plan and this worker's, or None."""
        recorded = study.user_attrs
        if not recorded.get(_READY):
            return "its plan was never completed"
        if recorded.get(_PLAN) != list(self.plan.roles):
            return "the plan of trials differs"
        for key, value in self.plan.candidates.items():
            if recorded.get(key) != value:
                return f"`{key}` differs"
        return None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialize claims and state changes: a file lock for SQLite, a thread lock always."""
        with self._thread_lock, _file_lock(self._lock_path) if self._lock_path else contextlib.nullcontext():
            yield


def _slot_states(trials: Sequence[FrozenTrial], slots: int) -> list[set[TrialState]]:
    states: list[set[TrialState]] = [set() for _ in range(slots)]
    for t in trials:
        states[t.user_attrs["slot"]].add(t.state)
    return states


def _storage(url: str | None) -> optuna.storages.BaseStorage:
    """The storage at ``url``; workers creating optuna's tables at once on a new database is no error.

    SQLite serializes that with the lock file. A server database (PostgreSQL:
    ``CREATE TYPE`` of one enum by two workers) makes the loser's transaction
    fail; it tries again and finds the tables made.
    """
    if url is None:
        return optuna.storages.InMemoryStorage()
    from sqlalchemy.exc import IntegrityError, ProgrammingError, SQLAlchemyError

    problem = storage_problem(url)
    if problem is not None:
        raise StudyError(problem)

    engine_kwargs = {"connect_args": {"timeout": SQLITE_TIMEOUT}} if url.startswith("sqlite") else {}
    lock = _lock_path(url)
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        try:
            with _file_lock(lock) if lock is not None else contextlib.nullcontext(), warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # heartbeats, since optuna 2.9
                return optuna.storages.RDBStorage(
                    url, engine_kwargs=engine_kwargs, heartbeat_interval=HEARTBEAT_SECONDS, grace_period=GRACE_SECONDS
                )
        except ImportError as err:
            raise StudyError(
                f"the --storage database needs a driver that is not installed ({err.__cause__ or err}); "
                "for PostgreSQL install lmc's `postgres` extra: pip install 'lmc-compiler[postgres]'"
            ) from err
        except (IntegrityError, ProgrammingError) as err:
            if lock is not None or attempt == CREATE_ATTEMPTS:
                raise StudyError(f"the --storage database cannot hold the study: {_first(err)}") from err
            logger.debug("another worker was creating the study tables (%s); trying again", type(err).__name__)
            time.sleep(POLL_SECONDS * attempt)
        except SQLAlchemyError as err:  # a damaged SQLite file, a server that refuses the connection
            raise StudyError(
                f"the optuna storage {_shown(url)} cannot be opened ({_first(err)}); if its file is damaged, "
                "move it aside and build again (the study starts over; nothing else is lost)"
            ) from err
    raise AssertionError("unreachable")


def storage_problem(url: str) -> str | None:
    """Why ``url`` cannot name an optuna storage (None: it can), found before any LM call."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except (ArgumentError, ValueError) as err:
        return f"--storage {url!r} is not a database URL ({_first(err)}); e.g. sqlite:///study.db or postgresql://..."
    return None


def _shown(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _first(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _lock_path(url: str | None) -> Path | None:
    """The lock file of a SQLite database file; None for other storages."""
    if url is None or not url.startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database).with_name(Path(database).name + ".lock")


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    import fcntl  # POSIX only, as documented

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _heartbeats(storage: optuna.storages.BaseStorage) -> TypeGuard[optuna.storages.RDBStorage]:
    return isinstance(storage, optuna.storages.RDBStorage)


class _Heartbeat:
    """Records a running trial's heartbeat every ``HEARTBEAT_SECONDS`` in a thread, while in the block."""

    def __init__(self, storage: optuna.storages.BaseStorage, trial_id: int) -> None:
        self.storage = storage
        self.trial_id = trial_id
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _Heartbeat:
        if isinstance(self.storage, optuna.storages.RDBStorage):
            self._thread = threading.Thread(target=self._beat, name="lmc-heartbeat", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _beat(self) -> None:
        assert isinstance(self.storage, optuna.storages.RDBStorage)
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                self.storage.record_heartbeat(self.trial_id)
            except Exception as err:  # a busy database: the next beat will do
                logger.debug("heartbeat of trial %d failed: %s", self.trial_id, err)


def _sampled(trials: Sequence[FrozenTrial], slot: int, names: set[str]) -> tuple[list[int], dict[str, int]] | None:
    """A sampled slot's recorded draw: the slots it saw complete and the parameters it was given; None if none.

    A draw is recorded by a trial of the slot that has ``seen`` and every
    parameter (every such trial carries the same). A trial queued again
    carries ``seen`` from the start, and one whose claim a kill cut short
    may have some parameters only: neither counts alone.
    """
    for t in trials:
        if t.user_attrs["slot"] == slot and _SEEN in t.user_attrs and set(t.params) == names:
            return list(t.user_attrs[_SEEN]), dict(t.params)
    return None


_NO_SAMPLER = optuna.samplers.RandomSampler(seed=0)  # the study's own sampler draws nothing: slots get theirs at claim
