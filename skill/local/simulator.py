"""A stand-in for the Alexa service: typed words in, real request envelopes out.

Used by ``knee-coach chat``, the dialog tests and the benchmarks, so all three exercise the
same path a real device does: the interaction model decides the intent (or Fallback), the
envelope carries slots with entity resolution and the session attributes the skill returned
last turn, and the skill's own ``lambda_handler``-style entry point answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from skill.alexa import intents
from skill.content.load import default_content
from skill.content.records import Language
from skill.local.envelopes import Clock, Envelope, Session, slot_payload
from skill.local.nlu import InteractionModel, Match, default_model, normalise
from skill.local.ssml_text import (
    EXECUTE_COMMANDS,
    directive,
    plain_text,
    screen_ssml,
    ssml_seconds,
)
from skill.voice.timing import ANSWER_SECONDS, WORDS_PER_SECOND

Invoke = Callable[[Envelope, Any], dict[str, Any]]

SIMULATED_START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
"""Where a simulated clock starts unless told otherwise: a Monday morning, UTC."""
THINK_SECONDS = ANSWER_SECONDS
"""How long a simulated person takes to answer once Alexa has finished speaking."""


class SimulatedClock:
    """Alexa's clock for a simulated person: time passes only as speech plays and they wait.

    Tests and ``chat --fast`` use it, so every request timestamp is deterministic and a
    dialog can say exactly when each request arrives (see :class:`Conversation`).
    """

    def __init__(self, start: datetime = SIMULATED_START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def set(self, moment: datetime) -> None:
        self.now = moment


@dataclass
class Turn:
    heard: str
    """What the simulated Alexa understood: ``LaunchRequest`` or an intent with slots."""
    response: dict[str, Any]
    wps: float = WORDS_PER_SECOND
    """How many words a second Alexa speaks in this language (its ``language.yaml``)."""

    @property
    def ssml(self) -> str:
        speech = self.response.get("response", {}).get("outputSpeech") or {}
        return str(speech.get("ssml") or speech.get("text") or "")

    @property
    def reprompt(self) -> str:
        speech = (self.response.get("response", {}).get("reprompt") or {}).get("outputSpeech") or {}
        return str(speech.get("ssml") or "")

    @property
    def spoken(self) -> str:
        """What the device plays: the output speech, or what a screen's document speaks."""
        return self.ssml or screen_ssml(self.directives)

    @property
    def text(self) -> str:
        return plain_text(self.spoken)

    @property
    def seconds(self) -> float:
        """How long the device takes to play this turn, to the end of any countdown."""
        return ssml_seconds(self.spoken, self.wps)

    @property
    def screen_event(self) -> list[Any] | None:
        """The arguments a screen will send back once it has spoken this turn, if any."""
        execute = directive(self.directives, EXECUTE_COMMANDS)
        commands = list((execute or {}).get("commands") or [])
        if commands and commands[-1].get("type") == "SendEvent":
            return list(commands[-1].get("arguments") or [])
        return None

    @property
    def open(self) -> bool:
        return self.response.get("response", {}).get("shouldEndSession") is False

    @property
    def card(self) -> dict[str, Any]:
        return dict(self.response.get("response", {}).get("card") or {})

    @property
    def directives(self) -> list[dict[str, Any]]:
        return list(self.response.get("response", {}).get("directives") or [])

    @property
    def asks_permission(self) -> dict[str, Any] | None:
        """The ``Connections.SendRequest`` AskFor directive, when the skill hands Alexa the turn."""
        return next(
            (
                d
                for d in self.directives
                if d.get("type") == "Connections.SendRequest" and d.get("name") == "AskFor"
            ),
            None,
        )


