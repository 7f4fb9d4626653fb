"""Progress in a local SQLite file: the embedded default for the chat and ``knee-coach serve``.

``serve`` runs several worker processes, each with several threads, all writing the same file.
What makes that safe:

* WAL journal: readers never block the writer and the writer never blocks readers;
* ``busy_timeout``: a writer waiting for another writer's lock retries inside SQLite for up to
  the store timeout instead of failing with "database is locked";
* every operation is one autocommitted statement, so no transaction ever needs to upgrade a
  read lock to a write lock, the one case ``busy_timeout`` cannot help with. A write is a
  compare-and-set in that one statement: ``UPDATE ... WHERE key = ? AND version = ?`` (or, for
  a record not there yet, ``INSERT ... ON CONFLICT DO UPDATE ... WHERE version = 0``), and a
  write that changed no row met another's write first (:class:`~skill.store.base.WriteConflict`);
* one connection per thread and per process (re-opened after ``fork``), because a SQLite
  connection must not be shared across either.

And what it does when the file misbehaves:

* read-only (permissions, a read-only mount): opened anyway; saved progress is read, writes
  fail as ``read_only`` (nothing to create, switch or purge first);
* not a database, or damaged: moved aside as ``progress.db.corrupt-<time>`` with a warning, and
  a new file started (the person loses a bookmark, never the session);
* deleted or replaced while open: noticed before the next statement (the path no longer leads
  to the file this connection has), warned about, and opened again, instead of writing to a
  file nobody will ever read;
* after a delete ("forget me", a disabled skill): ``secure_delete`` zeroes the freed content
  and a WAL checkpoint (``TRUNCATE``) empties the write-ahead log, so no copy of the record is
  left in either file.

Schema (one table, created on first use)::

    CREATE TABLE progress (
        key        TEXT PRIMARY KEY,  -- HMAC-SHA256 hex of the Alexa user ID (skill.store.userkey)
        attributes TEXT NOT NULL,     -- JSON object, keys from skill.store.progress.ALLOWED_KEYS
        updated_at REAL NOT NULL,     -- epoch seconds of the last write
        expires_at INTEGER NOT NULL,  -- epoch seconds; the row is ignored and purged after it
        version    INTEGER NOT NULL DEFAULT 0  -- random per write; 0: written before versions
    )

A file made before versions gets the ``version`` column when it is opened (its rows read as
version 0, which a write may replace as it would a missing record).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model.request_envelope import RequestEnvelope

from skill.store.base import (
    NO_RECORD,
    RETENTION_S,
    CorruptRecordError,
    VersionedAdapter,
    WriteConflict,
    new_version,
)
from skill.store.userkey import Keygen

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS progress (
    key        TEXT PRIMARY KEY,
    attributes TEXT NOT NULL,
    updated_at REAL NOT NULL,
    expires_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 0
)
"""
_ADD_VERSION = "ALTER TABLE progress ADD COLUMN version INTEGER NOT NULL DEFAULT 0"
_READ = "SELECT attributes, expires_at, version FROM progress WHERE key = ?"
_READ_UNVERSIONED = "SELECT attributes, expires_at, 0 FROM progress WHERE key = ?"
_UPSERT = """
INSERT INTO progress (key, attributes, updated_at, expires_at, version) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
    attributes = excluded.attributes,
    updated_at = excluded.updated_at,
    expires_at = excluded.expires_at,
    version = excluded.version
"""
_INSERT_IF_NONE = _UPSERT + "WHERE progress.version = 0"
_UPDATE_IF = """
UPDATE progress SET attributes = ?, updated_at = ?, expires_at = ?, version = ?
WHERE key = ? AND version = ?
"""
_DAMAGED = ("file is not a database", "database disk image is malformed")
_READ_ONLY = ("readonly", "read-only")


