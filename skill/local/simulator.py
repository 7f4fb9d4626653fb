"""A stand-in for the Alexa service: typed words in, real request envelopes out.

Used by ``knee-coach chat``, the dialog tests and the benchmarks, so all three exercise the
same path a real device does: the interaction model decides the intent (or Fallback), the
envelope carries slots with entity resolution and the session attributes the skill returned
last turn, and the skill's own ``lambda_handler``-style entry point answers.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from skill import intents
from skill.intents import REMINDERS_SCOPE
from skill.nlu import InteractionModel, Match, default_model, normalise
from skill.timing import ANSWER_SECONDS, SOUND_SECONDS, WORDS_PER_SECOND

Envelope = dict[str, Any]
Invoke = Callable[[Envelope, Any], dict[str, Any]]
Clock = Callable[[], datetime]

LOCAL_USER_ID = "amzn1.ask.account.LOCAL-CHAT-USER"
LOCAL_DEVICE_ID = "local-device"
API_ENDPOINT = "https://api.amazonalexa.com"
PERMISSION_QUESTION = (
    "Do you give Knee Coach permission to create and edit reminders? You can say I approve, or no."
)
"""What Alexa itself asks when a skill sends the AskFor directive (the skill has no say in it)."""
_APPROVALS = frozenset({"i approve", "approve", "yes", "yeah", "yep", "sure", "ok", "okay"})
_REFUSALS = frozenset({"no", "nope", "no thanks", "no thank you", "i dont approve", "deny"})
LOCAL_SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
SIMULATED_START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
"""Where a simulated clock starts unless told otherwise: a Monday morning, UTC."""
THINK_SECONDS = ANSWER_SECONDS
"""How long a simulated person takes to answer once Alexa has finished speaking."""


def wall_clock() -> datetime:
    return datetime.now(timezone.utc)


def timestamp(moment: datetime) -> str:
    """Alexa's request timestamp format (ISO 8601, UTC, whole seconds)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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


def slot_payload(model: InteractionModel, match: Match) -> dict[str, Any]:
    """Slots as Alexa sends them: every slot of the intent, filled ones with resolutions."""
    slots: dict[str, Any] = {}
    for name, slot_type in model.slots_of(match.intent).items():
        slot: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
        value = match.slots.get(name)
        if value is not None and slot_type.startswith("AMAZON."):
            slot["value"] = value.id or value.spoken  # a built-in type resolves in place
        elif value is not None:
            slot["value"] = value.spoken
            authority = f"amzn1.er-authority.echo-sdk.{LOCAL_SKILL_ID}.{slot_type}"
            if value.id is not None:
                status = "ER_SUCCESS_MATCH"
                values = [{"value": {"name": value.name or value.spoken, "id": value.id}}]
            else:
                status, values = "ER_SUCCESS_NO_MATCH", []
            slot["resolutions"] = {
                "resolutionsPerAuthority": [
                    {"authority": authority, "status": {"code": status}, "values": values}
                ]
            }
        slots[name] = slot
    return slots


