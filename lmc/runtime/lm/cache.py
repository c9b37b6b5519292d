"""A disk cache of LM answers: SQLite in WAL mode, safe across threads and processes.

The key is the SHA-256 of the canonical JSON of the request: the model, the
messages and every option that shapes the answer. Secrets are never part of
a request, so they are never part of a key or of the file. Re-running an
optimization with the same inputs therefore costs no LM calls, and two
processes (say, two ``lmc build`` runs) can share one cache directory.

Next to each answer the cache keeps what it cost when it was made (prompt
and completion tokens, USD), so a rebuild answered from the cache can still
say what its answers cost. Files written before those columns existed are
migrated when opened; their rows, and rows written by an older runtime,
hold NULL there: :attr:`Answer.recorded` is False for them.

Answers are written behind: ``put`` queues an answer and one thread per file
and process writes the queue in batches, one transaction for all the answers
of ~50 ms (a commit per answer cost a build at 8 threads a third of its CPU
per LM call, the threads queueing for SQLite's write lock). Every ``Cache``
of the file in this process reads the queue first, so an answer is there
the moment it is put; another process sees it once written. ``flush`` (and
``close``, and the interpreter's exit) waits for the queue to be written; a
write that fails is raised by the next ``put`` or ``flush`` (``CacheError``).
A process killed outright loses the answers of its last batch: a later run
asks for them again.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..choices import TokenLogprobs

__all__ = ["Answer", "Cache", "CacheError", "flush_writes"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, model TEXT NOT NULL, text TEXT NOT NULL, "
    "prompt_tokens INTEGER, completion_tokens INTEGER, cost_usd REAL, logprobs TEXT)"
)
# Columns added after the first schema: added to an older file when it is opened (NULL in its rows).
_ADDED_COLUMNS = (
    ("prompt_tokens", "INTEGER"),
    ("completion_tokens", "INTEGER"),
    ("cost_usd", "REAL"),
    ("logprobs", "TEXT"),  # JSON, for requests that asked for log-probabilities (choice scoring)
)
# How long a writer waits for another process's lock before giving up (seconds).
_BUSY_TIMEOUT = 30.0
# How long the writer gathers answers before it writes them in one transaction (seconds).
_GATHER_SECONDS = 0.05
_INSERT = (
    "INSERT OR REPLACE INTO answers (key, model, text, prompt_tokens, completion_tokens, cost_usd, logprobs) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


class CacheError(Exception):
    """The cache cannot be read or written (a damaged file, a full disk, a folder that is a file).

    Never an answer: callers report it (the LM client raises ``LMError``), so a
    fault of the cache cannot turn into a wrong score.
    """

    def __init__(self, path: Path, action: str, exc: BaseException) -> None:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        super().__init__(
            f"the LM cache {path} cannot be {action} ({type(exc).__name__}: {reason}); "
            "run with --no-cache, or move the file aside to start a new cache"
        )


# What a damaged or unwritable cache raises: SQLite's errors, the file system's, and bad stored JSON.
_FAULTS = (sqlite3.Error, OSError, ValueError, TypeError)


@dataclass(frozen=True, slots=True)
class Answer:
    """A cached answer and what it cost when the LM made it.

    ``recorded`` is False for a row cached before costs were recorded: its
    tokens and cost read 0 but are unknown.
    """

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    recorded: bool = True
    logprobs: tuple[TokenLogprobs, ...] | None = None


class Cache:
    """LM answers on disk under ``directory``; one SQLite connection per thread."""

    FILENAME = "lm-cache.sqlite3"

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.path = self.directory / self.FILENAME
        self._idle: list[sqlite3.Connection] = []  # open connections no thread is using
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with self._connection():  # create (or migrate) the file and table now, so errors surface at construction
                pass
            self._writes = _writes_of(self.path)
        except _FAULTS as exc:
            raise CacheError(self.path, "opened", exc) from exc

    @staticmethod
    def default_dir() -> Path:
        """``$LMC_CACHE_DIR``, else ``$XDG_CACHE_HOME/lmc``, else ``~/.cache/lmc``."""
        explicit = os.environ.get("LMC_CACHE_DIR")
        if explicit:
            return Path(explicit).expanduser()
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
        return base / "lmc"

    @staticmethod
    def key(request: Mapping[str, Any]) -> str:
        """The SHA-256 of the request's canonical JSON (sorted keys, no whitespace)."""
        canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def get(self, key: str) -> str | None:
        """The cached answer's text, None when there is none."""
        answer = self.answer(key)
        return None if answer is None else answer.text

    def answer(self, key: str) -> Answer | None:
        """The cached answer with its recorded tokens and cost, None when there is none (``CacheError``: damaged)."""
        queued = self._writes.get(key)
        if queued is not None:
            return queued
        query = "SELECT text, prompt_tokens, completion_tokens, cost_usd, logprobs FROM answers WHERE key = ?"
        try:
            with self._connection() as connection:
                row = connection.execute(query, (key,)).fetchone()
            if row is None:
                return None
            text, prompt_tokens, completion_tokens, cost_usd, logprobs = row
            if not isinstance(text, str):
                raise TypeError(f"a cached answer is {type(text).__name__}, not text")
            tokens = None if logprobs is None else tuple(TokenLogprobs.from_json(t) for t in json.loads(logprobs))
            if prompt_tokens is None or completion_tokens is None or cost_usd is None:
                return Answer(text, recorded=False, logprobs=tokens)
            return Answer(text, int(prompt_tokens), int(completion_tokens), float(cost_usd), logprobs=tokens)
        except _FAULTS as exc:
            raise CacheError(self.path, "read", exc) from exc

    def put(
        self,
        key: str,
        model: str,
        text: str,
        *,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        cost_usd: float = 0.0,
        logprobs: tuple[TokenLogprobs, ...] | None = None,
    ) -> None:
        """Store an answer with what it cost (replacing any answer under ``key``): queued, written behind.

        Raises ``CacheError`` when an earlier write of this file failed (that once).
        """
        tokens = None if logprobs is None else json.dumps([t.to_json() for t in logprobs], ensure_ascii=False)
        row = (key, model, text, prompt_tokens, completion_tokens, cost_usd, tokens)
        self._writes.add(key, row, Answer(text, prompt_tokens, completion_tokens, cost_usd, logprobs=logprobs))

    def flush(self) -> None:
        """Wait until every answer put in this file by this process is written (``CacheError``: a write failed)."""
        self._writes.flush()

    def __len__(self) -> int:
        self.flush()
        with self._connection() as connection:
            (count,) = connection.execute("SELECT COUNT(*) FROM answers").fetchone()
        return int(count)

    def close(self) -> None:
        """Write what is queued, then close every connection; the cache reopens lazily if used again."""
        self.flush()
        with self._lock:
            connections, self._connections, self._idle = self._connections, [], []
        for connection in connections:
            connection.close()

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """A connection for one statement: an idle one, or a new one. Connections are kept for the
        threads that come next (an optimizer starts new ones for every evaluation), never one per thread."""
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        if connection is None:
            connection = _open(self.path)  # autocommit (isolation_level=None): a statement is a transaction
            with self._lock:
                self._connections.append(connection)
        try:
            yield connection
        finally:
            with self._lock:
                if connection in self._connections:  # not closed meanwhile
                    self._idle.append(connection)

    def __repr__(self) -> str:
        return f"Cache({str(self.directory)!r})"


