"""Alexa's own APIs through the SDK's service clients (``skill/alexa_api.py``, ``api_client.py``).

End to end: the skill's requests name the HTTPS stand-in on 127.0.0.1 as their ``apiEndpoint``,
so ask-sdk-core's ``DefaultApiClient`` really sends what the SDK's
``ReminderManagementServiceClient`` and UPS client build, and really parses what comes back.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from typing import Any

import pytest
from alexa_api_server import API_TOKEN
from ask_sdk_core.exceptions import ApiClientException
from ask_sdk_model.services.api_client_request import ApiClientRequest
from ask_sdk_model.services.api_client_response import ApiClientResponse
from ask_sdk_model.services.reminder_management import Error

from skill.alexa.api_client import LazyApiClient, without_blanks
from skill.alexa.intents import REMINDERS_SCOPE
from skill.alexa.services import FAILED, PERMISSION, TOO_MANY, classify
from skill.local.simulator import Conversation, SimulatedClock, Turn
from skill.settings import REPO_ROOT

TEXT = "Time for your knee routine. Say: Alexa, open Knee Coach."


def person(handler: Any, alexa_api: Any, **session: Any) -> Conversation:
    """Someone whose device names the stand-in as Alexa's API; 9 AM in New York."""
    from datetime import datetime, timezone

    clock = SimulatedClock(datetime(2026, 1, 5, 14, 0, tzinfo=timezone.utc))
    return Conversation(
        handler, clock=clock, api_endpoint=alexa_api.url, api_token=API_TOKEN, **session
    )


def test_the_reminder_request_is_what_the_reminders_api_documents(
    handler: Any, alexa_api: Any
) -> None:
    me = person(handler, alexa_api, granted={REMINDERS_SCOPE}, locale="en-GB")
    me.say("ask knee coach to remind me every day at 7:30 pm")
    zone, listing, post = alexa_api.standin.calls  # listed first: one daily reminder, not two
    assert (zone.method, zone.path) == ("GET", "/v2/devices/local-device/settings/System.timeZone")
    assert (listing.method, listing.path) == ("GET", "/v1/alerts/reminders")
    assert (post.method, post.path) == ("POST", "/v1/alerts/reminders")
    assert zone.authorization == post.authorization == f"Bearer {API_TOKEN}"
    assert post.body == {
        "requestTime": "2026-01-05T09:00:00",
        "trigger": {
            "type": "SCHEDULED_ABSOLUTE",
            "scheduledTime": "2026-01-05T19:30:00",
            "timeZoneId": "America/New_York",
            "recurrence": {
                "startDateTime": "2026-01-05T19:30:00",
                "recurrenceRules": ["FREQ=DAILY;BYHOUR=19;BYMINUTE=30;BYSECOND=0;INTERVAL=1"],
            },
        },
        "alertInfo": {"spokenInfo": {"content": [{"locale": "en-GB", "text": TEXT}]}},
        "pushNotification": {"status": "ENABLED"},
    }


def test_a_one_off_reminder_has_no_recurrence(handler: Any, alexa_api: Any) -> None:
    me = person(handler, alexa_api, granted={REMINDERS_SCOPE})
    me.say("ask knee coach to remind me tomorrow at 8 am")
    trigger = alexa_api.standin.created()[-1]["trigger"]
    assert trigger == {
        "type": "SCHEDULED_ABSOLUTE",
        "scheduledTime": "2026-01-06T08:00:00",
        "timeZoneId": "America/New_York",
    }


def test_a_token_alexa_refuses_is_a_missing_permission_not_a_crash(
    handler: Any, alexa_api: Any
) -> None:
    alexa_api.standin.token = "another-token"  # the API answers 401 to every call
    me = person(handler, alexa_api, granted={REMINDERS_SCOPE})
    turn = me.say("ask knee coach to remind me every day at nine")
    assert "Which time zone" in turn.text  # the time zone look-up failed too: ask for it
    turn = me.say("eastern time")
    assert "allow Reminders" in turn.text and turn.open
    assert turn.card["type"] == "AskForPermissionsConsent"
    assert turn.card["permissions"] == [REMINDERS_SCOPE]
    assert alexa_api.standin.created() == []


