"""Streak arithmetic (``skill/habits.py``): calendar days in the person's time zone, pure."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill.coach.habits import Habits, habits_from, known_zone, local_day, monday_of, month_of, zone
from skill.store.progress import is_time_zone_name

NEW_YORK = "America/New_York"
MON = date(2026, 1, 5).toordinal()  # a Monday


def stamp(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def test_days_in_a_row_counts_consecutive_days_and_survives_until_tomorrow_ends() -> None:
    habits = Habits().after(MON).after(MON + 1).after(MON + 2)
    assert habits.streak == 3
    assert habits.days_in_a_row(MON + 2) == 3  # today counts
    assert habits.days_in_a_row(MON + 3) == 3  # tomorrow it is still alive: no guilt yet
    assert habits.days_in_a_row(MON + 4) == 0  # a day skipped: the run is over


def test_two_routines_in_one_day_are_one_day() -> None:
    habits = Habits().after(MON).after(MON).after(MON + 1)
    assert (habits.streak, habits.week) == (2, 3)


def test_a_gap_starts_the_run_again_and_is_measured_in_days() -> None:
    habits = Habits().after(MON).after(MON + 1).after(MON + 5)
    assert habits.streak == 1
    assert habits.days_since(MON + 9) == 4
    assert Habits().days_since(MON) is None and not Habits().ever()


def test_the_week_starts_on_monday_and_the_month_on_the_first() -> None:
    sunday, monday = MON - 1, MON
    habits = Habits().after(sunday - 1).after(sunday)  # Saturday, Sunday
    assert habits.this_week(sunday) == 2
    assert habits.this_week(monday) == 0  # a new week
    assert habits.this_month(monday) == 2  # January 3 and 4, still January
    assert habits.after(monday).week == 1
    assert monday_of(sunday) == monday - 7 and monday_of(monday + 6) == monday
    december = date(2025, 12, 31).toordinal()
    assert Habits().after(december).after(december + 1).month == 1  # January 1


def test_calendar_days_are_the_persons_own() -> None:
    """10 PM Monday and 8 PM Tuesday in New York are Tuesday and Wednesday in UTC."""
    monday_night = stamp("2026-01-06T03:00:00Z")
    tuesday_evening = stamp("2026-01-07T01:00:00Z")
    assert local_day(monday_night, NEW_YORK) == MON
    assert local_day(monday_night, None) == MON + 1  # UTC when the time zone is unknown
    in_new_york = habits_from([tuesday_evening, monday_night], NEW_YORK)
    assert (in_new_york.streak, in_new_york.last_day) == (2, MON + 1)
    # Wednesday evening in New York: a third routine makes three days in a row there ...
    wednesday = local_day(stamp("2026-01-07T23:30:00Z"), NEW_YORK)
    assert in_new_york.after(wednesday).streak == 3
    # ... while by UTC days it would look like a second routine on the same day.
    in_utc = habits_from([monday_night, tuesday_evening], None)
    assert in_utc.after(local_day(stamp("2026-01-07T23:30:00Z"), None)).streak == 2


def test_time_zone_names_are_checked_before_use() -> None:
    assert is_time_zone_name(NEW_YORK) and known_zone(NEW_YORK)
    assert is_time_zone_name("Nowhere/Atlantis") and not known_zone("Nowhere/Atlantis")
    for bad in ("", "../etc/passwd", "a" * 65, None, 5, "New York"):
        assert not is_time_zone_name(bad)
    assert zone("Nowhere/Atlantis") == timezone.utc and zone(None) == timezone.utc


def test_a_clock_that_steps_back_still_counts_the_routine() -> None:
    habits = Habits().after(MON + 1).after(MON)
    assert (habits.last_day, habits.streak, habits.week) == (MON + 1, 1, 2)


@pytest.mark.parametrize(
    "raw", ["x", [1, 2], [1, 2, 3, 4, 5, "six"], [-1, 0, 0, 0, 0, 0], [10**8] + [0] * 5]
)
def test_malformed_session_habits_are_refused(raw: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        Habits.from_list(raw)


@given(st.lists(st.integers(min_value=1_600_000_000, max_value=1_900_000_000), max_size=60))
def test_any_history_gives_a_consistent_summary(stamps: list[int]) -> None:
    habits = habits_from(stamps, NEW_YORK)
    assert Habits.from_list(habits.to_list()) == habits
    if not stamps:
        assert habits == Habits()
        return
    days = sorted({local_day(s, NEW_YORK) for s in stamps})
    assert habits.last_day == days[-1]
    assert 1 <= habits.streak <= len(days)
    assert all(days[-1] - i in days for i in range(habits.streak))  # the run is really there
    local = [local_day(s, NEW_YORK) for s in stamps]
    assert habits.week == sum(1 for day in local if monday_of(day) == monday_of(days[-1]))
    assert habits.month == sum(1 for day in local if month_of(day) == month_of(days[-1]))
