"""Thin ASK SDK adapters: a request becomes a coach :class:`~skill.state.Event`, a reply a response.

Handlers never build speech and never call each other. Session state is loaded by a
request interceptor and saved by a response interceptor (see :mod:`skill.app`), so each
handler is one line of translation plus one call into the coach.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from ask_sdk_core.dispatch_components import (
    AbstractExceptionHandler,
    AbstractRequestHandler,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, Response
from ask_sdk_model.ui import AskForPermissionsConsentCard, SimpleCard, StandardCard

from skill import coach, intents, speech
from skill.content import Content
from skill.device import apl_max_version, supports_apl
from skill.reply import Reply
from skill.state import SIDES, Event, On, State

log = logging.getLogger(__name__)

STATE_KEY = "coach"
"""Session attribute holding the coach state (see :class:`skill.state.State`)."""
CONTENT_LOCALE = "en-US"
"""The locale whose spelling content/ is written in (``skill.spelling.WRITTEN_IN``)."""
SCOPE_KEY = "knee_coach"
"""Request attribute holding the :class:`RequestScope` shared by interceptors and handlers."""


class RequestScope:
    """What one request's interceptors and handler hand each other, typed in one place.

    A plain class (mutable, filled in as the request goes), not a dataclass, which would
    compile generated methods at import for nothing (a cold start cost).
    """

    __slots__ = ("after", "before", "event", "now", "reply", "stored")

    def __init__(self) -> None:
        self.now: float = 0.0
        """Alexa's timestamp of this request, epoch seconds (set by the request interceptor)."""
        self.before: State | None = None
        self.event: Event | None = None
        self.after: State | None = None
        self.reply: Reply | None = None
        self.stored: Any = None
        """The progress record as loaded (:class:`skill.store.StoredProgress`), if any."""


Effects = Callable[[HandlerInput, Reply], Reply]
"""Carries out a reply's side effects before it is spoken; may amend it (e.g. a failed delete)."""
Lookup = Callable[[HandlerInput], "str | None"]
"""Finds the device's time zone (Alexa's settings service) when the coach asks for it."""


def scope(handler_input: HandlerInput) -> RequestScope:
    attributes = handler_input.attributes_manager.request_attributes
    found = attributes.get(SCOPE_KEY)
    if not isinstance(found, RequestScope):
        found = attributes[SCOPE_KEY] = RequestScope()
    return found


INTENT_EVENTS: dict[str, str] = {
    intents.START_ROUTINE: On.START,
    intents.GO_TO_TECHNIQUE: On.GO_TO,
    intents.WHERE_AM_I: On.WHERE,
    intents.SLOWER: On.SLOWER,
    intents.FASTER: On.FASTER,
    intents.KEEP_GOING: On.KEEP_GOING,
    intents.STEP_BY_STEP: On.STEP_BY_STEP,
    intents.CHOOSE_SIDE: On.SIDE,
    intents.EXPLAIN: On.EXPLAIN,
    intents.READ_DISCLAIMER: On.DISCLAIMER,
    intents.FORGET_ME: On.FORGET,
    intents.PAIN: On.PAIN,
    intents.HAVE_CONDITION: On.CONDITION,
    intents.NOT_SURE: On.UNSURE,
    intents.MEANT_NO: On.UNDO,
    intents.MEANT_YES: On.UNDO,
    intents.UNDO_ANSWER: On.UNDO,
    intents.LIGHTER: On.LIGHTER,
    intents.SKIP_TECHNIQUE: On.SKIP,
    intents.YES: On.YES,
    intents.NO: On.NO,
    intents.PAUSE: On.PAUSE,
    intents.RESUME: On.RESUME,
    intents.REPEAT: On.REPEAT,
    intents.NEXT: On.NEXT,
    intents.PREVIOUS: On.PREVIOUS,
    intents.START_OVER: On.START_OVER,
    intents.HELP: On.HELP,
    intents.STOP: On.STOP,
    intents.CANCEL: On.STOP,
    intents.NAVIGATE_HOME: On.STOP,
    intents.FALLBACK: On.FALLBACK,
    intents.PROGRESS: On.PROGRESS,
    intents.SPEAK_SLOWER: On.SPEAK_SLOWER,
    intents.SPEAK_FASTER: On.SPEAK_FASTER,
    intents.NORMAL_SPEED: On.SPEAK_NORMAL,
    intents.SET_REMINDER: On.REMIND,
    intents.REMIND_TOMORROW: On.REMIND,
    intents.REMINDER_TIME: On.TIME,
    intents.TIME_ZONE: On.TIME_ZONE,
    intents.LIST_REMINDERS: On.LIST_REMINDERS,
    intents.CANCEL_REMINDERS: On.CANCEL_REMINDERS,
}

