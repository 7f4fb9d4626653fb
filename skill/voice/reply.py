"""What the coach wants said: plain data, rendered to SSML and cards by :mod:`skill.voice.speech`.

Keeping the reply as data (text, pauses, sounds) instead of markup means the coach never
escapes anything and the renderer is the only place that knows Alexa's SSML limits.

The types are records (:mod:`skill.record`): immutable and typed; build changes with
``_replace``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from skill.record import Record


class Say(Record):
    text: str


class Pause(Record):
    seconds: float
    settle: bool = False
    """A moment to get into position between instructions, not a timed hold: a screen keeps
    it in the spoken cue instead of counting it down."""


class Sound(Record):
    url: str


Part = Say | Pause | Sound


class View(Record):
    """What a screen shows for this turn (APL on Echo Show; the card in the Alexa app)."""

    kind: str
    """``step``, ``question``, ``topic``, ``done``, ``info``, or ``none`` (nothing to show)."""
    title: str
    text: str
    technique_number: int = 0
    technique_count: int = 0
    step_number: int = 0
    step_count: int = 0
    hold_seconds: int = 0
    paused: bool = False
    position: str = ""
    """Which response of the routine this screen belongs to (see ``coach.prompts.position_key``).

    A screen that speaks a timed step sends it back when it has finished, so an event that
    arrives after the person has moved on is recognised as late and changes nothing."""
    actions: tuple[str, ...] | None = None
    """What the person can do next, as screen buttons (``pause``, ``side:left``, ...); set by
    the coach for every reply. ``None``: the screen picks the usual buttons for ``kind``."""

    def as_dict(self) -> dict[str, Any]:
        return self._asdict()


class Reply(Record):
    parts: tuple[Part, ...]
    reprompt: str | None
    """Spoken when the person says nothing; ``None`` only when the session ends."""
    view: View
    end_session: bool = False
    effects: frozenset[str] = frozenset()
    """Side effects for the handler layer: ``completed`` (a routine finished), ``ended`` (it
    stopped at its end unfinished: nothing to resume, nothing counted), ``forget``,
    ``remind`` (make :attr:`reminder`), ``list_reminders``, ``cancel_reminders``, ``offered``
    and ``declined`` (the reminder offer), ``time_zone`` (look it up and ask the coach again)."""
    rate: float = 1.0
    """Speaking rate for everything said (SSML ``<prosody rate>``); set by the coach's entry."""
    reminder: Reminder | None = None
    """The reminder to make, with the ``remind`` effect."""
    ask_for: str | None = None
    """Hand the turn to Alexa's own permission question (``Connections.SendRequest``
    ``AskFor`` the reminders scope); the value is the token Alexa brings back."""
    consent_card: bool = False
    """Send the card that lets the person grant the reminders permission in the Alexa app."""
    closing: str | None = None
    """The closing prompt (say next, or pause) when it is the last of ``parts``.

    A screen that speaks a timed reply itself plays everything before it, then sends an
    end-of-hold event; the skill says the closing prompt in answer, with the microphone open."""

    @property
    def silent(self) -> bool:
        """Nothing to say and nothing to show: the answer to an event that came too late.

        (A turn handed to Alexa's permission question says nothing either, but is not silent.)
        """
        return not self.parts and self.ask_for is None

    @property
    def text(self) -> str:
        """Everything spoken, as plain text (for cards, logs of tests and the simulator)."""
        return " ".join(part.text for part in self.parts if isinstance(part, Say))


def silence() -> Reply:
    """A reply that says and shows nothing and leaves the session as it is."""
    return Reply((), None, View("none", "", ""))


class Reminder(Record):
    """A reminder ready to be made: when it first rings, where, how often, what it says."""

    first: datetime
    """The first time it rings: local wall-clock time, no time zone attached (Alexa's format)."""
    time_zone: str
    daily: bool
    text: str
    requested: datetime
    """When it was asked for, local wall-clock time (the API's ``requestTime``)."""

    @property
    def time(self) -> tuple[int, int]:
        return self.first.hour, self.first.minute
