"""From an Alexa request to a coach event: intents, slots, touches and permission answers.

Every intent the skill answers maps to one :class:`~skill.coach.events.Event` kind here; a
slot value is resolved to a content id (Alexa's entity resolution first, then our own
synonyms), so the coach never sees raw words.
"""

from __future__ import annotations

import logging
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest

from skill.alexa import intents
from skill.coach.events import Event, On
from skill.coach.state import SIDES
from skill.content.records import Content

log = logging.getLogger(__name__)

SLOT_FOR_EVENT = {
    On.START: intents.ROUTINE_SLOT,
    On.GO_TO: intents.TECHNIQUE_SLOT,
    On.SIDE: intents.SIDE_SLOT,
    On.TIME_ZONE: intents.ZONE_SLOT,
}


def slot_id(request: Any, slot_name: str, content: Content) -> str | None:
    """The canonical id of a slot value: entity resolution first, then our own synonyms.

    A value Alexa heard but could not resolve comes back prefixed with ``?`` so the coach
    can say "I don't know a technique called ..." with the person's own words. ``request``
    is an ``IntentRequest`` or a ``CanFulfillIntentRequest`` (both carry ``intent.slots``).
    """
    slots = request.intent.slots if request.intent else None
    slot = (slots or {}).get(slot_name)
    heard = clean_slot(slot.value) if slot is not None else ""
    if slot is None or not heard:
        return None
    resolutions = getattr(slot, "resolutions", None)
    for authority in getattr(resolutions, "resolutions_per_authority", None) or []:
        status = getattr(getattr(authority, "status", None), "code", None)
        if getattr(status, "value", status) == "ER_SUCCESS_MATCH" and authority.values:
            resolved = str(getattr(authority.values[0].value, "id", None) or "")
            if _is_model_id(resolved):
                return resolved
    spoken = " ".join(heard.lower().replace("-", " ").split())
    return content_lookup(content, slot_name).get(spoken, f"?{heard}")


def _is_model_id(value: str) -> bool:
    """Shaped like an id of the interaction model ("knee_friction", "America/New_York")."""
    return 0 < len(value) <= 64 and all(
        ch.isascii() and (ch.isalnum() or ch in "_/+-") for ch in value
    )


MAX_SLOT_CHARS = 40
"""The longest slot value kept: longer than any name the model has ("Cross-Fiber Friction",
a time, a city), short enough to say back in a sentence."""
_SLOT_PUNCTUATION = frozenset("'-.:")
"""Besides letters and digits, what a name or a time may hold ("o'clock", "9:30", "St. Louis")."""


def clean_slot(value: object) -> str:
    """A slot value as it may be used and said back: letters, digits, a little punctuation.

    Slot values are whatever the device heard, or whatever a caller put in the request. Every
    other character (controls, NUL, U+FFFE/U+FFFF, lone surrogates, markup such as ``<`` and
    ``&``) becomes a space, so no reply built from it can break the SSML, the card or the
    screen's text; runs of spaces collapse, and the result is cut to :data:`MAX_SLOT_CHARS`
    at a word boundary. Done once, where a value enters (:func:`slot_id`, :func:`slot_value`).
    """
    if not value:
        return ""
    text = str(value)[: MAX_SLOT_CHARS * 4]  # never scan more than could survive
    kept = "".join(ch if ch.isalnum() or ch in _SLOT_PUNCTUATION else " " for ch in text)
    words = kept.split()
    while words and len(" ".join(words)) > MAX_SLOT_CHARS:
        words.pop()
    if not words and kept.split():  # one word longer than the bound: cut it
        return kept.split()[0][:MAX_SLOT_CHARS]
    return " ".join(words)


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
    return clean_slot(getattr(slot, "value", None)) or None


def reminder_plan(request: IntentRequest) -> str:
    """ "Remind me every day at nine" as a plan spec; "tomorrow" is a one-off."""
    from skill.coach.reminder_plans import (  # reminder turns only: a launch never needs it
        Plan,
        parse_time,
    )

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
        from skill.alexa import apl  # screens only: keeps voice-only cold starts lean

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
    intents.THANKS: On.THANKS,
    intents.FORGET_ME: On.FORGET,
    intents.PAIN: On.PAIN,
    intents.HAVE_CONDITION: On.CONDITION,
    intents.LASTING_PAIN: On.LASTING,
    intents.KNEE_SOUNDS: On.LASTING,
    intents.PROVIDER_KNOWS: On.PROVIDER,
    intents.RECENT_SURGERY: On.SURGERY,
    intents.ACUTE_SIGN: On.ACUTE,
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
    intents.REPEAT_STEP: On.REPEAT_STEP,
    intents.NEXT: On.NEXT,
    intents.PREVIOUS: On.PREVIOUS,
    intents.START_OVER: On.START_OVER,
    intents.HELP: On.HELP,
    intents.STOP: On.STOP,
    intents.CANCEL: On.CANCEL,
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


def handled_intents(content: Content) -> frozenset[str]:
    """Every intent name the skill answers: the fixed ones plus one per information topic."""
    return frozenset(INTENT_EVENTS) | {topic.intent for topic in content.topics}