INTENT_VALUES: dict[str, str] = {intents.MEANT_NO: "no", intents.MEANT_YES: "yes"}
"""Intents that carry a fixed value into their event ("I meant no" is an undo, to no)."""

SLOT_FOR_EVENT = {
    On.START: intents.ROUTINE_SLOT,
    On.GO_TO: intents.TECHNIQUE_SLOT,
    On.SIDE: intents.SIDE_SLOT,
    On.TIME_ZONE: intents.ZONE_SLOT,
}


def handled_intents(content: Content) -> frozenset[str]:
    """Every intent name the skill answers: the fixed ones plus one per information topic."""
    return frozenset(INTENT_EVENTS) | {topic.intent for topic in content.topics}


def slot_id(request: Any, slot_name: str, content: Content) -> str | None:
    """The canonical id of a slot value: entity resolution first, then our own synonyms.

    A value Alexa heard but could not resolve comes back prefixed with ``?`` so the coach
    can say "I don't know a technique called ..." with the person's own words. ``request``
    is an ``IntentRequest`` or a ``CanFulfillIntentRequest`` (both carry ``intent.slots``).
    """
    slots = request.intent.slots if request.intent else None
    slot = (slots or {}).get(slot_name)
    if slot is None or not slot.value:
        return None
    resolutions = getattr(slot, "resolutions", None)
    for authority in getattr(resolutions, "resolutions_per_authority", None) or []:
        status = getattr(getattr(authority, "status", None), "code", None)
        if getattr(status, "value", status) == "ER_SUCCESS_MATCH" and authority.values:
            return str(authority.values[0].value.id)
    spoken = " ".join(str(slot.value).lower().replace("-", " ").split())
    return content_lookup(content, slot_name).get(spoken, f"?{slot.value}")


def content_lookup(content: Content, slot_name: str) -> dict[str, str]:
    """Spoken name → id for a slot, from content (used when entity resolution is absent)."""
    table: dict[str, str] = {}
    if slot_name == intents.TECHNIQUE_SLOT:
        for technique in content.techniques:
            for name in (technique.name, technique.id.replace("_", " "), *technique.synonyms):
                table[" ".join(name.lower().replace("-", " ").split())] = technique.id
    elif slot_name == intents.ROUTINE_SLOT:
        for routine in content.routines:
            for name in (routine.id, routine.name, *routine.synonyms):
                table[name.lower()] = routine.id
    elif slot_name == intents.SIDE_SLOT:
        table.update({side: side for side in SIDES})
        table.update({"left knee": "left", "right knee": "right", "both knees": "both"})
    return table


APL_RUNTIME_ERROR = "Alexa.Presentation.APL.RuntimeError"


def slot_value(request: IntentRequest, slot_name: str) -> str | None:
    """A slot's value as Alexa resolved it (built-in types such as ``AMAZON.TIME``)."""
    slot = ((request.intent.slots if request.intent else None) or {}).get(slot_name)
    value = getattr(slot, "value", None)
    return str(value) if value else None


