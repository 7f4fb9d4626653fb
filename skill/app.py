"""Builds the one ASK SDK skill that every surface (Lambda, web, chat) serves.

Data flow per request: the request interceptor loads the coach state from session
attributes; one handler turns the request into an event and steps the coach; the response
interceptor saves the new state. Content is loaded and validated once, when the skill is
built, so a content mistake fails at start-up rather than in someone's session.
"""

from __future__ import annotations

import logging
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.dispatch_components import (
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model import Response

from skill import handlers
from skill.coach import Memory, State, fresh_state
from skill.content import Content, default_content
from skill.settings import Settings

log = logging.getLogger(__name__)


class LoadState(AbstractRequestInterceptor):
    """Session attributes → :class:`State` (a fresh one for a new session)."""

    def __init__(self, content: Content) -> None:
        self.content = content

    def process(self, handler_input: HandlerInput) -> None:
        manager = handler_input.attributes_manager
        session = handler_input.request_envelope.session
        raw = manager.session_attributes.get(handlers.STATE_KEY) if session else None
        state = State.from_dict(raw, self.content) if raw else fresh_state(Memory())
        manager.request_attributes[handlers.BEFORE_KEY] = state


class SaveState(AbstractResponseInterceptor):
    """The coach's new state → session attributes. Runs only after a handler succeeded."""

    def process(self, handler_input: HandlerInput, response: Response | None) -> None:
        manager = handler_input.attributes_manager
        state: State | None = manager.request_attributes.get(handlers.AFTER_KEY)
        if state is not None and handler_input.request_envelope.session is not None:
            manager.session_attributes[handlers.STATE_KEY] = state.to_dict()


def handled_intents(content: Content | None = None) -> frozenset[str]:
    """Every intent the skill answers (checked against every interaction model in tests)."""
    return handlers.handled_intents(content or default_content())


def build_skill(
    settings: Settings | None = None,
    persistence_adapter: AbstractPersistenceAdapter | None = None,
    content: Content | None = None,
) -> CustomSkill:
    """The skill, wired: content, handlers, interceptors, skill ID check, persistence."""
    settings = settings or Settings.from_env()
    content = content or default_content(settings.content_dir)
    builder = CustomSkillBuilder(persistence_adapter=persistence_adapter)
    if settings.skill_id:
        builder.skill_id = settings.skill_id
    builder.add_global_request_interceptor(LoadState(content))
    builder.add_request_handler(handlers.CoachRequestHandler(content))
    builder.add_request_handler(handlers.SessionEndedHandler())
    builder.add_global_response_interceptor(SaveState())
    builder.add_exception_handler(handlers.CatchAllExceptionHandler(content))
    return builder.create()


