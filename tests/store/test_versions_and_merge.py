"""Issue 23: conditional writes in both backends, and the merge of two sessions' records.

The adapters' writes replace only the version they were given (SQLite: one compare-and-set
statement; DynamoDB: ``PutItem`` with a ``ConditionExpression``); :func:`merge` decides what a
write that met another's keeps; :class:`ProgressStore` puts the two together.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_model import LaunchRequest
from ask_sdk_model.context import Context
from ask_sdk_model.interfaces.system.system_state import SystemState
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_model.user import User
from moto_server import REGION, LocalDynamoDB

from skill.store.base import NO_RECORD, VersionedAdapter, WriteConflict
from skill.store.dynamodb import make_dynamodb_adapter
from skill.store.merge import merge
from skill.store.progress import MAX_COMPLETIONS_KEPT, Progress
from skill.store.progress_store import ProgressStore
from skill.store.resilient import ResilientAdapter
from skill.store.sqlite import SqliteAdapter
from skill.store.stamps import Stamps
from skill.store.userkey import user_keygen

USER = "amzn1.ask.account.AGF7VERSIONSUSERWHOSEIDMUSTNEVERLEAK"
KEYGEN = user_keygen(lambda: b"a-test-deployment-secret-of-32-chars")
NOW = 1_767_600_000
TABLE = "KneeCoachProgress"


def envelope(user_id: str = USER) -> RequestEnvelope:
    moment = datetime.fromtimestamp(NOW, timezone.utc)
    return RequestEnvelope(
        context=Context(system=SystemState(user=User(user_id=user_id))),
        request=LaunchRequest(request_id="test", timestamp=moment, locale="en-US"),
    )


@pytest.fixture(params=["sqlite", "dynamodb"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VersionedAdapter]:
    if request.param == "sqlite":
        adapter = SqliteAdapter(tmp_path / "progress.db", keygen=KEYGEN, clock=lambda: NOW)
        yield adapter
        adapter.close()
        return
    server: LocalDynamoDB = request.getfixturevalue("dynamodb")
    yield make_dynamodb_adapter(
        TABLE, REGION, server.endpoint, timeout_s=0.5, keygen=KEYGEN, clock=lambda: NOW
    )


# ---- the adapters: a write replaces only the version it names -------------------------------


def test_a_write_replaces_only_the_version_it_read(backend: VersionedAdapter) -> None:
    assert backend.read(envelope()) == ({}, NO_RECORD)
    first = backend.write(envelope(), {"v": 3, "step": 1}, NO_RECORD)
    assert backend.read(envelope()) == ({"v": 3, "step": 1}, first)
    with pytest.raises(WriteConflict):  # there is a record now: "only if there is none" fails
        backend.write(envelope(), {"v": 3, "step": 9}, NO_RECORD)
    second = backend.write(envelope(), {"v": 3, "step": 2}, first)
    assert second not in (first, NO_RECORD)
    with pytest.raises(WriteConflict):  # the version this session read is gone
        backend.write(envelope(), {"v": 3, "step": 9}, first)
    assert backend.read(envelope()) == ({"v": 3, "step": 2}, second)
    backend.write(envelope("someone-else"), {"v": 3}, NO_RECORD)  # others are not in the way


def test_a_deleted_record_is_not_written_back_over_its_old_version(
    backend: VersionedAdapter,
) -> None:
    version = backend.write(envelope(), {"v": 3, "step": 1}, NO_RECORD)
    backend.delete_attributes(envelope())
    with pytest.raises(WriteConflict):
        backend.write(envelope(), {"v": 3, "step": 2}, version)
    assert backend.read(envelope()) == ({}, NO_RECORD)


def test_an_unconditional_save_still_moves_the_version(backend: VersionedAdapter) -> None:
    """The SDK's save_attributes writes whatever is there; a session that read before loses
    its compare-and-set, as it must."""
    version = backend.write(envelope(), {"v": 3, "step": 1}, NO_RECORD)
    backend.save_attributes(envelope(), {"v": 3, "step": 5})
    attributes, now = backend.read(envelope())
    assert attributes == {"v": 3, "step": 5} and now not in (version, NO_RECORD)
    with pytest.raises(WriteConflict):
        backend.write(envelope(), {"v": 3, "step": 2}, version)


def file_from_before_versions(path: Path) -> None:
    """A store file as the previous release made it: no version column, one v2 record."""
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE progress (key TEXT PRIMARY KEY, attributes TEXT NOT NULL,"
            " updated_at REAL NOT NULL, expires_at INTEGER NOT NULL)"
        )
        db.execute(
            "INSERT INTO progress VALUES (?, ?, ?, ?)",
            (KEYGEN(envelope()), json.dumps({"v": 2, "step": 1}), NOW, NOW + 1000),
        )


def test_a_record_from_before_versions_reads_as_version_0_and_is_replaced(
    tmp_path: Path,
) -> None:
    """A file made by the previous release (no version column) is upgraded when opened."""
    path = tmp_path / "progress.db"
    file_from_before_versions(path)
    adapter = SqliteAdapter(path, keygen=KEYGEN, clock=lambda: NOW)
    assert adapter.read(envelope()) == ({"v": 2, "step": 1}, NO_RECORD)
    version = adapter.write(envelope(), {"v": 3, "step": 2}, NO_RECORD)
    assert adapter.read(envelope()) == ({"v": 3, "step": 2}, version)
    adapter.close()


def test_an_item_from_before_versions_reads_as_version_0_and_is_replaced(
    dynamodb: LocalDynamoDB,
) -> None:
    adapter = make_dynamodb_adapter(TABLE, REGION, dynamodb.endpoint, keygen=KEYGEN)
    for old in ({}, {"version": {"S": "not a number"}}):
        item = {"id": {"S": KEYGEN(envelope())}, "attributes": {"M": {"v": {"N": "2"}}}, **old}
        dynamodb.client().put_item(TableName=TABLE, Item=item)
        assert adapter.read(envelope()) == ({"v": 2}, NO_RECORD)
        version = adapter.write(envelope(), {"v": 3}, NO_RECORD)
        assert adapter.read(envelope()) == ({"v": 3}, version)


def test_the_privacy_gate_keeps_only_known_parts_in_the_times(
    backend: VersionedAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    store = ResilientAdapter(backend)
    record = Progress(heard_intro=True).to_record()
    record["at"] = {**record["at"], "osteoporosis": NOW}
    written = store.try_write(envelope(), {**record, "safety": "yes"}, NO_RECORD)
    assert written.saved
    stored, _ = backend.read(envelope())
    assert "safety" not in stored and "osteoporosis" not in json.dumps(stored)
    assert "at.osteoporosis" in caplog.text and "safety" in caplog.text


# ---- the merge ----------------------------------------------------------------------------------


def at(**stamps: int) -> Stamps:
    return Stamps(**stamps)


BASE = Progress(heard_intro=True, born=NOW - 100).at("full", 1, 0, NOW - 100)
BASE = BASE._replace(set_at=at(position=NOW - 100))


def test_completion_times_are_a_union_and_counted_once() -> None:
    theirs = BASE.completed(NOW)._replace(set_at=at(position=NOW))
    mine = BASE.completed(NOW + 5)._replace(set_at=at(position=NOW + 5))
    merged = merge(mine, theirs)
    assert merged is not None
    assert merged.completions == (NOW, NOW + 5) and merged.completed_routines == 2
    assert merge(theirs, theirs) == theirs  # the same news twice (a replay): nothing new
    again = merge(mine, merged)
    assert again == merged


def test_completions_the_stored_record_let_go_are_not_counted_again() -> None:
    kept = tuple(range(NOW - 1000, NOW - 1000 + MAX_COMPLETIONS_KEPT))
    theirs = BASE._replace(completions=kept, completed_routines=500)
    mine = BASE._replace(completions=(NOW - 5000, *kept[1:]), completed_routines=500)
    merged = merge(mine, theirs)
    assert merged is not None and merged.completed_routines == 500


def test_each_part_goes_by_the_time_it_was_set() -> None:
    theirs = BASE.with_preferences(rate=0.85)._replace(set_at=at(position=NOW - 100, rate=NOW))
    mine = BASE.at("full", 2, 0, NOW + 9).with_preferences(pace=1.5)
    mine = mine._replace(set_at=at(position=NOW + 9, pace=NOW + 9))
    merged = merge(mine, theirs)
    assert merged is not None
    assert (merged.rate, merged.pace, merged.technique) == (0.85, 1.5, 2)
    assert merged.set_at == at(position=NOW + 9, pace=NOW + 9, rate=NOW)
    tie = mine.with_preferences(rate=1.25)._replace(set_at=mine.set_at._replace(rate=NOW))
    tied = merge(tie, theirs)
    assert tied is not None and tied.rate == 0.85  # a tie keeps what is stored


def test_the_position_moves_with_its_side_and_routine() -> None:
    theirs = BASE._replace(side="both", technique=7, last_routine="quick", routine="quick")
    theirs = theirs._replace(set_at=at(position=NOW))
    mine = BASE._replace(side="left", set_at=at(position=NOW - 50))
    merged = merge(mine, theirs)
    assert merged is not None
    assert (merged.routine, merged.technique, merged.side, merged.last_routine) == (
        "quick",
        7,
        "both",
        "quick",
    )


def test_learned_heard_and_offers_add_up() -> None:
    theirs = BASE._replace(learned=("a", "b"), offered_at=NOW, heard_intro=False)
    mine = BASE._replace(learned=("b", "c"), offered_at=NOW - 7, last_active=NOW + 60)
    merged = merge(mine, theirs)
    assert merged is not None
    assert merged.learned == ("a", "b", "c") and merged.heard_intro is True
    assert (merged.offered_at, merged.last_active) == (NOW, NOW + 60)


def test_a_record_deleted_or_begun_again_is_not_merged_into() -> None:
    assert merge(BASE, Progress()) is None  # deleted
    rolled_back = BASE._replace(born=0, step=3)  # rewritten by a release from before v3
    assert merge(BASE, rolled_back) is not None
    assert merge(BASE, BASE._replace(born=NOW + 1)) is None  # deleted, then begun again
    fresh = Progress().with_preferences(side="left")._replace(set_at=at(position=NOW))
    merged = merge(fresh, BASE)  # a session that had nothing stored yet: a merge
    assert merged is not None and merged.side == "left" and merged.born == BASE.born
    # A copy read before records had a ``born`` cannot tell: it merges into what is stored.
    legacy = Progress.load({"v": 2, "step": 1, "routine": "full", "last_active": NOW}).progress
    assert legacy.born == 0 and legacy.set_at == at(position=NOW)
    merged = merge(legacy, BASE)
    assert merged is not None and merged.born == BASE.born


# ---- ProgressStore: write, meet another's write, merge ---------------------------------------


def test_a_save_that_meets_another_merges_and_says_so(backend: VersionedAdapter) -> None:
    store = ProgressStore(backend)
    kitchen, bedroom = store.load(envelope()), store.load(envelope())
    kitchen = store.save(envelope(), kitchen, kitchen.progress.completed(NOW), NOW)
    assert kitchen.written and kitchen.status == "ok"
    moved = bedroom.progress.at("full", 2, 0, NOW + 30)
    bedroom = store.save(envelope(), bedroom, moved, NOW + 30)
    assert bedroom.written and bedroom.status == "merged"
    stored = store.load(envelope())
    assert stored.version == bedroom.version and stored.progress == bedroom.progress
    assert stored.progress.completions == (NOW,) and stored.progress.technique == 2


def test_a_save_whose_read_again_fails_keeps_the_session_going(
    backend: VersionedAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    class Flaky(VersionedAdapter):
        reads = 0

        def read(self, request_envelope: RequestEnvelope) -> tuple[dict[str, object], int]:
            Flaky.reads += 1
            if Flaky.reads > 1:
                raise ConnectionError("connection refused")
            return backend.read(request_envelope)

        def write(self, request_envelope: Any, attributes: Any, expected: int) -> int:
            return backend.write(request_envelope, attributes, expected)

        def save_attributes(self, request_envelope: Any, attributes: Any) -> None:
            backend.save_attributes(request_envelope, attributes)

        def delete_attributes(self, request_envelope: Any) -> None:
            backend.delete_attributes(request_envelope)

    store = ProgressStore(Flaky())
    known = store.load(envelope())
    backend.write(envelope(), {"v": 3, "heard_intro": True}, NO_RECORD)  # another device
    after = known.progress.at("full", 0, 3, NOW)
    with caplog.at_level(logging.WARNING):
        kept = store.save(envelope(), known, after, NOW)
    assert not kept.written and kept.available and kept.version == known.version
    assert kept.progress.technique == 0 and kept.progress.step == 3  # kept for the next try
    assert "get failed (unreachable)" in caplog.text


def test_a_session_that_does_not_know_the_version_reads_before_it_writes(
    backend: VersionedAdapter,
) -> None:
    """A session begun by the release before this one has no version in its attributes."""
    store = ProgressStore(backend)
    backend.write(envelope(), Progress(heard_intro=True, born=NOW).to_record(), NO_RECORD)
    known = store.load(envelope())._replace(version=None)
    kept = store.save(envelope(), known, known.progress.with_preferences(rate=0.85), NOW)
    assert kept.written and kept.status == "merged"
    assert store.load(envelope()).progress.rate == 0.85


def test_writes_that_keep_meeting_others_give_up_and_say_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Busy(VersionedAdapter):
        """Someone else writes between every read and write of ours."""

        count = 0

        def read(self, request_envelope: RequestEnvelope) -> tuple[dict[str, object], int]:
            Busy.count += 1
            record = Progress(born=NOW, heard_intro=True).to_record()
            return record, Busy.count

        def write(self, request_envelope: Any, attributes: Any, expected: int) -> int:
            raise WriteConflict("someone else again")

        def save_attributes(self, request_envelope: Any, attributes: Any) -> None:
            raise AssertionError("never unconditional")

        def delete_attributes(self, request_envelope: Any) -> None:
            raise AssertionError("not asked to")

    store = ProgressStore(Busy())
    known = store.load(envelope())
    kept = store.save(envelope(), known, known.progress.at("full", 0, 1, NOW), NOW)
    assert not kept.written and kept.progress.step == 1 and kept.available
    assert "3 writes in a row met another's" in caplog.text


def test_a_read_only_file_from_before_versions_is_still_read(tmp_path: Path) -> None:
    from test_store_faults import read_only

    path = tmp_path / "store" / "progress.db"
    path.parent.mkdir()
    file_from_before_versions(path)
    with read_only(path.parent, with_directory=False):
        adapter = SqliteAdapter(path, keygen=KEYGEN, clock=lambda: NOW)
        assert adapter.read(envelope()) == ({"v": 2, "step": 1}, NO_RECORD)
        adapter.close()


def test_stamps_are_checked_and_repaired() -> None:
    with pytest.raises(ValueError, match="rate"):
        Stamps(rate=-1)
    assert Stamps.parse({"rate": NOW, "pace": "soon"}) == (Stamps(rate=NOW), True)
    assert Stamps.parse({"rate": NOW, "osteoporosis": NOW}) == (Stamps(rate=NOW), True)
    assert Stamps.parse("not a map") == (Stamps(), True)
    assert Stamps.parse({"rate": NOW}) == (Stamps(rate=NOW), False)
