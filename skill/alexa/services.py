"""Alexa's own APIs through the ASK SDK's service clients: the device's time zone, reminders.

Only the handler layer calls this module, and only for a turn that needs it (imported lazily,
so a voice-only launch never loads it). Each call goes through
``handler_input.service_client_factory`` (``get_ups_service()``,
``get_reminder_management_service()``), which ask-sdk-core builds from the request's
``context.System.apiEndpoint`` and ``apiAccessToken`` and the skill builder's ``api_client``
(:mod:`skill.alexa.api_client`): no HTTP is written here.

Nothing here raises. A failure becomes an outcome the coach has words for, and
:func:`carry_out` amends the coach's reply so it says what really happened, without losing
the session. Logs name the operation and the HTTP status, never the person.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.services.service_exception import ServiceException

from skill.alexa.api_client import repair_reminder_models
from skill.coach.habits import known_zone
from skill.coach.reminder_plans import Listed
from skill.coach.reminders import listed_words
from skill.content.records import Content
from skill.voice.reply import Reminder, Reply, Say

log = logging.getLogger(__name__)

T = TypeVar("T")
PERMISSION, TOO_MANY, FAILED = "permission", "too_many", "failed"
"""Why a call failed: the permission is missing, Alexa's reminder limit, anything else."""

_RULE_TIME = re.compile(r"BYHOUR=(\d{1,2});BYMINUTE=(\d{1,2})")
repair_reminder_models()


class ApiFailure(Exception):
    """A call to Alexa's API failed; ``outcome`` is one of the constants above."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


# ---- the device's time zone ------------------------------------------------------------------


def time_zone(handler_input: HandlerInput) -> str | None:
    """The device's IANA time zone from Alexa's settings (UPS) service, or None."""
    system = handler_input.request_envelope.context.system  # type: ignore[union-attr]
    device_id = getattr(getattr(system, "device", None), "device_id", None)
    if not device_id:
        return None
    try:
        found = _call(
            "time zone",
            handler_input,
            lambda factory: factory.get_ups_service().get_system_time_zone(device_id),
        )
    except ApiFailure:
        return None
    return found if known_zone(found) else None


# ---- reminders -------------------------------------------------------------------------------


def create(handler_input: HandlerInput, reminder: Reminder) -> None:
    """POST the reminder to ``/v1/alerts/reminders``; raises :class:`ApiFailure`."""
    request: Any = handler_input.request_envelope.request
    body = reminder_request(reminder, str(getattr(request, "locale", None) or "en-US"))
    _call(
        "create reminder",
        handler_input,
        lambda factory: factory.get_reminder_management_service().create_reminder(body),
    )


def reminder_request(reminder: Reminder, locale: str) -> Any:
    """The SDK's ``ReminderRequest`` for a reminder: absolute time, its zone, daily or once."""
    from ask_sdk_model.services.reminder_management import (
        AlertInfo,
        PushNotification,
        PushNotificationStatus,
        Recurrence,
        ReminderRequest,
        SpokenInfo,
        SpokenText,
        Trigger,
        TriggerType,
    )

    recurrence = None
    if reminder.daily:
        hour, minute = reminder.time
        rule = f"FREQ=DAILY;BYHOUR={hour};BYMINUTE={minute};BYSECOND=0;INTERVAL=1"
        recurrence = Recurrence(start_date_time=reminder.first, recurrence_rules=[rule])
    trigger = Trigger(
        object_type=TriggerType.SCHEDULED_ABSOLUTE,
        scheduled_time=reminder.first,
        time_zone_id=reminder.time_zone,
        recurrence=recurrence,
    )
    spoken = SpokenInfo(content=[SpokenText(locale=locale, text=reminder.text)])
    return ReminderRequest(
        request_time=reminder.requested,
        trigger=trigger,
        alert_info=AlertInfo(spoken_info=spoken),
        push_notification=PushNotification(status=PushNotificationStatus.ENABLED),
    )


def reminders(handler_input: HandlerInput) -> list[tuple[str, Listed]]:
    """The skill's active reminders for this person: (alert token, what it is)."""
    found = _call(
        "list reminders",
        handler_input,
        lambda factory: factory.get_reminder_management_service().get_reminders(),
    )
    result = []
    for alert in getattr(found, "alerts", None) or []:
        status = getattr(getattr(alert, "status", None), "value", None)
        token = getattr(alert, "alert_token", None)
        if token and status in (None, "ON"):
            result.append((str(token), listed(alert)))
    return result


def delete(handler_input: HandlerInput, alert_token: str) -> None:
    _call(
        "delete reminder",
        handler_input,
        lambda factory: factory.get_reminder_management_service().delete_reminder(alert_token),
    )


