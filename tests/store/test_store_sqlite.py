"""The SQLite store, the fault boundary around every store, and the dialog-facing ProgressStore."""

from __future__ import annotations

import json
import logging
import multiprocessing
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model.context import Context
from ask_sdk_model.interfaces.system.system_state import SystemState
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_model.user import User

from skill.settings import Settings
from skill.store.base import CorruptRecordError
from skill.store.factory import make_persistence_adapter
from skill.store.progress import ALLOWED_KEYS, Progress
from skill.store.progress_store import ProgressStore
from skill.store.resilient import ResilientAdapter, classify
from skill.store.sqlite import SqliteAdapter
from skill.store.userkey import user_keygen

USER = "amzn1.ask.account.AGF7EXAMPLEUSERIDTHATMUSTNOTLEAK"
NOW = 1_750_000_000.0
SECRET = b"a-test-deployment-secret-of-32-chars"
KEYGEN = user_keygen(lambda: SECRET)


def envelope(user_id: str | None = USER) -> RequestEnvelope:
    user = User(user_id=user_id) if user_id else None
    return RequestEnvelope(context=Context(system=SystemState(user=user)))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "dir" / "progress.db"


@pytest.fixture
def adapter(db: Path) -> Iterator[SqliteAdapter]:
    a = SqliteAdapter(db, timeout_s=1.0, keygen=KEYGEN)
    yield a
    a.close()


