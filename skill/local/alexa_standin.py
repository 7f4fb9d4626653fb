"""A stand-in for Alexa's own APIs: the device's time zone and the Reminders API.

``knee-coach chat`` plugs it into the skill in-process (:class:`StandInApiClient`) so that
granting the reminders permission and setting a reminder can be tried offline, and shows the
reminder that would be created. The tests serve the same :class:`AlexaStandIn` over HTTPS on
127.0.0.1, so the SDK's real service clients and ``DefaultApiClient`` are exercised end to end.

It answers the paths and shapes the SDK's clients use, checks the bearer token, records every
call, keeps what was created, and can be told to fail (an HTTP status per operation) or to
reach Alexa's reminder limit.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ask_sdk_model.services.api_client import ApiClient
from ask_sdk_model.services.api_client_request import ApiClientRequest
from ask_sdk_model.services.api_client_response import ApiClientResponse

from skill.alexa.api_client import without_blanks

REMINDERS_PATH = "/v1/alerts/reminders"
_TIME_ZONE_PATH = re.compile(r"/v2/devices/([^/]+)/settings/System\.timeZone")
_ONE_REMINDER = re.compile(re.escape(REMINDERS_PATH) + r"/([^/]+)")
OPERATIONS = ("time_zone", "create", "list", "delete")


@dataclass(frozen=True)
class Call:
    """One request as it reached the stand-in."""

    method: str
    path: str
    authorization: str | None
    body: Any

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class AlexaStandIn:
    """Alexa's time zone setting and reminders for one person, answering like the real API."""

    time_zone: str | None = "America/New_York"
    """What the settings service says; None answers 204 (no time zone set)."""
    token: str | None = None
    """The bearer token requests must carry; None accepts any."""
    limit: int = 100
    """More active reminders than this: 403 ``MAX_REMINDERS_EXCEEDED``."""
    fail: dict[str, int] = field(default_factory=dict)
    """Operation (one of :data:`OPERATIONS`) → HTTP status to answer with instead."""
    reminders: dict[str, Any] = field(default_factory=dict)
    """Alert token → the reminder request as created."""
    calls: list[Call] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reset(self, **settings: Any) -> None:
        """Back to a fresh person (then ``settings`` applied): for one test after another."""
        with self._lock:
            self.time_zone, self.token, self.limit = "America/New_York", None, 100
            self.fail, self.reminders, self.calls = {}, {}, []
            for name, value in settings.items():
                setattr(self, name, value)

    def handle(
        self, method: str, path: str, authorization: str | None, body: str | None
    ) -> tuple[int, str]:
        """Answer one request: (HTTP status, JSON body, possibly empty)."""
        payload = json.loads(body) if body else None
        with self._lock:
            self.calls.append(Call(method, path, authorization, payload))
            if self.token is not None and authorization != f"Bearer {self.token}":
                return _error(401, "UNAUTHORIZED", "The authentication token is not valid.")
            operation = _operation(method, path)
            if operation is None:
                return _error(404, "NOT_FOUND", "No such resource.")
            if operation in self.fail:
                return _error(self.fail[operation], "FAILED", "Injected failure.")
            return self._answer(operation, path, payload)

    def _answer(self, operation: str, path: str, payload: Any) -> tuple[int, str]:
        if operation == "time_zone":
            return (204, "") if self.time_zone is None else (200, json.dumps(self.time_zone))
        if operation == "create":
            if len(self.reminders) >= self.limit:
                return _error(403, "MAX_REMINDERS_EXCEEDED", "Maximum number of reminders.")
            token = str(uuid.uuid4())
            self.reminders[token] = payload
            answer = {"alertToken": token, "status": "ON", "version": "1", "href": path}
            return 200, json.dumps(answer)
        if operation == "list":
            alerts = [_as_listed(token, reminder) for token, reminder in self.reminders.items()]
            return 200, json.dumps({"totalCount": str(len(alerts)), "alerts": alerts})
        found = _ONE_REMINDER.fullmatch(path)
        if found is None or self.reminders.pop(found.group(1), None) is None:
            return _error(404, "NOT_FOUND", "No such reminder.")
        return 200, ""

    def created(self) -> list[Any]:
        """The reminder requests created so far (and not deleted), oldest first."""
        with self._lock:
            return list(self.reminders.values())


def _as_listed(token: str, reminder: Any) -> Any:
    """A created reminder as GET lists it, blank date-times and all (as the real API sends)."""
    listed = {"alertToken": token, "status": "ON", "version": "1", **reminder}
    listed["createdTime"] = listed["updatedTime"] = reminder.get("requestTime", "")
    recurrence = (listed.get("trigger") or {}).get("recurrence")
    if isinstance(recurrence, dict):
        listed["trigger"] = {**listed["trigger"], "recurrence": {"endDateTime": "", **recurrence}}
    return listed


def _operation(method: str, path: str) -> str | None:
    if method == "GET" and _TIME_ZONE_PATH.fullmatch(path):
        return "time_zone"
    if path == REMINDERS_PATH:
        return {"POST": "create", "GET": "list"}.get(method)
    if method == "DELETE" and _ONE_REMINDER.fullmatch(path):
        return "delete"
    return None


def _error(status: int, code: str, message: str) -> tuple[int, str]:
    return status, json.dumps({"code": code, "message": message})


class StandInApiClient(ApiClient):
    """An in-process ``ApiClient``: the SDK's service clients talk to an :class:`AlexaStandIn`."""

    def __init__(self, standin: AlexaStandIn) -> None:
        self.standin = standin

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        headers = {str(k).lower(): str(v) for k, v in request.headers or []}
        body = json.dumps(request.body) if request.body is not None else None
        status, text = self.standin.handle(
            str(request.method), urlsplit(str(request.url)).path, headers.get("authorization"), body
        )
        response = ApiClientResponse(
            headers=[("Content-Type", "application/json")], status_code=status, body=text
        )
        return without_blanks(response)


def describe(reminder: Any) -> str:
    """One line about a created reminder, for the chat: when, how often, where, what it says."""
    trigger = reminder.get("trigger") or {}
    recurrence = trigger.get("recurrence") or {}
    rules = ";".join(recurrence.get("recurrenceRules") or [])
    how_often = "every day" if "FREQ=DAILY" in rules else "once"
    first = recurrence.get("startDateTime") or trigger.get("scheduledTime")
    spoken = (reminder.get("alertInfo") or {}).get("spokenInfo", {}).get("content") or [{}]
    return (
        f"{trigger.get('type')} {how_often} from {first} ({trigger.get('timeZoneId')}): "
        f"{spoken[0].get('text')!r}"
    )
