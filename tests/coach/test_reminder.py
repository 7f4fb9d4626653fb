"""Reminders as data (``skill/reminder.py``): plans, times, and when a reminder first rings."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill.coach.reminder_plans import Plan, make, parse_time, rounded

NEW_YORK = "America/New_York"
TEXT = "Time for your knee routine."


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("19:00", (19, 0)), ("07:30", (7, 30)), ("0:05", (0, 5)), ("EV", None), ("MO", None),
     ("24:00", None), ("12:60", None), ("", None), (None, None), ("2026-01-05", None)],
)  # fmt: skip
def test_amazon_time_values(value: object, expected: tuple[int, int] | None) -> None:
    assert parse_time(value) == expected


@given(
    st.booleans(),
    st.one_of(st.none(), st.tuples(st.integers(0, 23), st.integers(0, 59))),
    st.booleans(),
)
def test_a_plan_survives_its_spec(daily: bool, time: tuple[int, int] | None, now: bool) -> None:
    plan = Plan(daily, None if now else time, now)
    assert Plan.parse(plan.spec()) == plan
    assert plan.complete == (now or time is not None)


@pytest.mark.parametrize("spec", [None, "", "weekly 09:00", "daily 9:00", "daily 09:00 x", 5])
def test_anything_else_is_no_plan(spec: object) -> None:
    assert Plan.parse(spec) is None


def test_a_daily_reminder_first_rings_the_next_time_its_hour_comes() -> None:
    morning = epoch("2026-01-05T13:00:00Z")  # 8 AM in New York
    later_today = make(Plan(True, (19, 30)), TEXT, morning, NEW_YORK)
    assert later_today.first == datetime(2026, 1, 5, 19, 30)
    assert later_today.requested == datetime(2026, 1, 5, 8, 0)
    assert (later_today.daily, later_today.time_zone, later_today.text) == (True, NEW_YORK, TEXT)
    passed = make(Plan(True, (7, 0)), TEXT, morning, NEW_YORK)
    assert passed.first == datetime(2026, 1, 6, 7, 0)
    exactly_now = make(Plan(True, (8, 0)), TEXT, morning, NEW_YORK)
    assert exactly_now.first == datetime(2026, 1, 6, 8, 0)  # never one that rings at once


def test_tomorrow_is_tomorrow_even_when_the_hour_is_still_ahead_today() -> None:
    morning = epoch("2026-01-05T13:00:00Z")
    once = make(Plan(False, (19, 0)), TEXT, morning, NEW_YORK)
    assert once.first == datetime(2026, 1, 6, 19, 0) and not once.daily


def test_at_this_time_of_day_starts_tomorrow_at_a_rounded_time() -> None:
    evening = epoch("2026-01-05T23:47:00Z")  # 6:47 PM in New York
    same_time = make(Plan(True, None, now=True), TEXT, evening, NEW_YORK)
    assert same_time.first == datetime(2026, 1, 6, 18, 45) and same_time.time == (18, 45)


def test_the_time_of_day_is_local_across_a_date_line() -> None:
    """11 PM UTC is already tomorrow morning in Auckland: 'every day at 9' means there."""
    late = epoch("2026-01-05T23:00:00Z")  # 12:00 noon, January 6, in Auckland
    reminder = make(Plan(True, (9, 0)), TEXT, late, "Pacific/Auckland")
    assert reminder.first == datetime(2026, 1, 7, 9, 0)


@pytest.mark.parametrize(
    ("time", "expected"),
    [((18, 47), (18, 45)), ((18, 53), (19, 0)), ((23, 55), (23, 45)), ((0, 7), (0, 0))],
)
def test_rounding_to_a_quarter_hour_stays_within_the_day(
    time: tuple[int, int], expected: tuple[int, int]
) -> None:
    assert rounded(*time) == expected