@dataclass
class Session:
    """One Alexa session's worth of envelope plumbing."""

    user_id: str = LOCAL_USER_ID
    locale: str = "en-US"
    skill_id: str = LOCAL_SKILL_ID
    apl: bool = False
    apl_version: str = "2023.3"
    """The newest APL version the simulated screen's runtime supports."""
    session_id: str = field(default_factory=lambda: f"amzn1.echo-api.session.{uuid.uuid4()}")
    attributes: dict[str, Any] = field(default_factory=dict)
    new: bool = True
    open: bool = True
    clock: Clock = wall_clock
    api_endpoint: str = API_ENDPOINT
    """Where the skill's service clients send Alexa API calls (a local stand-in in tests)."""
    api_token: str = "local-api-access-token"
    granted: set[str] = field(default_factory=set)
    """Permission scopes the person has granted the skill (shared by every session)."""

    def envelope(self, request: dict[str, Any]) -> Envelope:
        interfaces: dict[str, Any] = {}
        if self.apl:
            interfaces["Alexa.Presentation.APL"] = {"runtime": {"maxVersion": self.apl_version}}
        application = {"applicationId": self.skill_id}
        user: dict[str, Any] = {"userId": self.user_id}
        if self.granted:
            user["permissions"] = {
                "consentToken": self.api_token,
                "scopes": {scope: {"status": "GRANTED"} for scope in sorted(self.granted)},
            }
        return {
            "version": "1.0",
            "session": {
                "new": self.new,
                "sessionId": self.session_id,
                "application": application,
                "attributes": dict(self.attributes),
                "user": user,
            },
            "context": {
                "System": {
                    "application": application,
                    "user": user,
                    "device": {"deviceId": LOCAL_DEVICE_ID, "supportedInterfaces": interfaces},
                    "apiEndpoint": self.api_endpoint,
                    "apiAccessToken": self.api_token,
                },
            },
            "request": {
                "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
                "timestamp": timestamp(self.clock()),
                "locale": self.locale,
                **request,
            },
        }

    def launch(self) -> Envelope:
        return self.envelope({"type": "LaunchRequest"})

    def intent(self, name: str, slots: dict[str, Any] | None = None) -> Envelope:
        intent = {"name": name, "confirmationStatus": "NONE", "slots": slots or {}}
        return self.envelope(
            {"type": "IntentRequest", "dialogState": "COMPLETED", "intent": intent}
        )

    def ended(self, reason: str = "USER_INITIATED") -> Envelope:
        return self.envelope({"type": "SessionEndedRequest", "reason": reason})

    def user_event(self, *arguments: Any) -> Envelope:
        return self.envelope(
            {
                "type": "Alexa.Presentation.APL.UserEvent",
                "token": "kneeCoach",
                "arguments": list(arguments),
            }
        )

    def permission_answer(
        self, status: str, token: str | None, card: bool = False, code: str = "200"
    ) -> Envelope:
        """Alexa's ``Connections.Response`` after it asked for the reminders permission."""
        return self.envelope(
            {
                "type": "Connections.Response",
                "name": "AskFor",
                "status": {"code": code, "message": "OK" if code == "200" else "Error"},
                "payload": {
                    "permissionScope": REMINDERS_SCOPE,
                    "status": status,
                    "isCardThrown": card,
                },
                "token": token or "",
            }
        )

    def can_fulfill(self, name: str, slots: dict[str, Any] | None = None) -> Envelope:
        """Alexa asking, before routing a request that named no skill, whether we could serve it."""
        intent = {"name": name, "slots": slots or {}}
        return self.envelope({"type": "CanFulfillIntentRequest", "intent": intent})

    def exception_encountered(self) -> Envelope:
        """Alexa could not use the skill's last response (the device tells the skill why)."""
        envelope = self.envelope(
            {
                "type": "System.ExceptionEncountered",
                "error": {"type": "INVALID_RESPONSE", "message": "the response was not valid"},
                "cause": {"requestId": f"amzn1.echo-api.request.{uuid.uuid4()}"},
            }
        )
        envelope.pop("session")  # sent outside the session
        return envelope

    def apl_runtime_error(self) -> Envelope:
        """The screen could not show or run the last document."""
        error = {"type": "LIST_ERROR", "reason": "INTERNAL_ERROR", "message": "cannot run"}
        return self.envelope(
            {"type": "Alexa.Presentation.APL.RuntimeError", "token": "kneeCoach", "errors": [error]}
        )

    def absorb(self, response: dict[str, Any]) -> None:
        """Carry the skill's session attributes into the next turn, as Alexa does."""
        self.new = False
        self.attributes = dict(response.get("sessionAttributes") or {})
        end = response.get("response", {}).get("shouldEndSession")
        # Unset keeps a screen device's session open with the mic closed (the APL document
        # is speaking a timed hold); on a voice-only device Alexa would close it.
        self.open = end is False or (end is None and self.apl)


