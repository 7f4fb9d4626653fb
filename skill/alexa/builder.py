"""Builds the one ASK SDK skill that every surface (Lambda, web, chat) serves.

Per request: the request interceptor loads the coach state from session attributes (and,
at the start of a session, the person's saved progress); one handler turns the request
into an event and steps the coach; the response interceptor saves the new session state
and writes progress once, only if it changed. When that first read failed, the session
tries it again on a later turn, backing off (10 s, 20 s, ... at most 2 minutes apart), so a
store that recovers mid-routine keeps the rest of the routine.

The session keeps a copy of the stored record (and its version) in its attributes, so only its
first turn reads. A write replaces only that version; when another session of the same person
(another device, or this request delivered twice) wrote meanwhile, the store merges the two
(:mod:`skill.store.merge`), and the session takes in the merged record: its copy becomes
the merged one, and its state the preferences set last (:func:`~skill.coach.memory.adopted`).

Content is loaded and validated once, when the skill is built, so a content mistake fails at
start-up rather than in someone's session.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.dispatch_components import (
    AbstractRequestHandler,
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model import Response
from ask_sdk_model.services.api_client import ApiClient

from skill.alexa import handlers, request_events
from skill.alexa.api_client import LazyApiClient
from skill.coach.memory import adopted, memory_from, progress_after
from skill.coach.state import State, fresh_state
from skill.content.load import Contents, default_content
from skill.content.records import Content
from skill.settings import Settings
from skill.store.progress import Progress
from skill.store.progress_store import ProgressStore, StoredProgress
from skill.voice.reply import Reply, Say
from skill.voice.timing import request_time

log = logging.getLogger(__name__)

MEMORY_KEY = "memory"
"""Session attribute caching the stored progress record, so only a session's first turn reads."""
RETRY_FIRST_S = 10.0
RETRY_MAX_S = 120.0
"""A failed read is tried again after 10 s, then 20 s, 40 s, ... never more than 2 min apart."""
Clock = Callable[[], float]


class LoadState(AbstractRequestInterceptor):
    """Session attributes → :class:`State`; a new session also reads saved progress once."""

    def __init__(self, content: handlers.ContentFor, store: ProgressStore, clock: Clock) -> None:
        self.content = content
        self.store = store
        self.clock = clock

    def process(self, handler_input: HandlerInput) -> None:
        envelope = handler_input.request_envelope
        request: Any = envelope.request
        turn = handlers.scope(handler_input)
        turn.now = request_time(request, self.clock)
        if envelope.session is None or getattr(request, "object_type", "") in _NO_DIALOG:
            return
        session = handler_input.attributes_manager.session_attributes or {}
        raw = session.get(handlers.STATE_KEY)
        if getattr(request, "object_type", "") == "SessionEndedRequest" and not raw:
            return  # nothing was said in this session: nothing to settle
        cached = _cached(session.get(MEMORY_KEY), turn.now)
        if cached is None:
            stored = self._load(envelope, turn.now, retries=0)
        elif cached.retry_at is not None and turn.now >= cached.retry_at:
            stored = self._load(envelope, turn.now, retries=cached.retries + 1)
        else:
            stored = cached
        content = self.content(handlers.locale_of(handler_input))
        state = State.parse(raw, content) if raw else None
        if state is None:  # a new session, or one whose state cannot be used: start afresh
            memory = memory_from(stored.progress, turn.now, stored.available)
            state = fresh_state(memory, content)
        elif cached is not None and stored.available and not cached.available:
            # The store is back. What this session did meanwhile is in its own copy, each part
            # dated when it was set: merged with the record, the newer of each is kept.
            stored = _recovered(cached.progress, stored)
            state = adopted(state, stored.progress, turn.now, content)
        if cached is not None and stored.available and not cached.available:
            state = state._replace(remembers=True)  # the store is back: progress is kept again
        turn.stored, turn.before = stored, state

    def _load(self, envelope: Any, now: float, retries: int) -> StoredProgress:
        """Read the record; a failure schedules the next try, further away each time."""
        stored = self.store.load(envelope)
        if stored.available:
            return stored
        wait = min(RETRY_MAX_S, RETRY_FIRST_S * 2 ** min(retries, 8))
        return stored._replace(retry_at=now + wait, retries=retries)


