"""AWS Lambda entry point: ``skill.lambda_function.lambda_handler``.

The skill is built once per container, at import (Lambda's init phase), so warm requests
only pay for dispatch. ``make_handler`` is shared with the chat simulator and the tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope

from skill.app import build_skill
from skill.settings import Settings
from skill.store import make_persistence_adapter

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def make_handler(skill: CustomSkill) -> Handler:
    """A Lambda-style ``(event, context) -> response`` function over a built skill."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        envelope = skill.serializer.deserialize(payload=json.dumps(event), obj_type=RequestEnvelope)
        response = skill.invoke(request_envelope=envelope, context=context)
        serialized = skill.serializer.serialize(response)
        assert isinstance(serialized, dict)
        return serialized

    return handler


_settings = Settings.from_env()
lambda_handler = make_handler(build_skill(_settings, make_persistence_adapter(_settings)))