class _Connection:
    """One thread's connection, and which file it has open (to notice a deleted file)."""

    def __init__(self, conn: sqlite3.Connection, identity: tuple[int, int] | None) -> None:
        self.conn = conn
        self.identity = identity
        self.pid = os.getpid()


class SqliteAdapter(VersionedAdapter):
    """Versioned persistence adapter over one SQLite file; raises ``PersistenceException``."""

    def __init__(
        self,
        path: Path | str,
        timeout_s: float = 1.5,
        *,
        keygen: Keygen,
        retention_s: int = RETENTION_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s
        self._keygen = keygen
        self._retention_s = retention_s
        self._clock = clock
        self._local = threading.local()
        self._repair_lock = threading.Lock()

    def read(self, request_envelope: RequestEnvelope) -> tuple[dict[str, object], int]:
        key = self._keygen(request_envelope)
        try:
            row = self._run("read", _READ, (key,)).fetchone()
        except PersistenceException as error:
            if "no such column: version" not in str(error):
                raise
            # A file from before versions that could not be upgraded (it is read-only).
            row = self._run("read", _READ_UNVERSIONED, (key,)).fetchone()
        if row is None:
            return {}, NO_RECORD
        version = row[2] if isinstance(row[2], int) else NO_RECORD
        if row[1] <= self._clock():
            return {}, version  # expired: nothing to read, but a write replaces this version
        try:
            attributes = json.loads(row[0])
        except (TypeError, ValueError) as error:
            raise CorruptRecordError("stored progress is not valid JSON", version) from error
        if not isinstance(attributes, dict):
            kind = type(attributes).__name__
            raise CorruptRecordError(f"stored progress is a {kind}", version)
        return attributes, version

    def write(
        self, request_envelope: RequestEnvelope, attributes: dict[str, object], expected: int
    ) -> int:
        key, text, now, expires = self._row(request_envelope, attributes)
        version = new_version()
        if expected == NO_RECORD:
            changed = self._run("write", _INSERT_IF_NONE, (key, text, now, expires, version))
        else:
            changed = self._run("write", _UPDATE_IF, (text, now, expires, version, key, expected))
        if changed.rowcount != 1:
            raise WriteConflict("the record changed since it was read")
        return version

    def save_attributes(
        self, request_envelope: RequestEnvelope, attributes: dict[str, object]
    ) -> None:
        """Write unconditionally (the SDK's interface): whatever is stored is replaced."""
        key, text, now, expires = self._row(request_envelope, attributes)
        self._run("write", _UPSERT, (key, text, now, expires, new_version()))

    def _row(
        self, request_envelope: RequestEnvelope, attributes: dict[str, object]
    ) -> tuple[str, str, float, int]:
        try:
            text = json.dumps(attributes, separators=(",", ":"), allow_nan=False, sort_keys=True)
        except (TypeError, ValueError) as error:
            raise PersistenceException(f"progress is not JSON-serialisable: {error}") from error
        now = self._clock()
        return self._keygen(request_envelope), text, now, int(now + self._retention_s)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self._run("delete", "DELETE FROM progress WHERE key = ?", (self._keygen(request_envelope),))
        self._checkpoint()

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        held: _Connection | None = getattr(self._local, "held", None)
        if held is not None:
            held.conn.close()
            self._local.held = None

    # ---- internals -------------------------------------------------------------------

    def _run(self, what: str, sql: str, params: tuple[object, ...]) -> sqlite3.Cursor:
        try:
            try:
                return self._connection().execute(sql, params)
            except sqlite3.DatabaseError as error:
                if not _damaged(error):
                    raise
                self._move_aside(str(error))  # then one more try, on a new file
                return self._connection().execute(sql, params)
        except (sqlite3.Error, OSError) as error:
            raise PersistenceException(f"SQLite {what} failed: {error}") from error

    def _connection(self) -> sqlite3.Connection:
        held: _Connection | None = getattr(self._local, "held", None)
        if held is not None and held.pid == os.getpid():
            if held.identity is None or held.identity == self._identity():
                return held.conn
            log.warning("progress database %s was deleted or replaced; opening it again", self.path)
            held.conn.close()
        self._local.held = None
        try:
            conn = self._open()
        except sqlite3.DatabaseError as error:
            if not _damaged(error):
                raise
            self._move_aside(str(error))
            conn = self._open()
        return conn

    def _identity(self) -> tuple[int, int] | None:
        """(device, inode) of the file at ``path`` now; None for an in-memory database."""
        if str(self.path) == ":memory:":
            return None
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return (-1, -1)  # gone: never equal to what a connection has open
        return stat.st_dev, stat.st_ino

    def _open(self) -> sqlite3.Connection:
        """Connect, then set up the file: WAL mode, the table, expired rows purged.

        A read-only file skips the set-up that writes and is used for reading.
        """
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout_s * 1000)}")
            conn.execute("PRAGMA secure_delete = ON")
            try:
                self._enable_wal(conn)
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute(_SCHEMA)
                _add_version_column(conn)
                conn.execute("DELETE FROM progress WHERE expires_at <= ?", (int(self._clock()),))
            except sqlite3.OperationalError as error:
                if not _read_only(error):
                    raise
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # readable?
                self._warn_read_only()
        except sqlite3.OperationalError as error:
            conn.close()
            if "unable to open" not in str(error) or not self.path.is_file():
                raise
            return self._open_read_only()
        except BaseException:
            conn.close()
            raise
        self._local.held = _Connection(conn, self._identity())
        return conn

    def _open_read_only(self) -> sqlite3.Connection:
        """A WAL file in a directory we may not write: SQLite cannot even create its shared
        memory file there, so the file is opened as immutable (nobody can change it anyway)."""
        uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1"
        conn = sqlite3.connect(uri, uri=True, timeout=self.timeout_s, isolation_level=None)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except BaseException:
            conn.close()
            raise
        self._warn_read_only()
        self._local.held = _Connection(conn, self._identity())
        return conn

    def _warn_read_only(self) -> None:
        log.warning(
            "progress database %s is read-only: saved progress is read, nothing is saved",
            self.path,
        )

    def _move_aside(self, why: str) -> None:
        """Rename a damaged file (and its WAL and shared-memory files) so a new one can start."""
        self.close()
        with self._repair_lock:
            if not self.path.exists():
                return
            stamp = time.strftime("%Y%m%d-%H%M%S")
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
            try:
                self.path.replace(target)
                for suffix in ("-wal", "-shm"):
                    side = self.path.with_name(self.path.name + suffix)
                    if side.exists():
                        side.replace(target.with_name(target.name + suffix))
            except FileNotFoundError:
                return  # another thread or process moved it first
            log.warning(
                "progress database %s is damaged (%s): moved to %s, starting a new one",
                self.path,
                why,
                target.name,
            )

    def _checkpoint(self) -> None:
        """Copy the WAL into the file and truncate it, so a deleted record leaves no copy."""
        try:
            busy = self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.Error as error:
            log.warning("checkpoint after a delete failed: %s", error)
            return
        if busy:
            log.warning("checkpoint after a delete was blocked; the WAL is emptied later")

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


def _add_version_column(conn: sqlite3.Connection) -> None:
    """Give a file made before versions its ``version`` column (once; another process may be
    doing the same at this moment, and one of the two finds the column already there)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(progress)")}
    if "version" in columns:
        return
    try:
        conn.execute(_ADD_VERSION)
    except sqlite3.OperationalError as error:
        if "duplicate column" not in str(error):
            raise


def _damaged(error: sqlite3.DatabaseError) -> bool:
    return not isinstance(error, sqlite3.OperationalError) and any(
        text in str(error) for text in _DAMAGED
    )


def _read_only(error: sqlite3.OperationalError) -> bool:
    return any(text in str(error) for text in _READ_ONLY)
