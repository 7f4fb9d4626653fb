"""Request envelopes as Alexa sends them, for a simulated person on one device.

A :class:`Session` builds each request (launch, intent with resolved slots, session end,
screen events, permission answers, CanFulfill, device errors) with the session attributes
the skill returned last, the person's granted permissions and a timestamp from its clock.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from skill.alexa.intents import REMINDERS_SCOPE
from skill.local.nlu import InteractionModel, Match

LOCAL_USER_ID = "amzn1.ask.account.LOCAL-CHAT-USER"
LOCAL_DEVICE_ID = "local-device"
API_ENDPOINT = "https://api.amazonalexa.com"
LOCAL_SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"

Envelope = dict[str, Any]
Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(timezone.utc)


def timestamp(moment: datetime) -> str:
    """Alexa's request timestamp format (ISO 8601, UTC, whole seconds)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def slot_payload(model: InteractionModel, match: Match) -> dict[str, Any]:
    """Slots as Alexa sends them: every slot of the intent, filled ones with resolutions."""
    slots: dict[str, Any] = {}
    for name, slot_type in model.slots_of(match.intent).items():
        slot: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
        value = match.slots.get(name)
        if value is not None and slot_type.startswith("AMAZON."):
            slot["value"] = value.id or value.spoken  # a built-in type resolves in place
        elif value is not None:
            slot["value"] = value.spoken
            authority = f"amzn1.er-authority.echo-sdk.{LOCAL_SKILL_ID}.{slot_type}"
            if value.id is not None:
                status = "ER_SUCCESS_MATCH"
                values = [{"value": {"name": value.name or value.spoken, "id": value.id}}]
            else:
                status, values = "ER_SUCCESS_NO_MATCH", []
            slot["resolutions"] = {
                "resolutionsPerAuthority": [
                    {"authority": authority, "status": {"code": status}, "values": values}
                ]
            }
        slots[name] = slot
    return slots


@dataclass
class Session:
    """One Alexa session's worth of envelope plumbing."""

    user_id: str = LOCAL_USER_ID
    locale: str = "en-US"
    skill_id: str = LOCAL_SKILL_ID
    apl: bool = False
    apl_version: str = "2023.3"
    """The newest APL version the simulated screen's runtime supports."""
    session_id: str = field(default_factory=lambda: f"amzn1.echo-api.session.{uuid.uuid4()}")
    attributes: dict[str, Any] = field(default_factory=dict)
    new: bool = True
    open: bool = True
    clock: Clock = wall_clock
    api_endpoint: str = API_ENDPOINT
    """Where the skill's service clients send Alexa API calls (a local stand-in in tests)."""
    api_token: str = "local-api-access-token"
    granted: set[str] = field(default_factory=set)
    """Permission scopes the person has granted the skill (shared by every session)."""

    def envelope(self, request: dict[str, Any]) -> Envelope:
        interfaces: dict[str, Any] = {}
        if self.apl:
            interfaces["Alexa.Presentation.APL"] = {"runtime": {"maxVersion": self.apl_version}}
        application = {"applicationId": self.skill_id}
        user: dict[str, Any] = {"userId": self.user_id}
        if self.granted:
            user["permissions"] = {
                "consentToken": self.api_token,
                "scopes": {scope: {"status": "GRANTED"} for scope in sorted(self.granted)},
            }
        return {
            "version": "1.0",
            "session": {
                "new": self.new,
                "sessionId": self.session_id,
                "application": application,
                "attributes": dict(self.attributes),
                "user": user,
            },
            "context": {
                "System": {
                    "application": application,
                    "user": user,
                    "device": {"deviceId": LOCAL_DEVICE_ID, "supportedInterfaces": interfaces},
                    "apiEndpoint": self.api_endpoint,
                    "apiAccessToken": self.api_token,
                },
            },
            "request": {
                "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
                "timestamp": timestamp(self.clock()),
                "locale": self.locale,
                **request,
            },
        }

    def launch(self) -> Envelope:
        return self.envelope({"type": "LaunchRequest"})

    def intent(self, name: str, slots: dict[str, Any] | None = None) -> Envelope:
        intent = {"name": name, "confirmationStatus": "NONE", "slots": slots or {}}
        return self.envelope(
            {"type": "IntentRequest", "dialogState": "COMPLETED", "intent": intent}
        )

    def ended(self, reason: str = "USER_INITIATED") -> Envelope:
        return self.envelope({"type": "SessionEndedRequest", "reason": reason})

    def user_event(self, *arguments: Any) -> Envelope:
        return self.envelope(
            {
                "type": "Alexa.Presentation.APL.UserEvent",
                "token": "kneeCoach",
                "arguments": list(arguments),
            }
        )

    def permission_answer(
        self, status: str, token: str | None, card: bool = False, code: str = "200"
    ) -> Envelope:
        """Alexa's ``Connections.Response`` after it asked for the reminders permission."""
        return self.envelope(
            {
                "type": "Connections.Response",
                "name": "AskFor",
                "status": {"code": code, "message": "OK" if code == "200" else "Error"},
                "payload": {
                    "permissionScope": REMINDERS_SCOPE,
                    "status": status,
                    "isCardThrown": card,
                },
                "token": token or "",
            }
        )

    def can_fulfill(self, name: str, slots: dict[str, Any] | None = None) -> Envelope:
        """Alexa asking, before routing a request that named no skill, whether we could serve it."""
        intent = {"name": name, "slots": slots or {}}
        return self.envelope({"type": "CanFulfillIntentRequest", "intent": intent})

    def exception_encountered(self) -> Envelope:
        """Alexa could not use the skill's last response (the device tells the skill why)."""
        envelope = self.envelope(
            {
                "type": "System.ExceptionEncountered",
                "error": {"type": "INVALID_RESPONSE", "message": "the response was not valid"},
                "cause": {"requestId": f"amzn1.echo-api.request.{uuid.uuid4()}"},
            }
        )
        envelope.pop("session")  # sent outside the session
        return envelope

    def apl_runtime_error(self) -> Envelope:
        """The screen could not show or run the last document."""
        error = {"type": "LIST_ERROR", "reason": "INTERNAL_ERROR", "message": "cannot run"}
        return self.envelope(
            {"type": "Alexa.Presentation.APL.RuntimeError", "token": "kneeCoach", "errors": [error]}
        )

    def absorb(self, response: dict[str, Any]) -> None:
        """Carry the skill's session attributes into the next turn, as Alexa does."""
        self.new = False
        self.attributes = dict(response.get("sessionAttributes") or {})
        end = response.get("response", {}).get("shouldEndSession")
        # Unset keeps a screen device's session open with the mic closed (the APL document
        # is speaking a timed hold); on a voice-only device Alexa would close it.
        self.open = end is False or (end is None and self.apl)
