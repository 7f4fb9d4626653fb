"""Days in a row, routines this week and this month, from the completion times already kept.

Pure arithmetic on calendar days: no ASK SDK, no I/O, no dialog. A completion time (epoch
seconds) becomes a *local day* in the person's time zone when it is known, else in UTC; a day
is a :meth:`datetime.date.toordinal` number so that "yesterday" is simply ``day - 1``.

:class:`Habits` is a small running summary (six integers) that the coach keeps in its session
state: :func:`habits_from` folds every kept completion into it at the start of a session, and
:meth:`Habits.after` adds the one just finished. Weeks start on Monday (ISO 8601).
"""

from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo
from functools import lru_cache
from typing import Any

from skill.record import Record
from skill.store.progress import is_time_zone_name


def zone(name: str | None) -> tzinfo:
    """The time zone called ``name``, or UTC when it is unknown (or this host lacks tz data)."""
    if not name:
        return timezone.utc
    return _zone(name) or timezone.utc


def known_zone(name: object) -> bool:
    """True when ``name`` is a time zone this host can compute with."""
    return is_time_zone_name(name) and _zone(str(name)) is not None


@lru_cache(maxsize=32)
def _zone(name: str) -> tzinfo | None:
    if not is_time_zone_name(name):
        return None
    from zoneinfo import ZoneInfo  # here: a session without a known time zone never loads it

    try:
        return ZoneInfo(name)
    except (ValueError, OSError, LookupError):  # ZoneInfoNotFoundError is a KeyError
        return None


def local_time(epoch: float, time_zone: str | None) -> datetime:
    """The wall-clock time at ``epoch`` in the person's time zone (UTC when unknown)."""
    return datetime.fromtimestamp(epoch, zone(time_zone))


def local_day(epoch: float, time_zone: str | None) -> int:
    """The calendar day (a date ordinal) on which ``epoch`` falls for the person."""
    return local_time(epoch, time_zone).date().toordinal()


def monday_of(day: int) -> int:
    return day - date.fromordinal(day).weekday()


def month_of(day: int) -> int:
    found = date.fromordinal(day)
    return found.year * 12 + found.month - 1


class Habits(Record):
    """A running summary of finished routines, by the person's calendar days."""

    streak: int = 0
    """Consecutive days with a finished routine, ending on ``last_day``."""
    last_day: int = 0
    """The day (date ordinal) of the latest finished routine; 0 when there is none."""
    week: int = 0
    """Routines finished in the week starting on Monday ``week_of``."""
    week_of: int = 0
    month: int = 0
    """Routines finished in month ``month_of`` (year * 12 + month - 1)."""
    month_of: int = 0

    def after(self, day: int) -> Habits:
        """The summary once one more routine is finished on ``day``."""
        day = max(day, self.last_day)  # a clock that stepped back still counts the routine
        if self.last_day == day:
            streak = max(self.streak, 1)
        elif self.last_day == day - 1:
            streak = self.streak + 1
        else:
            streak = 1
        week_start, month = monday_of(day), month_of(day)
        return Habits(
            streak=streak,
            last_day=day,
            week=self.week + 1 if self.week_of == week_start else 1,
            week_of=week_start,
            month=self.month + 1 if self.month_of == month else 1,
            month_of=month,
        )

    # ---- what the summary says about a given day ----------------------------------------

    def ever(self) -> bool:
        return self.last_day > 0

    def done_today(self, today: int) -> bool:
        return self.last_day == today

    def days_in_a_row(self, today: int) -> int:
        """The current run of days: still alive if the last routine was today or yesterday."""
        return self.streak if self.last_day in (today, today - 1) else 0

    def this_week(self, today: int) -> int:
        return self.week if self.week_of == monday_of(today) else 0

    def this_month(self, today: int) -> int:
        return self.month if self.month_of == month_of(today) else 0

    def days_since(self, today: int) -> int | None:
        """Whole days since the last finished routine, or None when there has been none."""
        return today - self.last_day if self.last_day else None

    # ---- session attributes ------------------------------------------------------------

    def to_list(self) -> list[int]:
        return [self.streak, self.last_day, self.week, self.week_of, self.month, self.month_of]

    @classmethod
    def from_list(cls, raw: Any) -> Habits:
        """The summary from session attributes; raises ``ValueError`` for anything malformed."""
        if raw is None:
            return cls()
        if not isinstance(raw, list) or len(raw) != 6:
            raise ValueError("habits must be a list of six integers")
        numbers = [int(n) for n in raw]
        if any(n < 0 or n > 10**7 for n in numbers):
            raise ValueError("habits out of range")
        return cls(*numbers)


def habits_from(completions: tuple[int, ...] | list[int], time_zone: str | None) -> Habits:
    """Fold completion times (epoch seconds, any order) into a summary of calendar days."""
    habits = Habits()
    for stamp in sorted(completions):
        habits = habits.after(local_day(stamp, time_zone))
    return habits
