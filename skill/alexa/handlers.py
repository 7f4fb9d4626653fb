"""Thin ASK SDK handlers: a request becomes a coach event, the coach's reply a response.

Handlers never build speech and never call each other. Session state is loaded by a
request interceptor and saved by a response interceptor (see :mod:`skill.alexa.builder`), so each
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
from ask_sdk_model import Response
from ask_sdk_model.ui import SimpleCard

from skill.alexa.render import render
from skill.alexa.request_events import event_for, reminders_granted, slot_id
from skill.coach import machine
from skill.coach.events import Event, On
from skill.coach.state import State
from skill.content.records import Content
from skill.voice.reply import Reply

log = logging.getLogger(__name__)

STATE_KEY = "coach"
"""Session attribute holding the coach state (see :class:`skill.coach.state.State`)."""
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
        """The progress record as loaded (a :class:`~skill.store.progress_store.StoredProgress`)."""


ContentFor = Callable[["str | None"], Content]
"""The content for a request's locale (:class:`skill.content.load.Contents`)."""
Effects = Callable[[HandlerInput, Reply], Reply]
"""Carries out a reply's side effects before it is spoken; may amend it (e.g. a failed delete)."""
Lookup = Callable[[HandlerInput], "str | None"]
"""Finds the device's time zone (Alexa's settings service) when the coach asks for it."""


def locale_of(handler_input: HandlerInput) -> str | None:
    """The request's locale (``de-DE``); None when a request carries none."""
    locale = getattr(handler_input.request_envelope.request, "locale", None)
    return str(locale) if locale else None


def content_for(source: Content | ContentFor) -> ContentFor:
    """One content for every locale, or the content of each request's locale."""
    if isinstance(source, Content):
        return lambda _: source
    return source


def scope(handler_input: HandlerInput) -> RequestScope:
    attributes = handler_input.attributes_manager.request_attributes
    found = attributes.get(SCOPE_KEY)
    if not isinstance(found, RequestScope):
        found = attributes[SCOPE_KEY] = RequestScope()
    return found


class CoachRequestHandler(AbstractRequestHandler):
    """Launch and every intent the coach knows: translate, step the machine, render."""

    def __init__(
        self,
        content: Content | ContentFor,
        effects: Effects | None = None,
        lookup: Lookup | None = None,
    ) -> None:
        self.content = content_for(content)
        self.effects = effects
        self.lookup = lookup

    def can_handle(self, handler_input: HandlerInput) -> bool:
        event = event_for(handler_input, self.content(locale_of(handler_input)))
        scope(handler_input).event = event
        return event is not None

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = scope(handler_input)
        assert turn.event is not None  # set by can_handle
        content = self.content(locale_of(handler_input))
        event = turn.event._replace(at=turn.now, granted=reminders_granted(handler_input))
        before = turn.before or State()
        turn.after, turn.reply = machine.handle(content, before, event)
        if "time_zone" in turn.reply.effects and self.lookup is not None:
            # The coach needs the device's time zone: look it up once, then ask it again.
            found = self.lookup(handler_input)
            before = before._replace(tz=found or before.tz, tz_checked=True)
            turn.after, turn.reply = machine.handle(content, before, event)
        if turn.reply.effects and self.effects is not None:
            turn.reply = self.effects(handler_input, turn.reply)
        # After a screen error, answer by voice alone: the same document could fail again.
        screen = event.kind != On.SCREEN_ERROR
        return render(handler_input, turn.reply, content, screen=screen)


class SessionEndedHandler(AbstractRequestHandler):
    """The session closed (silence, "exit", or an error on the device): end quietly.

    The coach still hears of it (its request time tells whether the last step was heard to
    the end, so the next session goes on from the right step); nothing is spoken.
    """

    def __init__(self, content: Content | ContentFor | None = None) -> None:
        self.content = content_for(content) if content is not None else None

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
            content = self.content(locale_of(handler_input))
            turn.after, turn.reply = machine.handle(content, turn.before, event)
        return handler_input.response_builder.response


class CanFulfillHandler(AbstractRequestHandler):
    """Alexa asks whether the skill could serve a request: answer honestly, change nothing."""

    def __init__(self, content: Content | ContentFor) -> None:
        self.content = content_for(content)

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

        from skill.alexa import can_fulfill

        request = handler_input.request_envelope.request
        content = self.content(locale_of(handler_input))
        intent = getattr(request, "intent", None)
        name = str(getattr(intent, "name", "") or "")
        slots = {key: slot_id(request, key, content) for key in (intent and intent.slots) or {}}
        found = can_fulfill.answer(content, name, slots)
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

    def __init__(self, content: Content | ContentFor) -> None:
        self.content = content_for(content)

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        request_type = _request_type(handler_input)
        log.error("unhandled %s in %s", failure_trace(exception), request_type)
        if request_type == "SessionEndedRequest":
            return handler_input.response_builder.response
        content = self._content(handler_input)
        text, again = content.prompt("error"), content.prompt("error_reprompt")
        builder = handler_input.response_builder
        builder.speak(text).ask(again)
        builder.set_card(SimpleCard(title=content.prompt("knee_coach_title"), content=text))
        return builder.response

    def _content(self, handler_input: HandlerInput) -> Content:
        """The locale's content; the default one if even that fails (a request without one)."""
        try:
            return self.content(locale_of(handler_input))
        except Exception:  # the catch-all must answer, whatever broke
            return self.content(None)


def failure_trace(exc: BaseException) -> str:
    """An exception's type and stack, without its message, which may quote the person."""
    return type(exc).__name__ + "\n" + "".join(traceback.format_tb(exc.__traceback__))


def _request_type(handler_input: HandlerInput) -> str:
    request: Any = getattr(handler_input.request_envelope, "request", None)
    return str(getattr(request, "object_type", None) or "unknown")
