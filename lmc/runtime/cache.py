"""A disk cache of LM answers: SQLite in WAL mode, safe across threads and processes.

The key is the SHA-256 of the canonical JSON of the request: the model, the
messages and every option that shapes the answer. Secrets are never part of
a request, so they are never part of a key or of the file. Re-running an
optimization with the same inputs therefore costs no LM calls, and two
processes (say, two ``lmc build`` runs) can share one cache directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["Cache"]

_SCHEMA = "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, model TEXT NOT NULL, text TEXT NOT NULL)"
# How long a writer waits for another process's lock before giving up (seconds).
_BUSY_TIMEOUT = 30.0


class Cache:
    """LM answers on disk under ``directory``; one SQLite connection per thread."""

    FILENAME = "lm-cache.sqlite3"

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.path = self.directory / self.FILENAME
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self.directory.mkdir(parents=True, exist_ok=True)
        self._connection()  # create the file and table now, so errors surface at construction

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
        row = self._connection().execute("SELECT text FROM answers WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def put(self, key: str, model: str, text: str) -> None:
        self._connection().execute(
            "INSERT OR REPLACE INTO answers (key, model, text) VALUES (?, ?, ?)", (key, model, text)
        )

    def __len__(self) -> int:
        return self._connection().execute("SELECT COUNT(*) FROM answers").fetchone()[0]

    def close(self) -> None:
        """Close every thread's connection; the cache reopens lazily if used again."""
        with self._lock:
            connections, self._connections = self._connections, []
            self._local = threading.local()
        for connection in connections:
            connection.close()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            # Autocommit (isolation_level=None): each statement is its own transaction.
            connection = sqlite3.connect(
                self.path, timeout=_BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
            )
            _setup(connection)
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def __repr__(self) -> str:
        return f"Cache({str(self.directory)!r})"


def _setup(connection: sqlite3.Connection) -> None:
    """WAL mode and the table. Switching to WAL needs a lock that SQLite's busy
    handler does not wait for, so two processes opening a new cache at the same
    moment can see "database is locked": retry for up to the busy timeout."""
    deadline = time.monotonic() + _BUSY_TIMEOUT
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(_SCHEMA)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
