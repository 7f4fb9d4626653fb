"""What the coach wants said: plain data, rendered to SSML and cards by :mod:`skill.speech`.

Keeping the reply as data (text, pauses, sounds) instead of markup means the coach never
escapes anything and the renderer is the only place that knows Alexa's SSML limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skill.reminder import Reminder


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Sound:
    url: str


Part = Say | Pause | Sound


@dataclass(frozen=True)
class View:
    """What a screen shows for this turn (APL on Echo Show; the card in the Alexa app)."""

    kind: str
    """``step``, ``question``, ``topic``, ``done`` or ``info``."""
    title: str
    text: str
    technique_number: int = 0
    technique_count: int = 0
    step_number: int = 0
    step_count: int = 0
    hold_seconds: int = 0
    paused: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Reply:
    parts: tuple[Part, ...]
    reprompt: str | None
    """Spoken when the person says nothing; ``None`` only when the session ends."""
    view: View
    end_session: bool = False
    effects: frozenset[str] = field(default_factory=frozenset)
    """Side effects for the handler layer: ``completed`` (a routine finished), ``forget``,
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

    @property
    def text(self) -> str:
        """Everything spoken, as plain text (for cards, logs of tests and the simulator)."""
        return " ".join(part.text for part in self.parts if isinstance(part, Say))