@dataclass
class Turn:
    heard: str
    """What the simulated Alexa understood: ``LaunchRequest`` or an intent with slots."""
    response: dict[str, Any]

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
        return ssml_seconds(self.spoken)

    @property
    def screen_event(self) -> list[Any] | None:
        """The arguments a screen will send back once it has spoken this turn, if any."""
        execute = _directive(self.directives, EXECUTE_COMMANDS)
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
    """

    def __init__(
        self,
        invoke: Invoke,
        model: InteractionModel | None = None,
        clock: Clock | None = None,
        **session: Any,
    ) -> None:
        self.invoke = invoke
        self.model = model or default_model()
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
            words = normalise(text)
            status = (
                "ACCEPTED"
                if words in _APPROVALS
                else "DENIED"
                if words in _REFUSALS
                else "NOT_ANSWERED"
            )
            return self.answer_permission(status)
        if self.model.is_launch(text):
            return self.launch()
        if not self.session.open:
            # "Alexa, ask knee coach to ..." with no session open: a one-shot, new session.
            self.session = Session(**self.session_options)
        return self.send_intent(self.model.match(text) or Match(intents.FALLBACK))

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
        turn = Turn(heard, response)
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


RENDER_DOCUMENT = "Alexa.Presentation.APL.RenderDocument"
EXECUTE_COMMANDS = "Alexa.Presentation.APL.ExecuteCommands"


def _directive(directives: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    return next((d for d in directives if d.get("type") == kind), None)


def screen_ssml(directives: list[dict[str, Any]]) -> str:
    """What a screen's document speaks, in order, as one SSML string (silences as breaks).

    Replays the ExecuteCommands the way a device runs them: each SpeakItem plays its cue
    (APL for audio: speech and the chime), each delayed SetValue waits its delay first.
    """
    render = _directive(directives, RENDER_DOCUMENT)
    execute = _directive(directives, EXECUTE_COMMANDS)
    if render is None or execute is None:
        return ""
    sources = render.get("sources") or {}
    pieces: list[str] = []
    for command in execute.get("commands") or []:
        delay_ms = int(command.get("delay") or 0)
        while delay_ms > 0:
            chunk = min(delay_ms, 10_000)
            pieces.append(f'<break time="{chunk / 1000:g}s"/>')
            delay_ms -= chunk
        if command.get("type") != "SpeakItem":
            continue
        cue = sources.get(command.get("componentId")) or {}
        for item in ((cue.get("mainTemplate") or {}).get("item") or {}).get("items") or []:
            if item.get("type") == "Speech":
                content = str(item.get("content") or "")
                pieces.append(content.removeprefix("<speak>").removesuffix("</speak>"))
            elif item.get("type") == "Audio":
                pieces.append(f'<audio src="{item.get("source", "")}"/>')
    return f"<speak>{' '.join(pieces)}</speak>" if pieces else ""


def ssml_seconds(ssml: str) -> float:
    """How long Alexa takes to play some SSML: words at the speaking rate, breaks, sounds.

    Words inside ``<prosody rate="N%">`` are spoken at N % of the normal rate.
    """
    breaks = sum(
        float(value) / (1000 if unit == "ms" else 1) for value, unit in _BREAK.findall(ssml)
    )
    sounds = len(_AUDIO.findall(ssml)) * SOUND_SECONDS
    slowed = sum(
        len(_TAG.sub(" ", text).split()) / (WORDS_PER_SECOND * int(percent) / 100)
        for percent, text in _PROSODY.findall(ssml)
    )
    words = len(_TAG.sub(" ", _PROSODY.sub(" ", ssml)).split())
    return words / WORDS_PER_SECOND + slowed + breaks + sounds


_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r'<break time="([\d.]+)(m?s)"/>')
_AUDIO = re.compile(r"<audio [^>]*/>")
_PROSODY = re.compile(r'<prosody rate="(\d+)%">(.*?)</prosody>', re.DOTALL)


def plain_text(ssml: str) -> str:
    """SSML as a reader sees it: pauses as ``[pause 20s]``, sounds as ``[chime]``."""

    def pause(seconds: float) -> str:
        return f" [pause {seconds:g}s] "

    text = ssml
    text = re.sub(
        r'(?:<break time="[\d.]+m?s"/>\s*)+',
        lambda m: pause(
            sum(float(v) / (1000 if unit == "ms" else 1) for v, unit in _BREAK.findall(m.group(0)))
        ),
        text,
    )
    text = _AUDIO.sub(" [chime] ", text)
    text = _TAG.sub("", text)
    text = (
        text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    )
    return " ".join(text.split())