def reminder_plan(request: IntentRequest) -> str:
    """ "Remind me every day at nine" as a plan spec; "tomorrow" is a one-off."""
    from skill.reminder import Plan, parse_time  # reminder turns only: a launch never needs it

    daily = request.intent is None or request.intent.name != intents.REMIND_TOMORROW
    return Plan(daily, parse_time(slot_value(request, intents.TIME_SLOT))).spec()


def reminders_granted(handler_input: HandlerInput) -> bool:
    """Whether this request says the person has granted the reminders permission."""
    system = getattr(getattr(handler_input.request_envelope, "context", None), "system", None)
    permissions = getattr(getattr(system, "user", None), "permissions", None)
    scope = (getattr(permissions, "scopes", None) or {}).get(intents.REMINDERS_SCOPE)
    status = getattr(getattr(scope, "status", None), "value", None)
    if status is not None:
        return bool(status == "GRANTED")
    return bool(getattr(permissions, "consent_token", None))


def permission_event(request: Any) -> Event:
    """Alexa's answer to its own permission question (``Connections.Response`` for AskFor)."""
    code = str(getattr(getattr(request, "status", None), "code", ""))
    payload = getattr(request, "payload", None) or {}
    answer = payload.get("status") if isinstance(payload, dict) else None
    value = str(answer) if code == "200" and answer else "ERROR"
    token = getattr(request, "token", None)
    return Event(On.PERMISSION, value, detail=str(token) if token else None)


def card_thrown(handler_input: HandlerInput) -> bool:
    """Alexa already sent the permission card itself (a device that cannot ask by voice)."""
    payload = getattr(handler_input.request_envelope.request, "payload", None)
    return isinstance(payload, dict) and bool(payload.get("isCardThrown"))


def event_for(handler_input: HandlerInput, content: Content) -> Event | None:
    """The coach event this request means, or ``None`` if it is not one the coach handles.

    An intent the skill does not have (a model changed since, a console test) is heard like
    Fallback: a calm answer right where the person is, never an error.
    """
    request = handler_input.request_envelope.request
    request_type = getattr(request, "object_type", None)
    if request_type == "LaunchRequest":
        return Event(On.LAUNCH)
    if request_type == "Alexa.Presentation.APL.UserEvent":
        from skill import apl  # screens only: keeps voice-only cold starts lean

        return apl.touch_event(getattr(request, "arguments", None))
    if request_type == APL_RUNTIME_ERROR:
        return Event(On.SCREEN_ERROR)
    if request_type == "Connections.Response":
        return permission_event(request) if getattr(request, "name", None) == "AskFor" else None
    if not isinstance(request, IntentRequest) or request.intent is None:
        return None
    name = str(request.intent.name)
    topic = content.topic_for_intent(name)
    if topic is not None:
        return Event(On.TOPIC, topic.id)
    event_kind = INTENT_EVENTS.get(name)
    if event_kind is None:
        log.warning("an intent the skill does not have: answered as fallback")
        return Event(On.FALLBACK)
    if name in INTENT_VALUES:
        return Event(event_kind, INTENT_VALUES[name])
    if event_kind == On.REMIND:
        return Event(On.REMIND, reminder_plan(request))
    if event_kind == On.TIME:
        return Event(On.TIME, slot_value(request, intents.TIME_SLOT))
    slot_name = SLOT_FOR_EVENT.get(event_kind)
    return Event(event_kind, slot_id(request, slot_name, content) if slot_name else None)


