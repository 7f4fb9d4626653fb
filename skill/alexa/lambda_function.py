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
        bounded = within_depth(event)
        try:
            if bounded is None:
                raise SerializationException("the request nests too deeply")
            envelope = skill.serializer.deserialize(
                payload=json.dumps(bounded), obj_type=RequestEnvelope
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


MAX_DEPTH = 32
"""How deeply a request may nest. Real envelopes nest about 8 deep; the SDK deserialises and
deep-copies them recursively, and about 500 levels in the session attributes made that raise
``RecursionError``. The web surface refuses the same depth with a 400 (``skill.web.app``)."""


def within_depth(event: Any) -> Any:
    """``event`` if it nests at most :data:`MAX_DEPTH` levels; else, when only its session
    attributes are too deep, ``event`` without them (the turn starts from a fresh state);
    else None (nothing in it can be read)."""
    if not deeper_than(event, MAX_DEPTH):
        return event
    session = event.get("session") if isinstance(event, dict) else None
    if isinstance(session, dict) and session.get("attributes"):
        trimmed = {**event, "session": {**session, "attributes": {}}}
        if not deeper_than(trimmed, MAX_DEPTH):
            log.warning("session attributes nest too deeply: answered from a fresh state")
            return trimmed
    return None


def deeper_than(value: Any, limit: int) -> bool:
    """Whether JSON ``value`` has a list or object nested more than ``limit`` deep (the value
    itself is at depth 1). Level by level, without recursion, looking only at containers."""
    level = [value] if isinstance(value, (dict, list)) else []
    for _ in range(limit):
        inner: list[Any] = []
        for item in level:
            children = item.values() if isinstance(item, dict) else item
            inner.extend(child for child in children if isinstance(child, (dict, list)))
        if not inner:
            return False
        level = inner
    return True


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
