"""What a coaching session is in: its phase, position and preferences, and the events it hears.

The handlers turn intents into :class:`Event` values; :class:`State` is what survives
between turns (in session attributes), and :class:`Memory` is what survives between
sessions. Both are plain frozen data, checked on the way in so that anything stale or
tampered with yields a fresh state instead of a crash in a later turn.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from skill.content import Content
from skill.habits import Habits, is_time_zone_name
from skill.record import Record
from skill.routine import PACES, RATES, valid_position

STATE_VERSION = 3

# Phases
NEW, SAFETY, SIDE, ROUTINE, DONE, ADVISED, IDLE = (
    "new", "safety", "side", "routine", "done", "advised", "idle",
)  # fmt: skip
PHASES = frozenset({NEW, SAFETY, SIDE, ROUTINE, DONE, ADVISED, IDLE})
SIDES = ("left", "right", "both")


# --------------------------------------------------------------------------- events


class On:
    """Event kinds; handlers map intents and touch events onto these."""

    LAUNCH = "launch"
    START = "start"  # value: routine id or None
    GO_TO = "go_to"  # value: technique id, or the unresolved spoken name prefixed "?"
    YES = "yes"
    NO = "no"
    PAUSE = "pause"
    RESUME = "resume"
    REPEAT = "repeat"
    NEXT = "next"
    PREVIOUS = "previous"
    START_OVER = "start_over"
    HELP = "help"
    FALLBACK = "fallback"
    STOP = "stop"
    WHERE = "where"
    SLOWER = "slower"
    FASTER = "faster"
    KEEP_GOING = "keep_going"
    STEP_BY_STEP = "step_by_step"
    SIDE = "side"  # value: left, right, both
    EXPLAIN = "explain"
    DISCLAIMER = "disclaimer"
    TOPIC = "topic"  # value: topic id
    FORGET = "forget"
    PAIN = "pain"  # "it hurts": understood in every phase, never stored
    CONDITION = "condition"  # "I have high blood pressure": a condition named, in any phase
    UNSURE = "unsure"  # "I'm not sure", "maybe"
    UNDO = "undo"  # value: "no" / "yes" ("I meant no"), or None ("that was a mistake")
    LIGHTER = "lighter"  # try the step again with less pressure
    SKIP = "skip"  # skip this technique
    END = "end"  # the session ended (silence, "exit"): no reply is spoken
    HOLD_DONE = "hold_done"  # value: the position the screen finished speaking (View.position)
    SCREEN_ERROR = "screen_error"  # the screen could not show or play the last response
    PROGRESS = "progress"  # "how am I doing?"
    SPEAK_SLOWER = "speak_slower"
    SPEAK_FASTER = "speak_faster"
    SPEAK_NORMAL = "speak_normal"
    REMIND = "remind"  # value: what they asked for, e.g. "daily 09:00" (see skill.reminder)
    TIME = "time"  # value: an AMAZON.TIME value ("19:00", "EV"), said on its own
    TIME_ZONE = "time_zone"  # value: an IANA time zone name, or the unresolved words prefixed "?"
    LIST_REMINDERS = "list_reminders"
    CANCEL_REMINDERS = "cancel_reminders"
    PERMISSION = "permission"  # value: ACCEPTED / DENIED / NOT_ANSWERED / ERROR; detail: token


class Event(Record):
    kind: str
    value: str | None = None
    at: float = 0.0
    """When Alexa heard it: the request's timestamp in epoch seconds (0 when unknown)."""
    detail: str | None = None
    """A second value: the token a permission answer (``Connections.Response``) carries back."""
    granted: bool = False
    """The person has granted the reminders permission (read from this request)."""


class Memory(Record):
    """What the persistent store knows about this person (never anything about health)."""

    heard_intro: bool = False
    side: str | None = None
    keep_going: bool = False
    pace: float = 1.0
    resume: tuple[str, int, int] | None = None
    """(routine id, set index, step index) of an unfinished routine worth offering."""
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
    routine stays closed for this session); which question it was is not kept.
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
    its steps has been heard to the end (see :func:`skill.timing.marks`)."""
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
    rate: float = 1.0
    """Speaking rate: 1.0 is Alexa's normal speed (see :data:`skill.routine.RATES`)."""
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
        state = cls(**values)
        return state if _consistent(state, content) else None