def rows(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT key, attributes FROM progress ORDER BY key"))


# ---- the SQLite adapter -----------------------------------------------------------------


def test_round_trip_creates_the_file_in_wal_mode_keyed_by_hash(
    adapter: SqliteAdapter, db: Path
) -> None:
    assert adapter.get_attributes(envelope()) == {}
    record = Progress().at("full", 1, 2, NOW).to_record()
    adapter.save_attributes(envelope(), record)
    assert adapter.get_attributes(envelope()) == record
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert rows(db)[0][0] == KEYGEN(envelope())
    on_disk = b"".join(p.read_bytes() for p in db.parent.iterdir())
    assert USER.encode() not in on_disk
    assert KEYGEN(envelope()).encode() in on_disk


def test_save_is_an_upsert(adapter: SqliteAdapter, db: Path) -> None:
    adapter.save_attributes(envelope(), {"v": 2, "step": 1})
    adapter.save_attributes(envelope(), {"v": 2, "step": 2})
    adapter.save_attributes(envelope("other"), {"v": 2, "step": 9})
    assert adapter.get_attributes(envelope()) == {"v": 2, "step": 2}
    assert len(rows(db)) == 2


def test_delete_removes_only_that_user(adapter: SqliteAdapter, db: Path) -> None:
    adapter.save_attributes(envelope(), {"v": 2})
    adapter.save_attributes(envelope("other"), {"v": 2})
    adapter.delete_attributes(envelope())
    adapter.delete_attributes(envelope())  # deleting nothing is fine
    assert adapter.get_attributes(envelope()) == {}
    assert adapter.get_attributes(envelope("other")) == {"v": 2}


@pytest.mark.parametrize("stored", ["{not json", "[1, 2]", '"text"'])
def test_corrupt_row_raises_corrupt_record(adapter: SqliteAdapter, db: Path, stored: str) -> None:
    adapter.save_attributes(envelope(), {"v": 2})
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE progress SET attributes = ?", (stored,))
    with pytest.raises(CorruptRecordError):
        adapter.get_attributes(envelope())


def test_expired_rows_are_ignored_and_purged(db: Path) -> None:
    clock = [NOW]
    a = SqliteAdapter(db, retention_s=100, clock=lambda: clock[0], keygen=KEYGEN)
    a.save_attributes(envelope(), {"v": 2})
    clock[0] += 101
    assert a.get_attributes(envelope()) == {}
    a.close()
    SqliteAdapter(db, clock=lambda: clock[0], keygen=KEYGEN).get_attributes(envelope("other"))
    assert rows(db) == []


def test_unserialisable_attributes_raise_persistence_exception(adapter: SqliteAdapter) -> None:
    with pytest.raises(PersistenceException):
        adapter.save_attributes(envelope(), {"v": float("nan")})


def test_unopenable_file_raises_persistence_exception(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(PersistenceException):
        SqliteAdapter(blocker / "progress.db", keygen=KEYGEN).get_attributes(envelope())


def test_threads_share_one_adapter_safely(adapter: SqliteAdapter) -> None:
    """Eight threads open their connections to a new file at once, then write and read."""
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(50):
                adapter.save_attributes(envelope(f"t{t}"), {"v": 2, "step": i})
                adapter.get_attributes(envelope(f"t{t}"))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(adapter.get_attributes(envelope(f"t{t}"))["step"] == 49 for t in range(8))


PROCESSES = 4
WRITES = 300


def _writer(path: str, proc: int, barrier: Any, results: Any) -> None:
    """One worker process: its own keys plus one key every process fights over.

    All start together on a file that does not exist yet, so they also race to create it.
    """
    a = SqliteAdapter(path, timeout_s=1.5, keygen=KEYGEN)
    errors = []
    barrier.wait(timeout=30)
    started = time.perf_counter()
    for i in range(WRITES):
        for user in (f"p{proc}-{i}", "shared"):
            try:
                a.save_attributes(envelope(user), {"v": 2, "completed": i, "step": proc})
            except Exception as error:
                errors.append(f"{type(error).__name__}: {error}")
    results.put((errors, started, time.perf_counter()))


@pytest.mark.slow
def test_several_processes_writing_at_once_lose_nothing(db: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(str(db), p, barrier, results)) for p in range(PROCESSES)
    ]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=60) for _ in procs]
    for proc in procs:
        proc.join(timeout=10)
    assert [e for errors, _, _ in outcomes for e in errors] == []  # no "database is locked"
    starts, ends = [o[1] for o in outcomes], [o[2] for o in outcomes]
    assert max(starts) < min(ends), "the writers did not overlap; the test proved nothing"
    a = SqliteAdapter(db, keygen=KEYGEN)
    for p in range(PROCESSES):
        for i in range(WRITES):
            assert a.get_attributes(envelope(f"p{p}-{i}")) == {"v": 2, "completed": i, "step": p}
    shared = a.get_attributes(envelope("shared"))
    assert shared["completed"] == WRITES - 1 and shared["step"] in range(PROCESSES)
    assert len(rows(db)) == PROCESSES * WRITES + 1
    took = max(ends) - min(starts)
    print(f"{PROCESSES * WRITES * 2} writes by {PROCESSES} processes in {took:.3f}s")


# ---- the fault boundary -----------------------------------------------------------------