class SaveState(AbstractResponseInterceptor):
    """New state → session attributes; progress → the store, once, only when it changed."""

    def __init__(self, store: ProgressStore, content: handlers.ContentFor) -> None:
        self.store = store
        self.content = content

    def process(self, handler_input: HandlerInput, response: Response | None) -> None:
        turn = handlers.scope(handler_input)
        state, stored, reply = turn.after, turn.stored, turn.reply
        if state is None or not isinstance(stored, StoredProgress) or reply is None:
            return
        envelope = handler_input.request_envelope
        after = progress_after(stored.progress, state, reply, turn.now, state.next_at)
        # After "forget me" the rest of the session writes nothing: carrying on, or just
        # saying stop, must not re-create the record the person asked to delete (the delete
        # already happened, in forget_effect). Nor after another device's "forget me".
        forgot = "forget" in reply.effects
        if forgot:
            kept = stored._replace(progress=after, available=False, retry_at=None)
        else:
            kept = self.store.save(envelope, stored, after, turn.now)
        if kept.status == "merged":  # another session's news: take it in from the next turn
            content = self.content(handlers.locale_of(handler_input))
            state = adopted(state, kept.progress, turn.now, content)
        elif kept.status == "forgotten":
            state = state._replace(remembers=False)
        session = handler_input.attributes_manager.session_attributes
        if session is not None:
            session[handlers.STATE_KEY] = state.to_dict()
            session[MEMORY_KEY] = _memory(kept)


def forget_effect(content: handlers.ContentFor, store: ProgressStore) -> handlers.Effects:
    """Delete the person's record when the coach confirms "forget me", and say so honestly."""

    def perform(handler_input: HandlerInput, reply: Reply) -> Reply:
        if "forget" not in reply.effects or store.forget(handler_input.request_envelope):
            return reply
        failed = content(handlers.locale_of(handler_input)).prompt("forget_failed")
        return reply._replace(parts=(Say(failed), *reply.parts[1:]))

    return perform


ALEXA_API_EFFECTS = frozenset({"remind", "list_reminders", "cancel_reminders"})


def reminder_effect(content: handlers.ContentFor) -> handlers.Effects:
    """Make, list or cancel reminders through Alexa's Reminders API, and say what happened."""

    def perform(handler_input: HandlerInput, reply: Reply) -> Reply:
        if not reply.effects & ALEXA_API_EFFECTS:
            return reply
        from skill.alexa import services  # only a turn about reminders loads the clients

        return services.carry_out(handler_input, reply, content(handlers.locale_of(handler_input)))

    return perform


def both(first: handlers.Effects, second: handlers.Effects) -> handlers.Effects:
    return lambda handler_input, reply: second(handler_input, first(handler_input, reply))


def look_up_time_zone(handler_input: HandlerInput) -> str | None:
    """The device's time zone, from Alexa's settings service (when the coach needs it)."""
    from skill.alexa import services

    return services.time_zone(handler_input)


class SkillDisabledHandler(AbstractRequestHandler):
    """The person disabled the skill: delete what it remembered about them."""

    def __init__(self, store: ProgressStore) -> None:
        self.store = store

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request: Any = handler_input.request_envelope.request
        return getattr(request, "object_type", "") == "AlexaSkillEvent.SkillDisabled"

    def handle(self, handler_input: HandlerInput) -> Response:
        self.store.forget(handler_input.request_envelope)
        return handler_input.response_builder.response


_NO_DIALOG = frozenset(
    {
        # (A SessionEndedRequest is heard: its time settles what the last reply got through.)
        "AlexaSkillEvent.SkillDisabled",
        "System.ExceptionEncountered",
        # Alexa asking whether the skill could serve a request: nothing is started, and
        # stored progress is neither read nor written (see skill/can_fulfill.py).
        "CanFulfillIntentRequest",
    }
)


