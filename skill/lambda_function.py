"""AWS Lambda entry point: ``skill.lambda_function.lambda_handler``."""

from __future__ import annotations

import json
from typing import Any

from ask_sdk_model import RequestEnvelope

from skill.app import build_skill
from skill.settings import Settings

_skill = build_skill(Settings.from_env())


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve one Alexa request; the skill is built once per container, at import time."""
    envelope = _skill.serializer.deserialize(payload=json.dumps(event), obj_type=RequestEnvelope)
    response = _skill.invoke(request_envelope=envelope, context=context)
    serialized: dict[str, Any] = _skill.serializer.serialize(response)
    return serialized