class Failing(AbstractPersistenceAdapter):
    """An adapter that raises the given error on every call and counts the calls."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, object]:
        self.calls += 1
        raise self.error

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: Any) -> None:
        self.calls += 1
        raise self.error

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self.calls += 1
        raise self.error


class Recording(AbstractPersistenceAdapter):
    """An in-memory adapter that keeps what it was asked to save."""

    def __init__(self, stored: Any = None) -> None:
        self.stored: Any = stored if stored is not None else {}
        self.saves: list[dict[str, object]] = []

    def get_attributes(self, request_envelope: RequestEnvelope) -> Any:
        return self.stored

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: Any) -> None:
        self.saves.append(dict(attributes))
        self.stored = dict(attributes)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self.stored = {}


def _wrapped(error: Exception) -> PersistenceException:
    try:
        raise error
    except Exception:
        try:
            raise PersistenceException("backend failed")
        except PersistenceException as outer:
            return outer


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (_wrapped(sqlite3.OperationalError("database is locked")), "busy"),
        (_wrapped(sqlite3.OperationalError("no such table: progress")), "table_missing"),
        (_wrapped(sqlite3.OperationalError("unable to open database file")), "unreachable"),
        (_wrapped(TimeoutError()), "timeout"),
        (CorruptRecordError("bad"), "corrupt"),
        (_wrapped(KeyError("x")), "error"),
    ],
)
def test_failures_are_classified_through_the_exception_chain(error: Exception, kind: str) -> None:
    assert classify(error) == kind


def test_failing_store_never_raises_and_warns_once_per_kind(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inner = Failing(_wrapped(sqlite3.OperationalError("database is locked")))
    resilient = ResilientAdapter(inner, keygen=KEYGEN)
    with caplog.at_level(logging.DEBUG, logger="skill.store"):
        for _ in range(3):
            assert resilient.get_attributes(envelope()) == {}
            assert resilient.try_get(envelope()) == ({}, False)
            resilient.save_attributes(envelope(), {"v": 2})
            resilient.delete_attributes(envelope())
    assert inner.calls == 12
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert sorted(r.getMessage().split(" failed")[0] for r in warnings) == [
        "progress store delete",
        "progress store get",
        "progress store save",
    ]
    assert all("(busy)" in r.getMessage() for r in warnings)
    assert KEYGEN(envelope())[:8] in warnings[0].getMessage()
    assert all(USER not in r.getMessage() for r in caplog.records)
    assert KEYGEN(envelope()) not in caplog.text


def test_warning_repeats_after_the_quiet_period(caplog: pytest.LogCaptureFixture) -> None:
    clock = [0.0]
    resilient = ResilientAdapter(Failing(TimeoutError()), clock=lambda: clock[0])
    with caplog.at_level(logging.WARNING, logger="skill.store"):
        resilient.get_attributes(envelope())
        resilient.get_attributes(envelope())
        clock[0] += 301
        resilient.get_attributes(envelope())
    assert len(caplog.records) == 2
    assert "1 similar failures" in caplog.records[1].getMessage()


def test_request_without_a_user_degrades(caplog: pytest.LogCaptureFixture) -> None:
    resilient = ResilientAdapter(SqliteAdapter(":memory:", keygen=KEYGEN))
    assert resilient.try_get(envelope(None)) == ({}, False)
    assert "for user unknown" in caplog.text


def test_slow_store_is_reported_but_its_answer_used(caplog: pytest.LogCaptureFixture) -> None:
    ticks = iter([0.0, 2.0, 2.0])
    resilient = ResilientAdapter(Recording({"v": 2}), timeout_s=1.5, clock=lambda: next(ticks))
    assert resilient.try_get(envelope()) == ({"v": 2}, True)
    assert "(slow)" in caplog.text and "took 2.00s" in caplog.text


def test_non_dict_from_a_backend_is_corrupt_but_the_store_is_available() -> None:
    assert ResilientAdapter(Recording(["v", 2])).try_get(envelope()) == ({}, True)


def test_locked_database_degrades_within_the_timeout(db: Path) -> None:
    resilient = ResilientAdapter(SqliteAdapter(db, timeout_s=0.2, keygen=KEYGEN))
    resilient.save_attributes(envelope(), {"v": 2})
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        started = time.perf_counter()
        assert resilient.try_save(envelope(), {"v": 2, "step": 1}) is False
        assert 0.15 < time.perf_counter() - started < 2.0
        assert resilient.try_get(envelope()) == ({"v": 2}, True)  # WAL: readers never wait
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert resilient.try_save(envelope(), {"v": 2, "step": 1}) is True


def test_safety_answers_never_reach_the_database(db: Path) -> None:
    resilient = ResilientAdapter(SqliteAdapter(db, keygen=KEYGEN))
    attributes = Progress().at("full", 0, 1, NOW).to_record() | {
        "safety": {"osteoporosis": "yes"},
        "answers": ["yes", "no"],
    }
    assert resilient.try_save(envelope(), attributes) is True
    ((_, stored),) = rows(db)
    assert set(json.loads(stored)) <= ALLOWED_KEYS
    on_disk = b"".join(p.read_bytes() for p in db.parent.iterdir())
    assert b"osteoporosis" not in on_disk and b"answers" not in on_disk


# ---- ProgressStore: what the dialog layer calls -----------------------------------------


def test_progress_store_resume_after_the_session_ends(db: Path) -> None:
    first = ProgressStore(SqliteAdapter(db, keygen=KEYGEN))
    loaded = first.load(envelope())
    assert (loaded.available, loaded.status) == (True, "empty")
    assert (
        first.save(envelope(), loaded, loaded.progress.at("full", 1, 2, NOW), NOW).written is True
    )
    again = ProgressStore(SqliteAdapter(db, keygen=KEYGEN)).load(envelope())  # a new process, say
    assert again.progress.has_resumable_routine(NOW + 60)
    assert (again.progress.technique, again.progress.step) == (1, 2)


def test_progress_store_writes_only_changes() -> None:
    inner = Recording()
    store = ProgressStore(inner)
    loaded = store.load(envelope())
    assert store.save(envelope(), loaded, loaded.progress, NOW).written is False
    assert store.save(envelope(), loaded, loaded.progress.intro_heard(), NOW).written is True
    reloaded = store.load(envelope())
    assert store.save(envelope(), reloaded, reloaded.progress.touched(NOW), NOW).written is True
    assert len(inner.saves) == 2


def test_progress_store_rewrites_a_record_that_needed_repair() -> None:
    inner = Recording({"v": 3, "pace": "fast", "heard_intro": True})
    store = ProgressStore(inner)
    loaded = store.load(envelope())
    assert loaded.status == "repaired"
    assert store.save(envelope(), loaded, loaded.progress, NOW).written is True
    assert inner.saves[0]["pace"] == 1.0 and inner.saves[0]["heard_intro"] is True


def test_progress_store_never_overwrites_what_it_could_not_read() -> None:
    inner = Failing(TimeoutError())
    store = ProgressStore(inner)
    loaded = store.load(envelope())
    assert (loaded.available, loaded.status) == (False, "unavailable")
    assert loaded.progress == Progress()
    assert store.save(envelope(), loaded, loaded.progress.intro_heard(), NOW).written is False
    assert inner.calls == 1
    assert store.forget(envelope()) is False


def test_progress_store_forget(db: Path) -> None:
    store = ProgressStore(SqliteAdapter(db, keygen=KEYGEN))
    loaded = store.load(envelope())
    store.save(envelope(), loaded, loaded.progress.intro_heard(), NOW)
    assert store.forget(envelope()) is True
    assert store.load(envelope()).status == "empty"


def test_progress_store_without_persistence() -> None:
    store = ProgressStore(None)
    loaded = store.load(envelope())
    assert (loaded.available, loaded.status) == (False, "unavailable")
    assert store.save(envelope(), loaded, loaded.progress.intro_heard(), NOW).written is False
    assert store.forget(envelope()) is True


# ---- the factory ------------------------------------------------------------------------


def test_factory_picks_the_backend(tmp_path: Path) -> None:
    settings = Settings().with_(sqlite_path=tmp_path / "p.db", store_timeout_s=0.5)
    adapter = make_persistence_adapter(settings)
    assert isinstance(adapter, ResilientAdapter)
    assert isinstance(adapter.inner, SqliteAdapter)
    assert adapter.inner.path == tmp_path / "p.db" and adapter.inner.timeout_s == 0.5
    assert make_persistence_adapter(settings.with_(persistence="none")) is None
    with pytest.raises(ValueError, match="sqlite, dynamodb or none"):
        make_persistence_adapter(settings.with_(persistence="redis"))
    no_region = settings.with_(persistence="dynamodb")
    with pytest.raises(ValueError, match="region"):
        make_persistence_adapter(no_region)


def test_the_local_path_never_imports_boto3(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from skill.settings import Settings\n"
        "from skill.store.factory import make_persistence_adapter\n"
        "from skill.store.progress_store import ProgressStore\n"
        f"s = Settings().with_(sqlite_path={str(tmp_path / 'p.db')!r})\n"
        "ProgressStore(make_persistence_adapter(s))\n"
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules, 'imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