def listed(alert: Any) -> Listed:
    """What a reminder from the API is: daily or once, and at what local time."""
    trigger = getattr(alert, "trigger", None)
    recurrence = getattr(trigger, "recurrence", None)
    rules = " ".join(getattr(recurrence, "recurrence_rules", None) or [])
    freq = getattr(getattr(recurrence, "freq", None), "value", None)
    daily = "FREQ=DAILY" in rules or freq == "DAILY"
    found = _RULE_TIME.search(rules)
    if found:
        return Listed(daily, (int(found.group(1)), int(found.group(2))))
    when: Any = getattr(trigger, "scheduled_time", None)
    when = when or getattr(recurrence, "start_date_time", None)
    return Listed(daily, (when.hour, when.minute) if isinstance(when, datetime) else None)


# ---- effects: what the coach asked for, carried out, the reply made true ---------------------


def carry_out(handler_input: HandlerInput, reply: Reply, content: Content) -> Reply:
    """Make, list or cancel reminders as the reply asks, and amend it to say what happened."""
    p = content.prompt
    if "remind" in reply.effects and reply.reminder is not None:
        # One daily reminder, not one more each time: a new daily time replaces the old one
        # (made first, so a failure never leaves the person with none).
        earlier = _daily_tokens(handler_input) if reply.reminder.daily else []
        try:
            create(handler_input, reply.reminder)
        except ApiFailure as failure:
            words = {PERMISSION: "permission_how", TOO_MANY: "reminder_too_many"}
            key = words.get(failure.outcome, "reminder_failed")
            reply = amended(reply, p(key), drop="remind", consent=failure.outcome == PERMISSION)
        else:
            if earlier and _deleted(handler_input, earlier):
                reply = amended(reply, f"{_answer(reply)} {p('reminder_replaced')}")
    if "list_reminders" in reply.effects:
        try:
            found = [item for _, item in reminders(handler_input)]
            reply = amended(reply, listed_words(content, found))
        except ApiFailure as failure:
            if failure.outcome == PERMISSION:
                reply = amended(reply, p("permission_how"), consent=True)
    if "cancel_reminders" in reply.effects:
        reply = _cancel(handler_input, reply, content)
    return reply


def _daily_tokens(handler_input: HandlerInput) -> list[str]:
    """The alert tokens of the skill's daily reminders; none if they cannot be listed."""
    try:
        return [token for token, item in reminders(handler_input) if item.daily]
    except ApiFailure:
        return []


def _deleted(handler_input: HandlerInput, tokens: list[str]) -> bool:
    try:
        for token in tokens:
            delete(handler_input, token)
    except ApiFailure:
        return False
    return True


def _cancel(handler_input: HandlerInput, reply: Reply, content: Content) -> Reply:
    p = content.prompt
    try:
        tokens = [token for token, _ in reminders(handler_input)]
        for token in tokens:
            delete(handler_input, token)
    except ApiFailure:
        # Keep the coach's "couldn't cancel" and don't record them as declined: nothing changed.
        return amended(reply, p("reminders_cancel_failed"), drop="cancel_reminders")
    return amended(reply, p("reminders_cancelled" if tokens else "reminders_nothing_to_cancel"))


def _answer(reply: Reply) -> str:
    """What :func:`amended` replaces: the first part, the answer (the phase's prompt follows)."""
    first = reply.parts[0] if reply.parts else None
    return first.text if isinstance(first, Say) else ""


def amended(reply: Reply, text: str, drop: str = "", consent: bool = False) -> Reply:
    """The reply with its first part (the answer) replaced by ``text``."""
    return reply._replace(
        parts=(Say(text), *reply.parts[1:]),
        view=reply.view._replace(text=text),
        effects=reply.effects - {drop},
        reminder=None if drop == "remind" else reply.reminder,
        consent_card=reply.consent_card or consent,
    )


def _call(operation: str, handler_input: HandlerInput, call: Callable[[Any], T]) -> T:
    """One service call, its failure classified (and logged without anything personal)."""
    factory = handler_input.service_client_factory
    if factory is None:
        log.warning("%s: the skill has no API client", operation)
        raise ApiFailure(FAILED)
    try:
        return call(factory)
    except ServiceException as error:
        outcome = classify(error.status_code, error.body)
        log.warning("%s failed: HTTP %s (%s)", operation, error.status_code, outcome)
        raise ApiFailure(outcome) from error
    except Exception as error:  # the SDK wraps most failures, but a turn must never crash
        log.warning("%s failed: %s", operation, type(error).__name__)
        raise ApiFailure(FAILED) from error


def classify(status: int | None, body: Any) -> str:
    """401: the permission is missing; 403 naming a maximum: too many reminders; else failed."""
    if status == 401:
        return PERMISSION
    code = f"{getattr(body, 'code', '')} {getattr(body, 'message', '')}".upper()
    if status == 403 and "MAX" in code:
        return TOO_MANY
    return FAILED
