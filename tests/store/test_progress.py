"""The remembered-progress record: what may be stored, and how forgiving reading it is."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill.store.progress import (
    ALLOWED_KEYS,
    MAX_COMPLETIONS_KEPT,
    SCHEMA_VERSION,
    Progress,
)
from skill.store.stamps import Stamps

NOW = 1_750_000_000
DAY = 24 * 3600


def sample() -> Progress:
    return Progress(
        routine="full",
        technique=2,
        step=1,
        side="left",
        keep_going=True,
        pace=1.25,
        heard_intro=True,
        completed_routines=3,
        completions=(NOW - 3 * DAY, NOW - DAY),
        last_active=NOW,
        rate=0.85,
        time_zone="Europe/London",
        last_routine="quick",
        reminders="declined",
        offered_at=NOW - DAY,
    )


# ---- what is written -------------------------------------------------------------------


def test_record_has_exactly_the_allowed_keys_and_round_trips() -> None:
    record = sample().to_record()
    assert set(record) == ALLOWED_KEYS
    assert record["v"] == SCHEMA_VERSION
    loaded = Progress.load(json.loads(json.dumps(record)))
    assert loaded.status == "ok"
    assert loaded.progress == sample()


def test_safety_answers_fed_in_never_come_back_out() -> None:
    record = sample().to_record() | {
        "safety": {"osteoporosis": "yes", "blood_clots": "no"},
        "safety_answers": ["yes", "no"],
        "health": "recent knee surgery",
        "phase": "safety",
    }
    stored = Progress.from_record(record).to_record()
    assert set(stored) <= ALLOWED_KEYS
    text = json.dumps(stored)
    for secret in ("osteoporosis", "blood_clots", "safety", "surgery", "health"):
        assert secret not in text


@given(st.dictionaries(st.text(max_size=12), st.integers() | st.text(max_size=5), max_size=8))
def test_no_key_outside_the_allow_list_is_ever_written(extra: dict[str, Any]) -> None:
    record = sample().to_record() | extra
    assert set(Progress.from_record(record).to_record()) <= ALLOWED_KEYS


# ---- reading: statuses, migration, repair ------------------------------------------------


@pytest.mark.parametrize("record", [None, {}])
def test_nothing_stored_is_empty(record: object) -> None:
    loaded = Progress.load(record)
    assert (loaded.status, loaded.progress) == ("empty", Progress())


@pytest.mark.parametrize(
    "record",
    ["garbage", 42, [1, 2], {"routine": "full"}, {"v": "two"}, {"v": True}, {"v": 0}],
)
def test_unusable_records_reset_to_fresh(record: object) -> None:
    loaded = Progress.load(record)
    assert (loaded.status, loaded.progress) == ("reset", Progress())


def test_one_bad_field_is_repaired_and_the_rest_kept() -> None:
    record = sample().to_record() | {"pace": "fast", "side": "top"}
    loaded = Progress.load(record)
    assert loaded.status == "repaired"
    assert loaded.progress.pace == 1.0
    assert loaded.progress.side is None
    assert loaded.progress.routine == "full"
    assert loaded.progress.completed_routines == 3


@pytest.mark.parametrize(
    "bad",
    [{"technique": -1}, {"step": "two"}, {"technique": True}, {"step": 1.5}, {"routine": "x y"}],
)
def test_a_bad_position_is_dropped_whole(bad: dict[str, Any]) -> None:
    loaded = Progress.load(sample().to_record() | bad)
    assert loaded.status == "repaired"
    assert (loaded.progress.routine, loaded.progress.technique, loaded.progress.step) == (
        None,
        0,
        0,
    )
    assert loaded.progress.heard_intro is True


def test_bad_completion_times_are_dropped_and_the_rest_sorted_and_bounded() -> None:
    stamps: list[Any] = [NOW - i for i in range(MAX_COMPLETIONS_KEPT + 10)] + ["yesterday", None]
    loaded = Progress.load(sample().to_record() | {"completions": stamps})
    assert loaded.status == "repaired"
    kept = loaded.progress.completions
    assert len(kept) == MAX_COMPLETIONS_KEPT
    assert list(kept) == sorted(kept)
    assert kept[-1] == NOW


def test_dynamodb_decimals_are_read_as_numbers() -> None:
    record = sample().to_record() | {
        "technique": Decimal("2"),
        "pace": Decimal("1.25"),
        "last_active": Decimal(NOW),
        "completions": [Decimal(NOW - DAY)],
    }
    loaded = Progress.load(record)
    assert loaded.status == "ok"
    assert loaded.progress.pace == 1.25
    assert loaded.progress.technique == 2
    assert loaded.progress.completions == (NOW - DAY,)


def test_v1_session_shaped_record_is_migrated_and_its_extras_dropped() -> None:
    v1 = {
        "v": 1,
        "phase": "routine",
        "routine": "full",
        "technique": 2,
        "step": 1,
        "mode": "keep_going",
        "pace": 1.5,
        "last": {"kind": "step"},
        "safety": {"osteoporosis": "no"},
    }
    loaded = Progress.load(v1)
    assert loaded.status == "migrated"
    # A saved position means they did a step of that routine: "same as last time" is known.
    assert loaded.progress == Progress(
        routine="full",
        technique=2,
        step=1,
        keep_going=True,
        pace=1.5,
        last_routine="full",
        set_at=Stamps(position=0),  # the position is dated by last_active (none here)
    )
    assert "osteoporosis" not in json.dumps(loaded.progress.to_record())


@pytest.mark.parametrize(
    ("record", "last_routine"),
    [
        ({"routine": "quick", "technique": 1, "step": 0}, "quick"),  # stopped mid-routine
        ({"completed": 3}, "full"),  # finished before: did steps, of an unknown routine
        ({"heard_intro": True}, None),  # only heard the introduction: not returning
        ({"routine": "quick", "last_routine": None}, None),  # kept as written
        ({"last_routine": "quick", "routine": "full"}, "quick"),
        ({"last_routine": "bad id!"}, None),
    ],
)
def test_the_routine_last_practised_is_inferred_for_older_records(
    record: dict[str, Any], last_routine: str | None
) -> None:
    assert Progress.load({"v": SCHEMA_VERSION, **record}).progress.last_routine == last_routine


def test_techniques_learned_are_kept_clean_and_merged_without_repeats() -> None:
    loaded = Progress.load({"v": SCHEMA_VERSION, "learned": ["a", "b", "a", 7, "bad id!"]})
    assert (loaded.progress.learned, loaded.status) == (("a", "b"), "repaired")
    assert Progress.load({"v": SCHEMA_VERSION, "learned": "a"}).status == "repaired"
    grown = loaded.progress.practised("full", ("b", "c"))
    assert (grown.last_routine, grown.learned) == ("full", ("a", "b", "c"))
    assert grown.practised("full", ("c",)) is grown  # nothing new: no change, no write
    with pytest.raises(ValueError):
        Progress(learned=("ok", "not ok!"))


def test_a_newer_schema_is_read_best_effort() -> None:
    newer = sample().to_record() | {"v": SCHEMA_VERSION + 1, "mood": "great"}
    loaded = Progress.load(newer)
    assert loaded.status == "migrated"
    assert loaded.progress == sample()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=10)
    | st.decimals(allow_nan=True),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)


@given(json_values)
def test_load_never_raises_on_garbage(record: object) -> None:
    Progress.load(record)


@given(
    st.fixed_dictionaries(
        {"v": st.sampled_from([1, 2, 3])},
        optional={key: json_values for key in ALLOWED_KEYS - {"v"}} | {"mode": json_values},
    )
)
def test_whatever_is_loaded_saves_and_reloads_unchanged(record: dict[str, Any]) -> None:
    progress = Progress.load(record).progress
    again = Progress.load(json.loads(json.dumps(progress.to_record())))
    assert again.status == "ok"
    assert again.progress == progress


# ---- behaviour the dialog relies on ------------------------------------------------------


def test_recent_unfinished_routine_is_resumable() -> None:
    progress = Progress().at("full", 1, 2, NOW)
    assert progress.has_resumable_routine(NOW + 6 * DAY)
    assert not progress.has_resumable_routine(NOW + 7 * DAY + 1)
    assert not progress.has_resumable_routine(NOW - DAY)  # stored time far in the future
    assert progress.has_resumable_routine(NOW + 10, max_age=60)
    assert not progress.has_resumable_routine(NOW + 61, max_age=60)


def test_nothing_to_resume_without_a_routine() -> None:
    assert not Progress().has_resumable_routine(NOW)
    assert not Progress().at("full", 0, 0, NOW).cleared(NOW).has_resumable_routine(NOW)


def test_completing_clears_the_position_and_counts() -> None:
    done = sample().completed(NOW + 60)
    assert (done.routine, done.technique, done.step) == (None, 0, 0)
    assert done.completed_routines == 4
    assert done.completions[-1] == NOW + 60
    assert done.last_active == NOW + 60
    assert not done.has_resumable_routine(NOW + 60)
    assert (done.side, done.keep_going, done.pace) == ("left", True, 1.25)


def test_completions_are_bounded_but_the_count_is_not() -> None:
    progress = Progress()
    for i in range(MAX_COMPLETIONS_KEPT + 5):
        progress = progress.completed(NOW + i * DAY)
    assert len(progress.completions) == MAX_COMPLETIONS_KEPT
    assert progress.completed_routines == MAX_COMPLETIONS_KEPT + 5


def test_idle_turns_within_a_minute_change_nothing() -> None:
    progress = Progress().at("full", 0, 1, NOW)
    assert progress.touched(NOW + 59) is progress
    assert progress.touched(NOW + 60).last_active == NOW + 60
    assert progress.at("full", 0, 1, NOW + 30) == progress
    assert progress.at("full", 0, 2, NOW + 30) != progress


def test_preferences_and_intro() -> None:
    progress = Progress().with_preferences(side="right", pace=2)
    assert (progress.side, progress.pace, progress.keep_going) == ("right", 2.0, False)
    assert progress.with_preferences(keep_going=True).side == "right"
    heard = progress.intro_heard()
    assert heard.heard_intro and heard.intro_heard() is heard


@pytest.mark.parametrize(
    "kwargs",
    [
        {"technique": 1},
        {"routine": "full", "step": -1},
        {"side": "top"},
        {"pace": 10.0},
        {"pace": float("nan")},
        {"completions": tuple(range(MAX_COMPLETIONS_KEPT + 1))},
        {"routine": "has space"},
    ],
)
def test_invalid_values_fail_where_they_are_made(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Progress(**kwargs)


# ---- coming back: speaking rate, time zone, reminder bookkeeping -------------------------


def test_a_record_from_before_these_fields_reads_cleanly_with_defaults() -> None:
    old = {k: v for k, v in sample().to_record().items() if k not in COMING_BACK_KEYS}
    loaded = Progress.load(old)
    assert loaded.status == "ok"
    progress = loaded.progress
    assert (progress.rate, progress.time_zone) == (1.0, None)
    assert (progress.reminders, progress.offered_at) == (None, 0)


@pytest.mark.parametrize(
    ("key", "bad"),
    [("rate", 9), ("rate", "slow"), ("time_zone", "../../etc"), ("time_zone", 5),
     ("reminders", "maybe"), ("offered_at", -1)],
)  # fmt: skip
def test_bad_coming_back_fields_are_repaired_to_defaults(key: str, bad: object) -> None:
    loaded = Progress.load(sample().to_record() | {key: bad})
    assert loaded.status == "repaired"
    assert getattr(loaded.progress, key) == getattr(Progress(), key)


def test_the_reminder_bookkeeping_changes() -> None:
    progress = Progress().offered(NOW).with_reminders("set")
    assert (progress.offered_at, progress.reminders) == (NOW, "set")
    assert progress.with_reminders("set") is progress
    assert (
        Progress().with_preferences(rate=0.7, time_zone="Asia/Kolkata").time_zone == "Asia/Kolkata"
    )
    with pytest.raises(ValueError, match="reminders"):
        Progress(reminders="perhaps")


COMING_BACK_KEYS = {"rate", "time_zone", "reminders", "offered_at"}
