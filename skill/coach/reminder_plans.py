"""What a reminder is, from the words someone said to the trigger Alexa needs: pure, no SDK.

A :class:`Plan` is what the person has asked for so far ("every day at nine", "tomorrow",
"at this time of day"); it travels between turns as a short string (:meth:`Plan.spec`), also
as the token of Alexa's permission question, so an answer that comes back without its session
still knows what to set. A :class:`Reminder` is a plan made concrete: the first local time it
rings, in which time zone, and whether it repeats daily. :mod:`skill.alexa.services` turns that
into the SDK's ``ReminderRequest``; nothing here knows the SDK.
"""

from __future__ import annotations

import re
from datetime import timedelta

from skill.coach.habits import local_time
from skill.record import Record
from skill.voice.reply import Reminder

ROUND_MINUTES = 15
""""At this time of day" is rounded to the nearest quarter hour: "6:45 PM", not "6:47 PM"."""

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_SPEC = re.compile(r"(daily|once)(?: (now))?(?: (\d{2}:\d{2}))?")


def parse_time(value: object) -> tuple[int, int] | None:
    """(hour, minute) from an ``AMAZON.TIME`` value such as ``"19:00"``.

    Vague values (``MO``, ``AF``, ``EV``, ``NI``: morning, afternoon, evening, night) and
    anything malformed give None: the coach then asks for an exact time.
    """
    found = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        return None
    hour, minute = int(found.group(1)), int(found.group(2))
    return (hour, minute) if hour < 24 and minute < 60 else None


class Plan(Record):
    """A reminder as asked for; the time may still be missing."""

    daily: bool = True
    """Every day from the first time on; else once, tomorrow."""
    time: tuple[int, int] | None = None
    """Local (hour, minute), or None while nobody has said when."""
    now: bool = False
    """"At this time of day": the first one rings tomorrow, at ``time`` if the offer named it,
    else at the time of day when the reminder is made."""

    @property
    def complete(self) -> bool:
        return self.now or self.time is not None

    def at(self, time: tuple[int, int]) -> Plan:
        return Plan(self.daily, time, False)

    def spec(self) -> str:
        """A short string for session attributes and the permission token: ``daily 09:00``."""
        kind = f"{self._kind} now" if self.now else self._kind
        if self.time is None:
            return kind
        return f"{kind} {self.time[0]:02d}:{self.time[1]:02d}"

    @property
    def _kind(self) -> str:
        return "daily" if self.daily else "once"

    @classmethod
    def parse(cls, spec: object) -> Plan | None:
        """The plan a :meth:`spec` string describes; None for anything else."""
        found = _SPEC.fullmatch(spec) if isinstance(spec, str) else None
        if found is None:
            return None
        daily, now, when = found.group(1) == "daily", bool(found.group(2)), found.group(3)
        return cls(daily, parse_time(when) if when else None, now)


def make(plan: Plan, text: str, now: float, time_zone: str) -> Reminder:
    """The reminder ``plan`` means at ``now`` (epoch seconds) in ``time_zone``.

    A daily reminder first rings the next time its hour comes round (today if that is still
    ahead); "tomorrow" and "at this time of day" first ring tomorrow.
    """
    local = local_time(now, time_zone).replace(tzinfo=None)
    today = local.replace(second=0, microsecond=0)
    if plan.now or plan.time is None:
        hour, minute = plan.time or rounded(local.hour, local.minute)
        first = today.replace(hour=hour, minute=minute) + timedelta(days=1)
    else:
        first = today.replace(hour=plan.time[0], minute=plan.time[1])
        if not plan.daily or first <= local:
            first += timedelta(days=1)
    return Reminder(first, time_zone, plan.daily, text, local.replace(microsecond=0))


def rounded(hour: int, minute: int) -> tuple[int, int]:
    """A time of day rounded to the nearest :data:`ROUND_MINUTES` (23:55 stays 23:45)."""
    total = round((hour * 60 + minute) / ROUND_MINUTES) * ROUND_MINUTES
    total = min(total, 24 * 60 - ROUND_MINUTES)
    return divmod(total, 60)


class Listed(Record):
    """One of the skill's reminders as Alexa's API reports it, reduced to what is said."""

    daily: bool
    time: tuple[int, int] | None
