"""Builds the one ASK SDK skill that every surface (Lambda, web, chat) serves.

TEMPORARY STUB while the coach lands: answers LaunchRequest only. The signature
``build_skill(settings, persistence_adapter=None)`` is the contract other modules use.
"""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response

from skill.settings import Settings


class _Launch(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("LaunchRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        speech = "Welcome to Knee Coach."
        return handler_input.response_builder.speak(speech).ask(speech).response


def build_skill(settings: Settings | None = None, persistence_adapter: object = None) -> CustomSkill:
    settings = settings or Settings.from_env()
    sb = CustomSkillBuilder(persistence_adapter=persistence_adapter)  # type: ignore[arg-type]
    if settings.skill_id:
        sb.skill_id = settings.skill_id
    sb.add_request_handler(_Launch())
    return sb.create()