REMINDER_PENDING = frozenset({"offer", "remind_time", "time_zone", "permission"})
"""Questions of the reminders dialog (:mod:`skill.coach.reminders`) a state can wait on."""
PENDING = frozenset({"forget", *REMINDER_PENDING})
"""Questions a state can be waiting on: deleting progress, the reminder offer, a reminder's
time, the time zone, or Alexa's own permission question."""
REMINDERS = ("set", "declined")


# --------------------------------------------------------------------------- validation

MAX_JSON_INT = 2**53
"""Integers beyond this do not survive a JSON round trip through other languages."""


class Unusable(ValueError):
    """A session value does not have the type its field declares."""


Check = Callable[[Any], Any]


def checked(value: Any, kind: Any) -> Any:
    """``value`` as field type ``kind`` (JSON lists become tuples), or :class:`Unusable`.

    Strict on purpose: a bool is not an int, a string is not a bool, numbers are finite and
    integers JSON-safe, and containers have exactly their declared shape. Supports what state
    fields use: ``bool``, ``int``, ``float``, ``str``, ``None``, unions, ``tuple[...]`` (fixed or
    ``...``), ``dict[K, V]``, records (as the list of their fields) and ``Any`` (any JSON
    value with finite numbers).
    """
    return checker(kind)(value)


@functools.cache
def checker(kind: Any) -> Check:
    """The check for ``kind``, built once (every turn checks every field); ``TypeError`` for a
    type with no rule, so a new State field of an unsupported type fails on first use (and in
    the tests, which check every field)."""
    origin, args = get_origin(kind), get_args(kind)
    if kind is Any:
        return _json_value
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    if origin in (Union, UnionType):
        return _one_of(tuple(checker(arg) for arg in args), kind)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _tuple_of(checker(args[0]))
    if origin is tuple:
        return _fixed_tuple(tuple(checker(arg) for arg in args))
    if origin is dict:
        return _dict_of(checker(args[0]), checker(args[1]))
    if isinstance(kind, type) and issubclass(kind, Record):
        return _record(kind)
    raise TypeError(f"State field type {kind!r} has no validation rule in skill.state.checker")


def _unusable(value: Any, what: str) -> Unusable:
    return Unusable(f"{value!r:.40} is not {what}")


def _none(value: Any) -> None:
    if value is not None:
        raise _unusable(value, "None")


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _unusable(value, "a bool")
    return value


def _int(value: Any) -> int:
    if type(value) is not int or not -MAX_JSON_INT < value < MAX_JSON_INT:
        raise _unusable(value, "a JSON-safe int")
    return value


def _float(value: Any) -> float:
    if type(value) is int:
        return float(_int(value))
    if type(value) is not float or not math.isfinite(value):
        raise _unusable(value, "a finite number")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise _unusable(value, "a string")
    return value


_SIMPLE: dict[Any, Check] = {bool: _bool, int: _int, float: _float, str: _str, type(None): _none}


def _one_of(options: tuple[Check, ...], kind: Any) -> Check:
    def check(value: Any) -> Any:
        for option in options:
            try:
                return option(value)
            except Unusable:
                continue
        raise _unusable(value, f"any of {kind}")

    return check


def _tuple_of(item: Check) -> Check:
    def check(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, (list, tuple)):
            raise _unusable(value, "a list")
        return tuple(item(x) for x in value)

    return check


def _fixed_tuple(items: tuple[Check, ...]) -> Check:
    def check(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, (list, tuple)) or len(value) != len(items):
            raise _unusable(value, f"a list of {len(items)}")
        return tuple(item(x) for item, x in zip(items, value, strict=True))

    return check


def _record(kind: Any) -> Check:
    """A record (such as :class:`~skill.habits.Habits`), sent as the list of its fields."""
    hints = get_type_hints(kind)
    items = _fixed_tuple(tuple(checker(hints[name]) for name in kind._fields))

    def check(value: Any) -> Any:
        return kind(*items(value))

    return check


def _dict_of(key: Check, item: Check) -> Check:
    def check(value: Any) -> dict[Any, Any]:
        if not isinstance(value, dict):
            raise _unusable(value, "a map")
        return {key(k): item(v) for k, v in value.items()}

    return check


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if type(value) is int:
        return _int(value)
    if type(value) is float:
        return _float(value)
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {_str(k): _json_value(v) for k, v in value.items()}
    raise Unusable(f"{type(value).__name__} is not JSON")


@functools.cache
def field_checks() -> dict[str, Check]:
    """One check per State field, read from its annotation (a new field needs no code here).

    Built on first use, not at import: a launch has no session attributes to check, and
    reading annotations evaluates each one, which a cold start should not pay for.
    """
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
