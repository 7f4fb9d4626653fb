"""What Knee Coach remembers about a person between sessions, and nothing more.

Alexa ends a session after a few quiet seconds, which is exactly what happens mid-massage, so
the skill keeps a small record per Alexa user: where they stopped, how they like to be coached,
and how often they finish. This module is that record as a frozen value with an explicit
allow-list of stored fields (:data:`ALLOWED_KEYS`). Anything about the person's health, in
particular the safety-check answers, has no field here and therefore cannot be stored.

Reading is forgiving on purpose: records come back from disk or DynamoDB after schema changes,
partial writes or hand edits, and a bad record must never cost the person their session.
:meth:`Progress.load` migrates older versions, repairs bad fields and, when nothing can be
salvaged, starts fresh and says so. It never raises.

Pure Python: no ASK SDK, no I/O, time passed in as epoch seconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

from skill.record import Record
from skill.store.stamps import GROUPS, Stamps
from skill.store.values import (
    MAX_EPOCH,
    MAX_TIME_ZONE_CHARS,
    bool_or_none,
    float_in,
    int_in,
    is_time_zone_name,
)

__all__ = ["MAX_TIME_ZONE_CHARS", "is_time_zone_name"]  # kept importable from here

SCHEMA_VERSION = 3
"""Version written by :meth:`Progress.to_record`. v1 was the design sketch's session-state shape;
v2 the flat record; v3 adds when each part was set (``at``) and when the record began (``born``)."""

DAY_S = 24 * 3600
RESUME_MAX_AGE_S = 7 * DAY_S
"""An unfinished routine older than this is not offered for resume."""
MAX_COMPLETIONS_KEPT = 100
"""Completion times kept for progress (days in a row, this week, this month); older ones are
only counted. A hundred is more than three months of one routine a day."""
ACTIVE_GRANULARITY_S = 60
"""``last_active`` moves in steps of a minute so idle turns (repeat, help) cause no write."""
CLOCK_SKEW_S = 300
"""Tolerated amount by which a stored time may lie in the future (clocks of other hosts)."""

SIDES = ("left", "right", "both")
PACE_RANGE = (0.25, 4.0)
RATE_RANGE = (0.5, 2.0)
"""Speaking rates a record may hold (1.0 is Alexa's normal speed)."""
REMINDER_CHOICES = ("set", "declined")
MAX_INDEX = 999
MAX_COMPLETED = 1_000_000
MAX_LEARNED = 32
"""Technique ids kept for tapering introductions (the content has six)."""
_ROUTINE_ID = r"[A-Za-z0-9_-]{1,64}"
"""Compiled (and cached by ``re``) the first time a stored id is checked, not at import."""

ALLOWED_KEYS = frozenset(
    {
        "v",
        "routine",
        "technique",
        "step",
        "side",
        "keep_going",
        "pace",
        "heard_intro",
        "completed",
        "completions",
        "last_active",
        "last_routine",
        "learned",
        "rate",
        "time_zone",
        "reminders",
        "offered_at",
        "at",
        "born",
    }
)
"""Every key a stored record may have. The persistence layer drops anything else on write."""

LoadStatus = Literal["empty", "ok", "migrated", "repaired", "reset"]
"""How a record was read: nothing stored, clean, upgraded from an older schema, some fields
replaced by defaults, or unusable and replaced by a fresh record."""


class Progress(Record):
    """One person's remembered state; build changes with the methods, never by mutation.

    Every value is checked when a Progress is made or changed (:meth:`_check`), so a bad
    value fails where it is made.
    """

    routine: str | None = None
    """Id of the unfinished routine, or None when there is nothing to resume."""
    technique: int = 0
    """Index of the technique within the routine (0-based)."""
    step: int = 0
    """Index of the step within the technique (0-based)."""
    side: str | None = None
    """Which knee they massage: ``left``, ``right`` or ``both``; None until they say."""
    keep_going: bool = False
    """Coach through steps without waiting for "next"."""
    pace: float = 1.0
    heard_intro: bool = False
    """They have heard the full introduction and disclaimer once (they get the short one next)."""
    completed_routines: int = 0
    completions: tuple[int, ...] = ()
    """Epoch seconds of the most recent completions, oldest first, at most 100."""
    last_active: int = 0
    """Epoch seconds of the last change, minute granularity; 0 when never active."""
    last_routine: str | None = None
    """Id of the routine of the last step done, kept after it is finished ("same as last
    time"); None until the person has done any step at all."""
    learned: tuple[str, ...] = ()
    """Ids of the techniques they have done (their introductions get shorter), oldest first."""
    rate: float = 1.0
    """Speaking rate ("speak slower"), separate from the hold ``pace``."""
    time_zone: str | None = None
    """The device's IANA time zone, once learned (for calendar days and reminders)."""
    reminders: str | None = None
    """``set`` after they asked for a reminder, ``declined`` after a no (or cancelling them):
    either way the skill stops offering one. None: never answered."""
    offered_at: int = 0
    """Epoch seconds of the last reminder offer (at most one a week); 0 when never offered."""
    set_at: Stamps = Stamps()
    """When each part was last set (:mod:`skill.store.stamps`), for merging two sessions' writes."""
    born: int = 0
    """When the record was first written (epoch seconds); 0 until it is (or, for a record from
    before v3, not known). A record with another ``born`` than the one a session read is a new
    record: the one it read was deleted."""

    def _check(self) -> None:
        problems = _problems(self)
        if problems:
            raise ValueError(f"invalid Progress: {', '.join(problems)}")

    # ---- reading and writing records -------------------------------------------------

    @classmethod
    def load(cls, record: object) -> Loaded:
        """Parse a stored record of any age or quality; never raises."""
        if record is None or (isinstance(record, Mapping) and not record):
            return Loaded(cls(), "empty")
        if not isinstance(record, Mapping):
            return Loaded(cls(), "reset")
        version = int_in(record.get("v"), 1, 10_000)
        if version is None:
            return Loaded(cls(), "reset")
        fields = _migrate_v1(record) if version == 1 else dict(record)
        progress, repaired = _parse_current(fields)
        if version < 3:  # no times yet: the position dates from the last activity
            progress = progress._replace(set_at=Stamps(position=progress.last_active))
        if version != SCHEMA_VERSION:
            return Loaded(progress, "migrated")
        return Loaded(progress, "repaired" if repaired else "ok")

    @classmethod
    def from_record(cls, record: object) -> Progress:
        """The progress in ``record``, migrated and repaired (see :meth:`load` for the status)."""
        return cls.load(record).progress

    def to_record(self) -> dict[str, Any]:
        """The stored form: built key by key from the allow-list, JSON-compatible."""
        record: dict[str, Any] = {
            "v": SCHEMA_VERSION,
            "routine": self.routine,
            "technique": self.technique,
            "step": self.step,
            "side": self.side,
            "keep_going": self.keep_going,
            "pace": self.pace,
            "heard_intro": self.heard_intro,
            "completed": self.completed_routines,
            "completions": list(self.completions),
            "last_active": self.last_active,
            "last_routine": self.last_routine,
            "learned": list(self.learned),
            "rate": self.rate,
            "time_zone": self.time_zone,
            "reminders": self.reminders,
            "offered_at": self.offered_at,
            "at": self.set_at.to_record(),
            "born": self.born,
        }
        assert record.keys() <= ALLOWED_KEYS
        return record

    # ---- questions the dialog asks ---------------------------------------------------

    def has_resumable_routine(self, now: float, max_age: float = RESUME_MAX_AGE_S) -> bool:
        """True when a routine was left unfinished recently enough to offer "resume"."""
        if self.routine is None or self.last_active == 0:
            return False
        age = now - self.last_active
        return -CLOCK_SKEW_S <= age <= max_age

    # ---- changes ---------------------------------------------------------------------

    def at(self, routine: str, technique: int, step: int, now: float) -> Progress:
        """Remember the current position in a routine."""
        return self._replace(routine=routine, technique=technique, step=step).touched(now)

    def cleared(self, now: float) -> Progress:
        """Forget the position ("start over"), keeping preferences and counts."""
        return self._replace(routine=None, technique=0, step=0).touched(now)

    def completed(self, now: float) -> Progress:
        """A routine was finished: clear the position and count it."""
        stamp = int(now)
        completions = (*self.completions, stamp)[-MAX_COMPLETIONS_KEPT:]
        return self._replace(
            routine=None,
            technique=0,
            step=0,
            completed_routines=min(self.completed_routines + 1, MAX_COMPLETED),
            completions=completions,
            last_active=stamp,
        )

    def with_preferences(
        self,
        *,
        side: str | None = None,
        keep_going: bool | None = None,
        pace: float | None = None,
        rate: float | None = None,
        time_zone: str | None = None,
    ) -> Progress:
        """Change the given preferences; arguments left as None keep their value."""
        return self._replace(
            side=self.side if side is None else side,
            keep_going=self.keep_going if keep_going is None else keep_going,
            pace=self.pace if pace is None else float(pace),
            rate=self.rate if rate is None else float(rate),
            time_zone=self.time_zone if time_zone is None else time_zone,
        )

    def offered(self, now: float) -> Progress:
        """A reminder was offered just now (the next offer waits a week)."""
        return self._replace(offered_at=int(now))

    def with_reminders(self, choice: str) -> Progress:
        """They set a reminder (``set``) or said no to one (``declined``)."""
        return self if self.reminders == choice else self._replace(reminders=choice)

    def practised(self, routine: str, learned: tuple[str, ...]) -> Progress:
        """They did a step of ``routine``, and have done the ``learned`` techniques so far."""
        merged = self.learned + tuple(t for t in learned if t not in self.learned)
        merged = merged[-MAX_LEARNED:]
        if (self.last_routine, self.learned) == (routine, merged):
            return self
        return self._replace(last_routine=routine, learned=merged)

    def intro_heard(self) -> Progress:
        """They have now heard the full introduction and disclaimer."""
        return self if self.heard_intro else self._replace(heard_intro=True)

    def stamped(self, before: Progress, now: float) -> Progress:
        """This record with the time ``now`` on every part that differs from ``before``.

        ``before`` is what the session knew was stored, and this the same record after a turn.
        A part the turn left alone keeps the time it had, so a merge with another session's
        newer setting of it takes theirs; a part it changed is dated later than the value it
        replaced (even on a clock behind the one that set that value).
        """
        known = before.set_at
        stamps = {
            group: min(max(int(now), getattr(known, group) + 1), MAX_EPOCH)
            for group, fields in GROUPS.items()
            if any(getattr(before, name) != getattr(self, name) for name in fields)
        }
        return self._replace(set_at=self.set_at._replace(**stamps)) if stamps else self

    def touched(self, now: float) -> Progress:
        """Mark activity, at minute granularity so that idle turns leave the record unchanged."""
        stamp = int(now)
        if 0 <= stamp - self.last_active < ACTIVE_GRANULARITY_S:
            return self
        return self._replace(last_active=stamp)


class Loaded(Record):
    """A parsed record and how it was read (see :data:`LoadStatus`)."""

    progress: Progress
    status: LoadStatus


# ---- parsing helpers -----------------------------------------------------------------


def _parse_current(record: Mapping[str, Any]) -> tuple[Progress, frozenset[str]]:
    """Read every allowed field, replacing bad ones by defaults; returns the repaired names."""
    base = _BLANK
    repaired: set[str] = set()

    def take(name: str, parsed: Any, default: Any) -> Any:
        if name not in record:
            return default
        if parsed is None and record[name] is not None:
            repaired.add(name)
            return default
        return default if parsed is None else parsed

    routine, technique, step = _position(record)
    if routine is None and record.get("routine") is not None:
        repaired.add("routine")
    side_raw = record.get("side")
    side = side_raw if side_raw in SIDES else None
    if side_raw is not None and side is None:
        repaired.add("side")
    completions, bad_completions = _completions(record.get("completions"))
    if bad_completions:
        repaired.add("completions")
    completed = take("completed", int_in(record.get("completed"), 0, MAX_COMPLETED), 0)
    last_routine = _last_routine(record, routine, completed)
    if last_routine is None and record.get("last_routine") is not None:
        repaired.add("last_routine")
    learned, bad_learned = _learned(record.get("learned"))
    if bad_learned:
        repaired.add("learned")
    time_zone = _choice(record, "time_zone", is_time_zone_name, repaired)
    reminders = _choice(record, "reminders", REMINDER_CHOICES.__contains__, repaired)
    set_at, bad_stamps = Stamps.parse(record.get("at", {}))
    if bad_stamps:
        repaired.add("at")
    progress = Progress(
        routine=routine,
        technique=technique,
        step=step,
        side=side,
        keep_going=take("keep_going", bool_or_none(record.get("keep_going")), base.keep_going),
        pace=take("pace", float_in(record.get("pace"), *PACE_RANGE), base.pace),
        heard_intro=take("heard_intro", bool_or_none(record.get("heard_intro")), base.heard_intro),
        completed_routines=completed,
        completions=completions,
        last_active=take("last_active", int_in(record.get("last_active"), 0, MAX_EPOCH), 0),
        last_routine=last_routine,
        learned=learned,
        rate=take("rate", float_in(record.get("rate"), *RATE_RANGE), base.rate),
        time_zone=time_zone,
        reminders=reminders,
        offered_at=take("offered_at", int_in(record.get("offered_at"), 0, MAX_EPOCH), 0),
        set_at=set_at,
        born=take("born", int_in(record.get("born"), 0, MAX_EPOCH), 0),
    )
    return progress, frozenset(repaired)


def _choice(
    record: Mapping[str, Any], name: str, valid: Callable[[Any], bool], repaired: set[str]
) -> Any:
    """An optional field that is either None or passes ``valid``; anything else is repaired."""
    value = record.get(name)
    if value is None or valid(value):
        return value
    repaired.add(name)
    return None


def _position(record: Mapping[str, Any]) -> tuple[str | None, int, int]:
    """A position is usable only whole: a bad index makes the routine unresumable."""
    routine = record.get("routine")
    if not isinstance(routine, str) or not re.fullmatch(_ROUTINE_ID, routine):
        return None, 0, 0
    technique = int_in(record.get("technique", 0), 0, MAX_INDEX)
    step = int_in(record.get("step", 0), 0, MAX_INDEX)
    if technique is None or step is None:
        return None, 0, 0
    return routine, technique, step


def _last_routine(record: Mapping[str, Any], routine: str | None, completed: int) -> str | None:
    """The routine last practised; records from before it was kept infer it where they can."""
    if "last_routine" not in record:
        # Older records: a position means they did a step of that routine; a finished
        # routine means they did steps, and the full routine is the one to offer again.
        return routine or ("full" if completed > 0 else None)
    value = record.get("last_routine")
    return value if isinstance(value, str) and re.fullmatch(_ROUTINE_ID, value) else None


def _learned(value: object) -> tuple[tuple[str, ...], bool]:
    if value is None:
        return (), False
    if not isinstance(value, (list, tuple)):
        return (), True
    good = [v for v in value if isinstance(v, str) and re.fullmatch(_ROUTINE_ID, v)]
    unique = tuple(dict.fromkeys(good))[-MAX_LEARNED:]
    return unique, len(unique) != len(value)


def _completions(value: object) -> tuple[tuple[int, ...], bool]:
    if value is None:
        return (), False
    if not isinstance(value, (list, tuple)):
        return (), True
    stamps = [int_in(v, 0, MAX_EPOCH) for v in value]
    good = sorted(s for s in stamps if s is not None)
    return tuple(good[-MAX_COMPLETIONS_KEPT:]), len(good) != len(stamps)


def _migrate_v1(record: Mapping[str, Any]) -> dict[str, Any]:
    """v1 was the session-state dict of the design sketch: ``mode`` instead of ``keep_going``."""
    fields = {k: record[k] for k in ("routine", "technique", "step", "pace") if k in record}
    mode = record.get("mode")
    if isinstance(mode, str):
        fields["keep_going"] = mode in {"keep_going", "continuous", "auto"}
    return fields


def _problems(p: Progress) -> list[str]:
    """Invariants, checked on construction so that a bad value fails where it is made."""
    problems = []
    if p.routine is not None and not re.fullmatch(_ROUTINE_ID, p.routine):
        problems.append(f"routine id {p.routine!r}")
    if int_in(p.technique, 0, MAX_INDEX) is None or int_in(p.step, 0, MAX_INDEX) is None:
        problems.append("technique/step must be integers 0..999")
    if p.routine is None and (p.technique, p.step) != (0, 0):
        problems.append("a position without a routine")
    if p.side is not None and p.side not in SIDES:
        problems.append(f"side {p.side!r}")
    if not isinstance(p.keep_going, bool) or not isinstance(p.heard_intro, bool):
        problems.append("keep_going/heard_intro must be bool")
    if float_in(p.pace, *PACE_RANGE) is None:
        problems.append(f"pace {p.pace!r} outside {PACE_RANGE}")
    if int_in(p.completed_routines, 0, MAX_COMPLETED) is None:
        problems.append("completed_routines")
    if len(p.completions) > MAX_COMPLETIONS_KEPT or any(
        int_in(t, 0, MAX_EPOCH) is None for t in p.completions
    ):
        problems.append("completions")
    if int_in(p.last_active, 0, MAX_EPOCH) is None:
        problems.append("last_active")
    if p.last_routine is not None and not re.fullmatch(_ROUTINE_ID, p.last_routine):
        problems.append(f"last_routine {p.last_routine!r}")
    if len(p.learned) > MAX_LEARNED or not all(
        isinstance(t, str) and re.fullmatch(_ROUTINE_ID, t) for t in p.learned
    ):
        problems.append("learned")
    if float_in(p.rate, *RATE_RANGE) is None:
        problems.append(f"rate {p.rate!r} outside {RATE_RANGE}")
    if p.time_zone is not None and not is_time_zone_name(p.time_zone):
        problems.append(f"time zone {p.time_zone!r}")
    if p.reminders is not None and p.reminders not in REMINDER_CHOICES:
        problems.append(f"reminders {p.reminders!r}")
    if int_in(p.offered_at, 0, MAX_EPOCH) is None:
        problems.append("offered_at")
    if not isinstance(p.set_at, Stamps) or int_in(p.born, 0, MAX_EPOCH) is None:
        problems.append("set_at/born")
    return problems


_BLANK = Progress()
"""Every field's default, for parsing (made once the checks above exist)."""
