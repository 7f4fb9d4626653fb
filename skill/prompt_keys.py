"""Prompt keys of the "coming back" features, checked with the rest by :mod:`skill.content`.

Kept apart from the core list in :data:`skill.content.PROMPT_KEYS` so that the progress,
reminder and speaking-rate phrases can be found (and reviewed) in one place.
"""

from __future__ import annotations

COMING_BACK: tuple[str, ...] = (
    # progress people can hear (skill.coach.encouragement)
    "progress_title",
    "welcome_gap",
    "launch_streak",
    "launch_week",
    "streak_days",
    "routines_one",
    "routines_many",
    "done_card",
    "progress_week",
    "progress_month",
    "progress_while",
    "progress_usual",
    "progress_usual_routine",
    "progress_none",
    "progress_unknown",
    # the speaking rate (skill.coach.voice)
    "rate_slower",
    "rate_faster",
    "rate_normal",
    "rate_slowest",
    "rate_fastest",
    # reminders (skill.coach.reminders)
    "reminders_title",
    "reminder_offer",
    "offer_reprompt",
    "reminder_text",
    "reminder_set_daily",
    "reminder_set_once",
    "reminder_ask_time",
    "reminder_ask_zone",
    "reminder_zone_unknown",
    "reminder_not_now",
    "reminder_failed",
    "reminder_too_many",
    "permission_how",
    "permission_declined",
    "permission_error",
    "reminders_none",
    "reminders_one",
    "reminders_many",
    "reminder_daily_at",
    "reminder_once_at",
    "reminder_some_time",
    "reminders_list_failed",
    "reminders_cancelled",
    "reminders_cancel_failed",
    "reminders_nothing_to_cancel",
    "time_am",
    "time_pm",
    "time_noon",
    "time_midnight",
)
