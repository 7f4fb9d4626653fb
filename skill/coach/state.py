"""What a coaching session is in: its phase, position and preferences, and the events it hears.

The handlers turn intents into :class:`Event` values; :class:`State` is what survives
between turns (in session attributes), and :class:`Memory` is what survives between
sessions. Both are plain frozen data, checked on the way in so that anything stale or
tampered with yields a fresh state instead of a crash in a later turn.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, get_type_hints

from skill.coach.habits import Habits
from skill.coach.routine import PACES, RATES, valid_position
from skill.content.records import Content
from skill.record import Record
from skill.store.progress import is_time_zone_name

STATE_VERSION = 3

# Phases
NEW, SAFETY, SIDE, ROUTINE, DONE, ADVISED, IDLE = (
    "new", "safety", "side", "routine", "done", "advised", "idle",
)  # fmt: skip
PHASES = frozenset({NEW, SAFETY, SIDE, ROUTINE, DONE, ADVISED, IDLE})
SIDES = ("left", "right", "both")


# --------------------------------------------------------------------------- events


class Memory(Record):
    """What the persistent store knows about this person (never anything about health)."""

    heard_intro: bool = False
    side: str | None = None
    keep_going: bool = False
    pace: float = 1.0
    resume: tuple[str, int, int] | None = None
    """(routine id, set index, step index) of an unfinished routine worth offering."""
    lapsed: bool = False
    """An unfinished routine was kept, but too long ago to go on from (RESUME_MAX_AGE_S)."""
    remembers: bool = False
    """The store answered, so where the person stops will be offered next time."""
    last_routine: str | None = None
    """The routine of the last step they did; set once they have done any step at all."""
    learned: tuple[str, ...] = ()
    """Techniques they have done before (introduced shortly from then on)."""
    rate: float = 1.0
    time_zone: str | None = None
    habits: Habits = Habits()
    reminders: str | None = None
    offered_at: int = 0


# --------------------------------------------------------------------------- state


class State(Record):
    """Session state; :meth:`to_dict` is what goes into session attributes.

    Safety answers are not in here. A "yes" only moves the phase to ``advised`` (the
    routine stays closed for this session); which question it was is not kept. The one
    more question about lasting knee pain is ``follow`` only while it waits for its answer.
    """

    phase: str = NEW
    question: int = 0
    compact: bool = False
    checked: bool = False
    routine: str = "full"
    index: int = 0
    """Position in the routine's sets (one set per technique, two per technique for both knees)."""
    step: int = 0
    run: int = 1
    """How many steps the last chunk spoke (more than one in keep-going mode)."""
    side: str | None = None
    keep_going: bool = False
    pace: float = 1.0
    paused: bool = False
    last: dict[str, str] = {}  # noqa: RUF012  # never changed in place: replaced by _replace
    """What to replay on "repeat": ``{"r": kind}``, plus ``"id"`` for a topic."""
    resume: tuple[str, int, int] | None = None
    want: tuple[str, str | None] | None = None
    """What the person asked for before the safety check: (routine id, technique id)."""
    pending: str | None = None
    heard_intro: bool = False
    remembers: bool = False
    """Progress will be kept (the store works and they have not said "forget me")."""
    returning: bool = False
    """They have done at least one step before: launch says where they'll be, one short check."""
    learned: tuple[str, ...] = ()
    """Technique ids done before (earlier sessions, and this one once moved past)."""
    sent_at: float = 0.0
    """When the last reply was sent: that request's timestamp (epoch seconds; 0 unknown)."""
    marks: tuple[float, ...] = ()
    """For a step reply not yet followed by a request: seconds from its start at which each of
    its steps has been heard to the end (see :func:`skill.voice.timing.marks`)."""
    holds: tuple[float, ...] = ()
    """Beside ``marks``: for each step of that reply, the seconds from its start at which the
    step's timed hold begins and ends (a pair per step; 0, 0 for an untimed step)."""
    hold_left: float = 0.0
    """Of the step the last reply was cut short in, as the next request's time told: seconds
    of its hold still to come; -1 when the hold had not begun, 0 when it was over."""
    heard: int = 1
    """How many of the last reply's ``run`` steps were heard to the end, once the next request
    told (its time against ``marks``). Fewer than ``run``: the reply was cut mid-step."""
    next_at: tuple[int, int] | None = (0, 0)
    """(set, step) the routine goes on from, as far as is known: the start of a reply not yet
    known to be heard, else the step cut short or the one after; None when all was heard.
    A repeat leaves it where it was (the step was heard once already)."""
    answered: int | None = None
    """The safety question the last turn answered, kept one turn only, so "I meant no" and
    "that was a mistake" can take it again. Never stored."""
    follow: str | None = None
    """While the safety check asks one more thing about lasting knee pain (:data:`FOLLOWS`):
    ``provider`` ("does a healthcare provider know about it?") or ``go_ahead`` ("would you
    still like to try a gentle routine today?"). Dropped once answered; never stored."""
    followed: str | None = None
    """The follow-up the last turn answered (with ``answered``, its question), kept one turn
    only, so "I meant no" takes that answer again. Never stored."""
    missed: int = 0
    """Turns in a row not understood at the question that is waiting (see coach.repair)."""
    lapsed: bool = False
    """An unfinished routine was kept too long to go on from (launch says it starts afresh)."""
    rate: float = 1.0
    """Speaking rate: 1.0 is Alexa's normal speed (see :data:`skill.coach.routine.RATES`)."""
    habits: Habits = Habits()
    """Finished routines by calendar day: days in a row, this week, this month."""
    tz: str | None = None
    """The device's time zone, when known (saved, looked up this session, or answered)."""
    tz_checked: bool = False
    """Alexa's settings service was asked for the time zone this session."""
    usual: str | None = None
    """The routine practised last (the "usual routine" of the progress summary)."""
    reminders: str | None = None
    """``set`` or ``declined`` once they answered about reminders (no offer after either)."""
    offered: int = 0
    """Epoch seconds of the last reminder offer."""
    asked: bool = False
    """Alexa asked for the reminders permission this session: don't ask again."""
    plan: str | None = None
    """The reminder being set up while a time, time zone or permission is awaited."""

    def to_dict(self) -> dict[str, Any]:
        data = self._asdict()
        data["v"] = STATE_VERSION
        data["resume"] = list(self.resume) if self.resume else None
        data["want"] = list(self.want) if self.want else None
        data["learned"] = list(self.learned)
        data["marks"] = list(self.marks)
        data["holds"] = list(self.holds)
        data["next_at"] = list(self.next_at) if self.next_at else None
        data["habits"] = self.habits.to_list()
        return data

    @classmethod
    def from_dict(cls, data: Any, content: Content, fresh: State | None = None) -> State:
        """Rebuild state from session attributes; anything malformed yields ``fresh``.

        Session attributes come back from the device, so every field is checked against its
        annotation (:func:`checker`) before the content checks: a wrong type, a non-finite
        number or a wrong shape anywhere gives ``fresh``, never an exception in a later turn.
        ``fresh`` defaults to a blank state; the request interceptor passes one seeded from
        the person's saved preferences, so a session written by an older deployment keeps them.
        """
        state = cls.parse(data, content)
        if state is not None:
            return state
        return fresh if fresh is not None else cls()

    @classmethod
    def parse(cls, data: Any, content: Content) -> State | None:
        """The state in session attributes, or None if it cannot be used (see :meth:`from_dict`)."""
        if not isinstance(data, dict) or data.get("v") != STATE_VERSION:
            return None
        from skill.coach.state_checks import Unusable  # a launch has nothing to check

        try:
            values = {name: check(data[name]) for name, check in field_checks().items()}
        except (KeyError, Unusable):
            return None
        values["run"] = max(1, values["run"])
        values["heard"] = max(0, values["heard"])
        if values["side"] not in SIDES:
            values["side"] = None
        if values["pace"] not in PACES:
            values["pace"] = 1.0
        if values["pending"] not in PENDING:
            values["pending"] = None
        if values["rate"] not in RATES:
            values["rate"] = 1.0
        if values["tz"] is not None and not is_time_zone_name(values["tz"]):
            values["tz"] = None
        if values["reminders"] not in (None, *REMINDERS):
            values["reminders"] = None
        if values["follow"] not in FOLLOWS or values["phase"] != SAFETY:
            values["follow"] = None
        if values["followed"] not in FOLLOWS:
            values["followed"] = None
        state = cls(**values)
        return state if _consistent(state, content) else None