class _Writes:
    """The answers this process put into one cache file and has not written yet, and the thread writing them.

    ``add`` queues; the writer takes the whole queue every ``_GATHER_SECONDS``
    (at once when someone flushes) and writes it in one transaction. Readers
    look in the queue, then in the batch being written, without a lock: the
    writer hands the queue over as the batch before it starts a new queue,
    and lets the batch go only once it is committed, so an answer put is in
    one of them or in the file (dictionary reads and assignments are atomic
    in CPython). A fork's child starts with an empty queue: its parent
    writes what it queued.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._start()

    def _start(self) -> None:
        self._pid = os.getpid()
        self._changed = threading.Condition()
        self._queued: dict[str, tuple[tuple[Any, ...], Answer]] = {}
        self._writing: dict[str, tuple[tuple[Any, ...], Answer]] = {}  # the batch in its transaction
        self._error: CacheError | None = None  # a failed write, raised once by the next add or flush
        self._hurry = 0  # flushes waiting: no gathering
        self._thread: threading.Thread | None = None

    def get(self, key: str) -> Answer | None:
        found = self._queued.get(key) or self._writing.get(key)
        return None if found is None else found[1]

    def add(self, key: str, row: tuple[Any, ...], answer: Answer) -> None:
        if self._pid != os.getpid():
            self._start()
        with self._changed:
            self._raise_error()
            self._queued[key] = (row, answer)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lmc-cache-writer", daemon=True)
                self._thread.start()
            elif len(self._queued) == 1:
                self._changed.notify_all()

    def flush(self) -> None:
        if self._pid != os.getpid():
            self._start()
        with self._changed:
            self._hurry += 1
            self._changed.notify_all()
            try:
                while (self._queued or self._writing) and self._error is None and self._writer_alive():
                    self._changed.wait(1.0)
            finally:
                self._hurry -= 1
            self._raise_error()

    def _writer_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _raise_error(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise error

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        while True:
            with self._changed:
                while not self._queued:
                    self._changed.wait()
                if not self._hurry:
                    self._changed.wait(_GATHER_SECONDS)  # more answers come meanwhile; a flush cuts it short
                self._writing, self._queued = self._queued, {}
                rows = [row for row, _ in self._writing.values()]
            error = None
            try:
                if connection is None:
                    connection = _open(self.path)
                connection.execute("BEGIN IMMEDIATE")
                try:
                    connection.executemany(_INSERT, rows)
                    connection.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):  # the fault is the write's, not the rollback's
                        connection.execute("ROLLBACK")
                    raise
            except Exception as exc:  # noqa: BLE001 (any fault: the batch is lost, its answers asked again later)
                error = CacheError(self.path, "written", exc)
                if connection is not None:
                    connection.close()
                connection = None
            with self._changed:
                self._writing = {}
                if error is not None:
                    self._error = error
                self._changed.notify_all()


_WRITES: dict[str, _Writes] = {}
_WRITES_LOCK = threading.Lock()


def _after_fork() -> None:
    global _WRITES_LOCK
    _WRITES_LOCK = threading.Lock()  # another thread may have held it at the fork


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def _writes_of(path: Path) -> _Writes:
    """The one queue of ``path`` in this process, shared by every ``Cache`` of it."""
    name = str(path.resolve())
    with _WRITES_LOCK:
        writes = _WRITES.get(name)
        if writes is None:
            writes = _WRITES[name] = _Writes(path)
        return writes


def flush_writes() -> None:
    """Write every answer this process has queued, in every cache file (``CacheError``: a write failed)."""
    with _WRITES_LOCK:
        every = list(_WRITES.values())
    for writes in every:
        writes.flush()


@atexit.register
def _flush_at_exit() -> None:
    """The answers queued when the interpreter exits are written; a failure is said in one line."""
    import sys

    try:
        flush_writes()
    except CacheError as exc:
        print(f"lmc: the last LM answers were not kept: {exc}", file=sys.stderr)


def _open(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=_BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
    try:
        _setup(connection)
    except BaseException:
        connection.close()
        raise
    return connection


def _setup(connection: sqlite3.Connection) -> None:
    """WAL mode, the table, and the columns an older file lacks. Switching to WAL needs
    a lock that SQLite's busy handler does not wait for, so two processes opening a new
    cache at the same moment can see "database is locked": retry for up to the busy timeout."""
    deadline = time.monotonic() + _BUSY_TIMEOUT
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(_SCHEMA)
            _add_columns(connection)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _add_columns(connection: sqlite3.Connection) -> None:
    """Migrate a file written before answers' costs were recorded (its rows keep NULL: not recorded)."""
    present = {row[1] for row in connection.execute("PRAGMA table_info(answers)")}
    for name, sql_type in _ADDED_COLUMNS:
        if name in present:
            continue
        try:
            connection.execute(f"ALTER TABLE answers ADD COLUMN {name} {sql_type}")
        except sqlite3.OperationalError as exc:
            if "duplicate column" not in str(exc):  # another process added it first
                raise