def render(
    handler_input: HandlerInput,
    reply: Reply,
    content: Content | None = None,
    *,
    screen: bool = True,
) -> Response:
    """Speech, reprompt and card for every device; APL directives only where APL is supported.

    A timed step on a screen is spoken by the screen itself (see :mod:`skill.apl`), so that
    response carries no ``outputSpeech`` and leaves ``shouldEndSession`` unset: the screen
    keeps the session open without cutting the countdown short with an open microphone, and
    its end-of-hold event brings the skill back. ``screen=False`` sends no document (the
    answer to a screen that just failed). A silent reply is an empty response.
    """
    builder = handler_input.response_builder
    if reply.ask_for is not None:
        return ask_for_permission(handler_input, reply.ask_for)
    if reply.silent:
        return builder.response
    envelope = handler_input.request_envelope
    locale = getattr(envelope.request, "locale", None)
    if locale and locale != CONTENT_LOCALE:
        from skill import spelling  # other locales only: en-US cold starts load nothing more

        reply = spelling.shown_in(reply, locale)  # cards and screens: "fibre" in en-GB
    directives, screen_speaks = [], False
    if screen and supports_apl(envelope):
        from skill import apl  # screens only: keeps voice-only cold starts lean

        if apl.renders_on(apl_max_version(envelope)):
            directives, screen_speaks = apl.directives(reply, content), apl.speaks(reply)
    if not screen_speaks:
        builder.speak(speech.speech(reply))
        reprompt = speech.reprompt(reply)
        if reprompt and not reply.end_session:
            builder.ask(reprompt)
        builder.set_should_end_session(reply.end_session)
    for directive in directives:
        builder.add_directive(directive)
    if reply.consent_card and not card_thrown(handler_input):
        builder.set_card(AskForPermissionsConsentCard(permissions=[intents.REMINDERS_SCOPE]))
    elif reply.view.kind == "done":  # the summary stays in the Alexa app as a Standard card
        builder.set_card(StandardCard(title=reply.view.title, text=speech.card_text(reply)))
    else:
        builder.set_card(SimpleCard(title=reply.view.title, content=speech.card_text(reply)))
    return builder.response


def ask_for_permission(handler_input: HandlerInput, token: str) -> Response:
    """Hand the turn to Alexa, which asks for the reminders permission in its own words.

    The response carries only the ``Connections.SendRequest`` directive: no speech, no card,
    and the session neither closed nor kept by us; Alexa answers with ``Connections.Response``.
    """
    from ask_sdk_model.interfaces.connections import SendRequestDirective

    payload: dict[str, object] = {
        "@type": "AskForPermissionsConsentRequest",
        "@version": "1",
        "permissionScope": intents.REMINDERS_SCOPE,
    }
    builder = handler_input.response_builder
    builder.add_directive(SendRequestDirective(name="AskFor", payload=payload, token=token))
    return builder.response


class CoachRequestHandler(AbstractRequestHandler):
    """Launch and every intent the coach knows: translate, step the machine, render."""

    def __init__(
        self, content: Content, effects: Effects | None = None, lookup: Lookup | None = None
    ) -> None:
        self.content = content
        self.effects = effects
        self.lookup = lookup

    def can_handle(self, handler_input: HandlerInput) -> bool:
        event = event_for(handler_input, self.content)
        scope(handler_input).event = event
        return event is not None

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = scope(handler_input)
        assert turn.event is not None  # set by can_handle
        event = turn.event._replace(at=turn.now, granted=reminders_granted(handler_input))
        before = turn.before or State()
        turn.after, turn.reply = coach.handle(self.content, before, event)
        if "time_zone" in turn.reply.effects and self.lookup is not None:
            # The coach needs the device's time zone: look it up once, then ask it again.
            found = self.lookup(handler_input)
            before = before._replace(tz=found or before.tz, tz_checked=True)
            turn.after, turn.reply = coach.handle(self.content, before, event)
        if turn.reply.effects and self.effects is not None:
            turn.reply = self.effects(handler_input, turn.reply)
        # After a screen error, answer by voice alone: the same document could fail again.
        screen = event.kind != On.SCREEN_ERROR
        return render(handler_input, turn.reply, self.content, screen=screen)