REMINDER_PENDING = frozenset({"offer", "remind_time", "time_zone", "permission"})
"""Questions of the reminders dialog (:mod:`skill.coach.reminders`) a state can wait on."""
PENDING = frozenset({"forget", *REMINDER_PENDING})
"""Questions a state can be waiting on: deleting progress, the reminder offer, a reminder's
time, the time zone, or Alexa's own permission question."""
REMINDERS = ("set", "declined")
PROVIDER, GO_AHEAD, CONFIRM = "provider", "go_ahead", "confirm"
FOLLOWS = (PROVIDER, GO_AHEAD, CONFIRM)
"""The safety check's follow-up questions (``State.follow``): about lasting knee pain (does a
provider know? go ahead anyway?), and the returning person's "just to be sure" after a bare
yes to the short question."""


# --------------------------------------------------------------------------- validation


@functools.cache
def field_checks() -> dict[str, Callable[[Any], Any]]:
    """One check per State field, read from its annotation (a new field needs no code here).

    Built on first use, not at import: a launch has no session attributes to check, and
    reading annotations evaluates each one, which a cold start should not pay for.
    """
    from skill.coach.state_checks import checker

    hints = get_type_hints(State)
    return {name: checker(hints[name]) for name in State._fields}


def _consistent(state: State, content: Content) -> bool:
    if state.phase not in PHASES or state.routine not in {r.id for r in content.routines}:
        return False
    if not _references_exist(state, content):
        return False
    if state.answered is not None and not 0 <= state.answered < question_count(content, state):
        return False
    if state.phase == SAFETY:
        return 0 <= state.question < question_count(content, state)
    return valid_position(content, (state.routine, state.index, state.step), state.side)


