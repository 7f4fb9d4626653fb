"""AWS Lambda entry point: ``skill.alexa.lambda_function.lambda_handler``.

The skill is built once per container, at import (Lambda's init phase), so warm requests
only pay for dispatch. ``make_handler`` is shared with the chat simulator and the tests.
Logging is set up here too: ``KNEE_COACH_LOG_LEVEL`` (the template's ``LogLevel``) for our
loggers, on the handler the Lambda runtime already put on the root logger.

The init phase runs with Python's cyclic garbage collector off. Importing the ASK SDK and our
package creates some hundred thousand objects that live as long as the container and almost
no garbage, yet the collector would walk them again and again while they are made (about 3 %
of a cold start, docs/performance.md). Once the skill is built, :func:`gc.freeze` moves them
out of its sight for good and collection resumes for what requests create.
"""

from __future__ import annotations

import gc

gc.disable()  # until the skill is built, at the end of this module; the imports below
# are what it would walk (so they follow this line: E402 is off for this file)

import json
import logging
from collections.abc import Callable
from typing import Any

from ask_sdk_core.exceptions import AskSdkException, SerializationException
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope

from skill.alexa.builder import build_skill
from skill.logs import configure_logging
from skill.settings import Settings
from skill.store.factory import make_persistence_adapter

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
log = logging.getLogger(__name__)


def make_handler(skill: CustomSkill) -> Handler:
    """A Lambda-style ``(event, context) -> response`` function over a built skill.

    A request the SDK cannot deserialize (a newer event shape, say an APL RuntimeError of
    an error type the SDK's models do not know) gets an empty answer and a warning naming
    its type, rather than a failed invocation.
    """

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            envelope = skill.serializer.deserialize(
                payload=json.dumps(event), obj_type=RequestEnvelope
            )
        except SerializationException:
            request = event.get("request") if isinstance(event, dict) else None
            kind = request.get("type") if isinstance(request, dict) else None
            log.warning("a request the SDK cannot read, answered with nothing: %s", kind)
            return {"version": "1.0", "response": {}}
        if _session_of_another_skill(envelope):
            # The SDK checks only context's ID against ours; a session naming another skill is
            # refused the same way, as an invocation error before any handler runs.
            raise AskSdkException("Skill ID Verification failed: session is for another skill")
        response = skill.invoke(request_envelope=envelope, context=context)
        serialized = skill.serializer.serialize(response)
        assert isinstance(serialized, dict)
        return serialized

    return handler


def _session_of_another_skill(envelope: RequestEnvelope) -> bool:
    session = envelope.session
    if session is None:
        return False
    system = getattr(envelope.context, "system", None)
    return bool(_application_id(session) != _application_id(system))


def _application_id(holder: Any) -> Any:
    return getattr(getattr(holder, "application", None), "application_id", None)


try:
    _settings = Settings.from_env()
    configure_logging(_settings.log_level, _settings.log_loggers)
    lambda_handler = make_handler(build_skill(_settings, make_persistence_adapter(_settings)))
finally:
    gc.freeze()
    gc.enable()