def test_reading_reminders_back_survives_the_sdk_model_faults(handler: Any, alexa_api: Any) -> None:
    """Real listings carry blank date-times and an AlertInfo the SDK misnames (see api_client)."""
    me = person(handler, alexa_api, granted={REMINDERS_SCOPE})
    me.say("ask knee coach to remind me every day at nine")
    listing = me.say("list my reminders")
    assert "You have one Knee Coach reminder: every day at 9 AM." in listing.text
    cancel = me.say("stop reminding me")
    assert "cancelled" in cancel.text and alexa_api.standin.created() == []


def test_alexa_already_threw_the_card_so_the_skill_does_not(handler: Any, alexa_api: Any) -> None:
    me = person(handler, alexa_api)
    asked = me.say("ask knee coach to remind me every day at nine")
    assert asked.asks_permission is not None
    thrown = me.answer_permission("DENIED", card=True)
    assert "allow Reminders" in thrown.text
    assert thrown.card["type"] == "Simple"  # Alexa's own consent card stands


def test_a_failed_connections_response_is_answered_calmly(handler: Any, alexa_api: Any) -> None:
    me = person(handler, alexa_api)
    me.say("ask knee coach to remind me every day at nine")
    envelope = me.session.permission_answer("ACCEPTED", "daily 09:00", code="500")
    answer = handler(envelope, None)["response"]
    assert "couldn't ask for that permission" in answer["outputSpeech"]["ssml"]
    assert answer["shouldEndSession"] is False


def test_alexa_staying_silent_is_not_answered(handler: Any, alexa_api: Any) -> None:
    me = person(handler, alexa_api)
    me.say("ask knee coach to remind me every day at nine")
    silence: Turn = me.end_session()
    assert silence.heard == "Connections.Response NOT_ANSWERED"
    assert "won't set a reminder" in silence.text and silence.open


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (401, None, PERMISSION),
        (403, Error(code="MAX_REMINDERS_EXCEEDED", message="max reached"), TOO_MANY),
        (403, Error(code="DEVICE_NOT_SUPPORTED", message="nope"), FAILED),
        (429, Error(code="RATE_EXCEEDED"), FAILED),
        (500, "not json", FAILED),
        (None, None, FAILED),
    ],
)
def test_failures_are_classified(status: int | None, body: Any, outcome: str) -> None:
    assert classify(status, body) == outcome


def test_blank_members_are_dropped_from_json_bodies_only() -> None:
    body = json.dumps({"a": "", "b": [{"c": "", "d": 1}], "e": {"f": ""}, "g": "x"})
    cleaned = without_blanks(ApiClientResponse(body=body, status_code=200))
    assert json.loads(cleaned.body) == {"b": [{"d": 1}], "e": {}, "g": "x"}
    for raw in ("", '"quoted ""', None, '{"not": "blank"}'):
        response = ApiClientResponse(body=raw, status_code=200)
        assert without_blanks(response).body == raw


def test_a_silent_api_costs_a_turn_its_timeout_not_the_session() -> None:
    """The SDK's default client has no timeout; ours gives up (and the turn goes on)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts the connection, never answers
        port = listener.getsockname()[1]
        request = ApiClientRequest(url=f"https://127.0.0.1:{port}/v1/alerts/reminders")
        request.method, request.headers = "GET", []
        with pytest.raises(ApiClientException, match="timed out"):
            LazyApiClient(timeout_s=0.3).invoke(request)


def test_the_api_client_loads_nothing_until_a_service_is_called() -> None:
    script = (
        "import sys\n"
        "from skill.alexa.builder import build_skill\n"
        "build_skill()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'requests'"
        " or m in ('skill.alexa.services', 'ask_sdk_core.api_client')))\n"
    )
    env = {"KNEE_COACH_PERSISTENCE": "none", "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True,
        cwd=REPO_ROOT, env=env,
    )  # fmt: skip
    assert done.stdout.strip() == "[]"