class Conversation:
    """A person talking to the skill through a simulated device, across sessions.

    Request timestamps come from ``clock``. With the default :class:`SimulatedClock`, each
    response is heard to its end (its words at the speaking rate, its pauses and sounds) and
    the person answers :data:`THINK_SECONDS` later; :meth:`cut_after` makes the next request
    arrive while a response is still playing ("Alexa, pause" mid-hold), and :meth:`wait`
    adds silence (a timeout, the next day). A wall clock (``knee-coach chat``) ignores both.

    The session's locale is the model's (``de-DE`` for the German model) unless given; Alexa's
    own words (its permission question) and the speed of its speech are that language's.
    """

    def __init__(
        self,
        invoke: Invoke,
        model: InteractionModel | None = None,
        clock: Clock | None = None,
        **session: Any,
    ) -> None:
        self.invoke = invoke
        self.model = model or default_model(str(session.get("locale", "en-US")))
        session.setdefault("locale", self.model.locale)
        self.language: Language = default_content(locale=str(session["locale"])).language
        self.clock: Clock = clock or SimulatedClock()
        session.setdefault("granted", set())  # one person: what they grant outlasts a session
        self.session_options = {**session, "clock": self.clock}
        self.session = Session(**self.session_options)
        self._sent_at: datetime | None = None
        self._last: Turn | None = None
        self._earlier_screen: Turn | None = None
        self.asking: dict[str, Any] | None = None
        """Alexa's own permission question, while it waits for the person's answer."""

    def say(self, text: str) -> Turn:
        """Type what the person says; opening phrases start a new session like Alexa does.

        While Alexa is asking for a permission (the skill sent ``AskFor``), the words answer
        Alexa, not the skill: "I approve" or "yes" grants it, "no" denies it, anything else
        leaves it unanswered. The skill then hears Alexa's ``Connections.Response``.
        """
        if self.asking is not None:
            words = normalise(text, self.model.locale)
            status = (
                "ACCEPTED"
                if words in self._answers(self.language.approvals)
                else "DENIED"
                if words in self._answers(self.language.refusals)
                else "NOT_ANSWERED"
            )
            return self.answer_permission(status)
        if self.model.is_launch(text):
            return self.launch()
        if not self.session.open:
            # "Alexa, ask knee coach to ..." with no session open: a one-shot, new session.
            self.session = Session(**self.session_options)
        return self.send_intent(self.model.match(text) or Match(intents.FALLBACK))

    def _answers(self, phrases: tuple[str, ...]) -> set[str]:
        return {normalise(phrase, self.model.locale) for phrase in phrases}

    @property
    def permission_question(self) -> str:
        """What Alexa itself asks when the skill hands it the reminders permission question."""
        return self.language.permission_question

    def launch(self) -> Turn:
        self.asking = None
        self.session = Session(**self.session_options)
        return self._send("LaunchRequest", self.session.launch())

    def send_intent(self, match: Match) -> Turn:
        envelope = self.session.intent(match.intent, slot_payload(self.model, match))
        heard = match.intent + "".join(f" {k}={v.spoken!r}" for k, v in match.slots.items())
        return self._send(heard, envelope)

    def answer_permission(self, status: str, card: bool = False) -> Turn:
        """Alexa tells the skill how its permission question went (granting it if accepted)."""
        asked, self.asking = self.asking or {}, None
        if status == "ACCEPTED":
            self.session.granted.add(str(asked.get("payload", {}).get("permissionScope")))
        envelope = self.session.permission_answer(status, asked.get("token"), card)
        return self._send(f"Connections.Response {status}", envelope)

    def touch(self, *arguments: Any) -> Turn:
        return self._send(f"touch {arguments}", self.session.user_event(*arguments))

    @property
    def screen_speaking(self) -> bool:
        """The last response is a document that will send an event when it has spoken."""
        return self._last is not None and self._last.screen_event is not None

    def screen_finishes(self, late: bool = False) -> Turn | None:
        """The screen finished speaking the last response: its document sends its event.

        The event arrives when the document's speech and countdown are over (with a simulated
        clock). ``late``: the event of the screen response *before* the last one arrives now,
        as when the person spoke just as that hold ended. ``None`` when there is no such event.
        """
        if late:
            if self._earlier_screen is None:
                return None
            arguments = self._earlier_screen.screen_event or []
        else:
            if self._last is None or self._last.screen_event is None or self._sent_at is None:
                return None
            arguments = self._last.screen_event
            if isinstance(self.clock, SimulatedClock):
                self.clock.set(self._sent_at + timedelta(seconds=self._last.seconds))
        end_of_hold = arguments[:1] == ["holdDone"]
        heard = "EndOfHold (the screen's event)" if end_of_hold else f"screen {arguments}"
        return self._send(heard, self.session.user_event(*arguments))

    def can_fulfill(self, match: Match) -> Turn:
        """Alexa asks, for a request that named no skill, whether this skill could serve it.

        Slots carry the words heard, as in Alexa's documented example (no resolutions), so
        the skill resolves them against its own content.
        """
        slots = {
            name: {"name": name, "value": value["value"]}
            for name, value in slot_payload(self.model, match).items()
            if "value" in value
        }
        envelope = Session(**self.session_options).can_fulfill(match.intent, slots)
        return self._send(f"CanFulfillIntentRequest {match.intent}", envelope, absorb=False)

    def device_request(self, kind: str) -> Turn:
        """A request the device sends on its own: ``exception`` or ``apl_error``."""
        envelopes = {
            "exception": self.session.exception_encountered,
            "apl_error": self.session.apl_runtime_error,
        }
        envelope = envelopes[kind]()
        return self._send(str(envelope["request"]["type"]), envelope, absorb=kind != "exception")

    def end_session(self, reason: str = "EXCEEDED_MAX_REPROMPTS") -> Turn:
        """The person went quiet: Alexa closes the session and tells the skill.

        If Alexa was asking for a permission, its silence is an answer: ``NOT_ANSWERED``.
        """
        if self.asking is not None:
            return self.answer_permission("NOT_ANSWERED")
        turn = self._send("SessionEndedRequest", self.session.ended(reason))
        self.session.open = False
        return turn

    def wait(self, seconds: float) -> None:
        """The person stays quiet this much longer before the next request."""
        if isinstance(self.clock, SimulatedClock):
            self.clock.advance(seconds)

    def cut_after(self, seconds: float) -> None:
        """The next request arrives ``seconds`` after the last response began to play."""
        if isinstance(self.clock, SimulatedClock) and self._sent_at is not None:
            self.clock.set(self._sent_at + timedelta(seconds=seconds))

    def _send(self, heard: str, envelope: Envelope, absorb: bool = True) -> Turn:
        sent_at = self.clock()
        response = self.invoke(envelope, None)
        turn = Turn(heard, response, self.language.words_per_second)
        if not absorb:  # a request outside the conversation: it changes nothing in it
            return turn
        if self._last is not None and self._last.screen_event is not None:
            self._earlier_screen = self._last
        self._sent_at, self._last = sent_at, turn
        self.session.absorb(response)
        self.asking = turn.asks_permission
        if self.asking is not None:
            self.session.open = True  # Alexa holds the session while it asks
        if isinstance(self.clock, SimulatedClock):
            self.clock.advance(turn.seconds + THINK_SECONDS)
        return turn
