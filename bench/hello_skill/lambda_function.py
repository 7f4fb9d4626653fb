"""The baseline for ``make bench``: the smallest useful ASK SDK skill.

One LaunchRequest handler and nothing else, built once at import like any Lambda skill.
Knee Coach's cold start, memory and warm latency are judged against this in the same run,
so the budgets measure what our own code adds, not how fast the machine happens to be.
"""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response


class LaunchRequestHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("LaunchRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        text = "Hello world."
        return handler_input.response_builder.speak(text).ask(text).response


sb = SkillBuilder()
sb.add_request_handler(LaunchRequestHandler())
lambda_handler = sb.lambda_handler()