class SessionEndedHandler(AbstractRequestHandler):
    """The session closed (silence, "exit", or an error on the device): end quietly.

    The coach still hears of it (its request time tells whether the last step was heard to
    the end, so the next session goes on from the right step); nothing is spoken.
    """

    def __init__(self, content: Content | None = None) -> None:
        self.content = content

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return _request_type(handler_input) == "SessionEndedRequest"

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        reason = getattr(getattr(request, "reason", None), "value", None)
        if reason == "ERROR":
            error = getattr(request, "error", None)
            log.warning("session ended with device error: %s", getattr(error, "object_type", "?"))
        turn = scope(handler_input)
        if self.content is not None and turn.before is not None:
            event = Event(On.END, at=turn.now)
            turn.after, turn.reply = coach.handle(self.content, turn.before, event)
        return handler_input.response_builder.response


class CanFulfillHandler(AbstractRequestHandler):
    """Alexa asks whether the skill could serve a request: answer honestly, change nothing."""

    def __init__(self, content: Content) -> None:
        self.content = content

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return _request_type(handler_input) == "CanFulfillIntentRequest"

    def handle(self, handler_input: HandlerInput) -> Response:
        from ask_sdk_model.canfulfill import (
            CanFulfillIntent,
            CanFulfillIntentValues,
            CanFulfillSlot,
            CanFulfillSlotValues,
            CanUnderstandSlotValues,
        )

        from skill import can_fulfill

        request = handler_input.request_envelope.request
        intent = getattr(request, "intent", None)
        name = str(getattr(intent, "name", "") or "")
        slots = {
            key: slot_id(request, key, self.content) for key in (intent and intent.slots) or {}
        }
        found = can_fulfill.answer(self.content, name, slots)
        answer = CanFulfillIntent(
            can_fulfill=CanFulfillIntentValues(found.can_fulfill),
            slots={
                key: CanFulfillSlot(
                    can_understand=CanUnderstandSlotValues(slot.can_understand),
                    can_fulfill=CanFulfillSlotValues(slot.can_fulfill),
                )
                for key, slot in found.slots.items()
            }
            or None,
        )
        handler_input.response_builder.set_can_fulfill_intent(answer)
        return handler_input.response_builder.response


class DeviceExceptionHandler(AbstractRequestHandler):
    """Alexa could not use the skill's last response: note it, and answer nothing at all.

    Alexa accepts no speech, card or directive in answer to ``System.ExceptionEncountered``.
    The log keeps the error type, not its message, which may quote the response.
    """

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return _request_type(handler_input) == "System.ExceptionEncountered"

    def handle(self, handler_input: HandlerInput) -> Response:
        error = getattr(handler_input.request_envelope.request, "error", None)
        kind = getattr(getattr(error, "object_type", None), "value", None) or "unknown"
        log.warning("Alexa reported an exception with the last response: %s", kind)
        return handler_input.response_builder.response


class UnservedRequestHandler(AbstractRequestHandler):
    """Any other request type (an interface event the skill does not use): a quiet answer."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        log.warning("a request the skill does not serve: %s", _request_type(handler_input))
        return handler_input.response_builder.response


class CatchAllExceptionHandler(AbstractExceptionHandler):
    """Any failure still gets a spoken, open-mic answer; nothing personal is logged."""

    def __init__(self, content: Content) -> None:
        self.content = content

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        request_type = _request_type(handler_input)
        log.error("unhandled %s in %s", failure_trace(exception), request_type)
        if request_type == "SessionEndedRequest":
            return handler_input.response_builder.response
        text, again = self.content.prompt("error"), self.content.prompt("error_reprompt")
        builder = handler_input.response_builder
        builder.speak(text).ask(again)
        builder.set_card(SimpleCard(title=self.content.prompt("knee_coach_title"), content=text))
        return builder.response


def failure_trace(exc: BaseException) -> str:
    """An exception's type and stack, without its message, which may quote the person."""
    return type(exc).__name__ + "\n" + "".join(traceback.format_tb(exc.__traceback__))


def _request_type(handler_input: HandlerInput) -> str:
    request: Any = getattr(handler_input.request_envelope, "request", None)
    return str(getattr(request, "object_type", None) or "unknown")
