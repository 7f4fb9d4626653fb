"""The ``ApiClient`` the skill builder gets, so the SDK's service clients can call Alexa's APIs.

ask-sdk-core makes ``handler_input.service_client_factory`` (Reminders, settings/UPS) only when
the skill builder has an ``api_client``; its :class:`~ask_sdk_core.api_client.DefaultApiClient`
does the HTTP with ``requests``. Importing that costs a cold start milliseconds that a
voice-only launch never needs, so :class:`LazyApiClient` stands in for it and builds the real
one the first time a service is called. The real one also gets a timeout, which the SDK's
default lacks: a slow Alexa API must cost a turn a few seconds at most, never the session.

Two faults of ask-sdk-model 1.x make reading reminders back fail (alexa/alexa-apis-for-python
issues 4 and 30): ``AlertInfo`` names its ``SpokenInfo`` under a module that does not exist,
and an empty string where a date-time may be (``"endDateTime": ""``) cannot be parsed.
:func:`repair_reminder_models` and :func:`without_blanks` work around both, so
``get_reminders()`` works as documented.
"""

from __future__ import annotations

import functools
import json
import sys
from typing import Any

from ask_sdk_model.services.api_client import ApiClient
from ask_sdk_model.services.api_client_request import ApiClientRequest
from ask_sdk_model.services.api_client_response import ApiClientResponse


class LazyApiClient(ApiClient):
    """ask-sdk-core's ``DefaultApiClient`` (with a timeout), created on first use."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._client: ApiClient | None = None

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        if self._client is None:
            self._client = timed_default_client(self.timeout_s)
        return without_blanks(self._client.invoke(request))


def timed_default_client(timeout_s: float) -> ApiClient:
    """The SDK's ``DefaultApiClient``, with every call bounded by ``timeout_s`` seconds."""
    from ask_sdk_core.api_client import DefaultApiClient

    class TimedApiClient(DefaultApiClient):
        def _resolve_method(self, request: ApiClientRequest) -> Any:
            # DefaultApiClient calls requests.<method>(url=..., headers=..., data=...) with no
            # timeout; this is the one place to add it without re-implementing the client.
            return functools.partial(super()._resolve_method(request), timeout=timeout_s)

    return TimedApiClient()


def without_blanks(response: ApiClientResponse) -> ApiClientResponse:
    """The response with empty-string members dropped from its JSON body ("" means absent)."""
    body = response.body
    if not isinstance(body, str) or '""' not in body:
        return response
    try:
        data = json.loads(body)
    except ValueError:
        return response
    response.body = json.dumps(_drop_blanks(data))
    return response


def _drop_blanks(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_blanks(v) for k, v in value.items() if v != ""}
    if isinstance(value, list):
        return [_drop_blanks(v) for v in value]
    return value


def repair_reminder_models() -> None:
    """Give ``SpokenInfo`` the module name ``AlertInfo`` looks it up by (idempotent)."""
    from ask_sdk_model.services.reminder_management import spoken_info

    name = "ask_sdk_model.services.reminder_management.alert_info_spoken_info"
    sys.modules.setdefault(name, spoken_info)
