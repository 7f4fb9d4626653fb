"""Progress in a local SQLite file: the embedded default for the chat and ``knee-coach serve``.

``serve`` runs several worker processes, each with several threads, all writing the same file.
What makes that safe:

* WAL journal: readers never block the writer and the writer never blocks readers;
* ``busy_timeout``: a writer waiting for another writer's lock retries inside SQLite for up to
  the store timeout instead of failing with "database is locked";
* every operation is one autocommitted statement (the write an atomic ``INSERT ... ON CONFLICT
  DO UPDATE``), so no transaction ever needs to upgrade a read lock to a write lock, the one
  case ``busy_timeout`` cannot help with;
* one connection per thread and per process (re-opened after ``fork``), because a SQLite
  connection must not be shared across either.

Schema (one table, created on first use)::

    CREATE TABLE progress (
        key        TEXT PRIMARY KEY,  -- SHA-256 hex of the Alexa user ID
        attributes TEXT NOT NULL,     -- JSON object, keys from skill.progress.ALLOWED_KEYS
        updated_at REAL NOT NULL,     -- epoch seconds of the last write
        expires_at INTEGER NOT NULL   -- epoch seconds; the row is ignored and purged after it
    )
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model.request_envelope import RequestEnvelope

from skill.store import RETENTION_S, CorruptRecordError, Keygen, hashed_user_key

_SCHEMA = """
CREATE TABLE IF NOT EXISTS progress (
    key        TEXT PRIMARY KEY,
    attributes TEXT NOT NULL,
    updated_at REAL NOT NULL,
    expires_at INTEGER NOT NULL
)
"""
_UPSERT = """
INSERT INTO progress (key, attributes, updated_at, expires_at) VALUES (?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
    attributes = excluded.attributes,
    updated_at = excluded.updated_at,
    expires_at = excluded.expires_at
"""


class SqliteAdapter(AbstractPersistenceAdapter):
    """ASK SDK persistence adapter over one SQLite file; raises ``PersistenceException``."""

    def __init__(
        self,
        path: Path | str,
        timeout_s: float = 1.5,
        keygen: Keygen = hashed_user_key,
        retention_s: int = RETENTION_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s
        self._keygen = keygen
        self._retention_s = retention_s
        self._clock = clock
        self._local = threading.local()

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, object]:
        key = self._keygen(request_envelope)
        row = self._run(
            "read", "SELECT attributes, expires_at FROM progress WHERE key = ?", (key,)
        ).fetchone()
        if row is None or row[1] <= self._clock():
            return {}
        try:
            attributes = json.loads(row[0])
        except (TypeError, ValueError) as error:
            raise CorruptRecordError("stored progress is not valid JSON") from error
        if not isinstance(attributes, dict):
            raise CorruptRecordError(f"stored progress is a {type(attributes).__name__}")
        return attributes

    def save_attributes(
        self, request_envelope: RequestEnvelope, attributes: dict[str, object]
    ) -> None:
        key = self._keygen(request_envelope)
        try:
            text = json.dumps(attributes, separators=(",", ":"), allow_nan=False, sort_keys=True)
        except (TypeError, ValueError) as error:
            raise PersistenceException(f"progress is not JSON-serialisable: {error}") from error
        now = self._clock()
        self._run("write", _UPSERT, (key, text, now, int(now + self._retention_s)))

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self._run("delete", "DELETE FROM progress WHERE key = ?", (self._keygen(request_envelope),))

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # ---- internals -------------------------------------------------------------------

    def _run(self, what: str, sql: str, params: tuple[object, ...]) -> sqlite3.Cursor:
        try:
            return self._connection().execute(sql, params)
        except (sqlite3.Error, OSError) as error:
            raise PersistenceException(f"SQLite {what} failed: {error}") from error

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            return conn
        conn = self._open()
        self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _open(self) -> sqlite3.Connection:
        """Connect, then create the directory, WAL mode, table, and purge expired rows."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout_s * 1000)}")
            self._enable_wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(_SCHEMA)
            conn.execute("DELETE FROM progress WHERE expires_at <= ?", (int(self._clock()),))
        except BaseException:
            conn.close()
            raise
        return conn

    def _enable_wal(self, conn: sqlite3.Connection) -> None:
        """Switch a new file to WAL, retrying: SQLite skips the busy handler for this pragma.

        Several processes opening a brand-new file together race to switch its journal mode,
        and the losers get "database is locked" at once. The mode is stored in the file, so
        this only happens on first creation.
        """
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                    return
                conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.005)