def _memory(kept: StoredProgress) -> dict[str, Any]:
    """What a turn leaves in session attributes for the next: the record as this session knows
    it, the version it knows stored, and when to try the store again if it could not be read."""
    memory: dict[str, Any] = {"record": kept.progress.to_record(), "available": kept.available}
    if kept.version is not None:
        memory["version"] = kept.version
    if kept.retry_at is not None and not kept.available:
        memory.update(retry_at=kept.retry_at, retries=kept.retries)
    return memory


MAX_RETRIES = 64
MAX_VERSION = 2**53


def _cached(raw: Any, now: float) -> StoredProgress | None:
    """The progress record a previous turn of this session left in session attributes.

    Session attributes come back from the device: every number is checked. A retry time that
    is not a finite number, or lies further ahead than the longest back-off, is tried now or
    at the longest back-off, so the store is never given up on and never echoed as ``inf``.
    """
    if not isinstance(raw, dict) or "record" not in raw:
        return None
    loaded = Progress.load(raw["record"])
    available = raw.get("available") is True
    retry_at: float | None = None
    retries = _int(raw.get("retries"), 0, MAX_RETRIES) or 0
    if "retry_at" in raw and not available:
        value = raw.get("retry_at")
        retry_at = now
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            retry_at = min(float(value), now + RETRY_MAX_S)
    version = _int(raw.get("version"), 0, MAX_VERSION)
    return StoredProgress(loaded.progress, available, loaded.status, retry_at, retries, version)


def _int(value: Any, low: int, high: int) -> int | None:
    return (
        value
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        else None
    )


def _recovered(mine: Progress, stored: StoredProgress) -> StoredProgress:
    """The record read once the store came back, with what this session did meanwhile."""
    from skill.store.merge import merge

    merged = merge(mine, stored.progress)
    if merged is None or merged == stored.progress:
        return stored
    return stored._replace(progress=merged, status="merged")


def handled_intents(content: Content | None = None) -> frozenset[str]:
    """Every intent the skill answers (checked against every interaction model in tests)."""
    return request_events.handled_intents(content or default_content())


def build_skill(
    settings: Settings | None = None,
    persistence_adapter: AbstractPersistenceAdapter | None = None,
    content: Content | Contents | None = None,
    clock: Clock = time.time,
    api_client: ApiClient | None = None,
) -> CustomSkill:
    """The skill, wired: content, handlers, interceptors, skill ID check, persistence.

    ``clock`` is used only for a request that carries no usable timestamp; every other turn
    runs on Alexa's own request timestamp (:func:`request_time`). ``api_client`` carries the
    SDK's service clients to Alexa's APIs: ask-sdk-core's ``DefaultApiClient`` by default
    (:mod:`skill.alexa.api_client`), a stand-in for ``knee-coach chat``.

    Each request is answered in its locale's content (:class:`~skill.content.load.Contents`:
    a language is loaded on its first request, and a locale the skill does not speak gets
    English); a ``Content`` given here answers every locale (tests).
    """
    settings = settings or Settings.from_env()
    if content is None:
        content = Contents(settings.content_dir)
        content(None)  # the default language now: a content mistake fails at start-up
    store = ProgressStore(persistence_adapter)
    api_client = api_client or LazyApiClient(settings.alexa_api_timeout_s)
    builder = CustomSkillBuilder(api_client=api_client)
    # The SDK checks every request's application ID against this (None: no check).
    builder.skill_id = settings.skill_id  # type: ignore[assignment]  # SDK annotates it as None
    content_of = handlers.content_for(content)
    builder.add_global_request_interceptor(LoadState(content_of, store, clock))
    effects = both(forget_effect(content_of, store), reminder_effect(content_of))
    builder.add_request_handler(handlers.CoachRequestHandler(content, effects, look_up_time_zone))
    builder.add_request_handler(handlers.SessionEndedHandler(content))
    builder.add_request_handler(SkillDisabledHandler(store))
    builder.add_request_handler(handlers.CanFulfillHandler(content))
    builder.add_request_handler(handlers.DeviceExceptionHandler())
    builder.add_request_handler(handlers.UnservedRequestHandler())  # last: anything else
    builder.add_global_response_interceptor(SaveState(store, content_of))
    builder.add_exception_handler(handlers.CatchAllExceptionHandler(content))
    return builder.create()