def _references_exist(state: State, content: Content) -> bool:
    """Ids kept for a later turn (resume point, wish, replay) still name real content.

    Session attributes can outlive a deployment that renamed or removed something; a
    dangling id would otherwise crash a later turn instead of starting fresh.
    """
    if state.resume and not valid_position(content, state.resume, state.side):
        return False
    if state.next_at and not valid_position(content, (state.routine, *state.next_at), state.side):
        return False
    if state.want:
        routine_id, technique_id = state.want
        if routine_id not in {r.id for r in content.routines}:
            return False
        if technique_id is not None and technique_id not in {t.id for t in content.techniques}:
            return False
    if not set(state.learned) <= {t.id for t in content.techniques}:
        return False
    replay = state.last.get("r")
    return not (replay == "topic" and state.last.get("id") not in {t.id for t in content.topics})


def question_count(content: Content, state: State) -> int:
    """How many safety questions this session's check asks (one, in every short form)."""
    if state.compact or content.safety.style == "statements":
        return 1
    return len(content.safety.questions)


def fresh_state(memory: Memory, content: Content | None = None) -> State:
    """A new session's state, seeded with the person's saved preferences.

    With ``content``, anything saved that this content no longer has (a renamed routine, a
    removed technique, a position past the end) is dropped instead of kept.
    """
    routine, resume, learned = memory.last_routine, memory.resume, memory.learned
    if content is not None:
        routines = {r.id for r in content.routines}
        routine = routine if routine in routines else None
        side = memory.side if memory.side in SIDES else None
        if resume and not valid_position(content, resume, side):
            resume = None
        learned = tuple(t for t in learned if t in {t.id for t in content.techniques})
    return State(
        routine=routine or "full",
        side=memory.side if memory.side in SIDES else None,
        keep_going=memory.keep_going,
        pace=memory.pace if memory.pace in PACES else 1.0,
        resume=resume,
        lapsed=memory.lapsed,
        heard_intro=memory.heard_intro,
        remembers=memory.remembers,
        returning=memory.last_routine is not None,
        learned=learned,
        rate=memory.rate if memory.rate in RATES else 1.0,
        habits=memory.habits,
        tz=memory.time_zone,
        usual=routine,
        reminders=memory.reminders,
        offered=memory.offered_at,
    )
