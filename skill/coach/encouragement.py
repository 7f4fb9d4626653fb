"""Progress people can hear: days in a row, routines this week, a warm welcome back.

The numbers come from :class:`skill.coach.habits.Habits`, kept in the session state from the
completion times the store already holds; calendar days are the person's own when their time
zone is known (``State.tz``), else UTC. Every line counts what someone did, never what they
did not: after a gap there is a welcome, not a tally of missed days.
"""

from __future__ import annotations

import math
from typing import Any

from skill.coach.answer import with_prompt
from skill.coach.events import Event
from skill.coach.habits import Habits, local_day
from skill.coach.questions import side_words
from skill.coach.state import State
from skill.content.records import Content
from skill.voice.reply import Reply

WELCOME_BACK_AFTER_DAYS = 3
"""A returning person hears "good to have you back" when this many days have passed."""


def today(state: State, now: float) -> int:
    """The person's calendar day at ``now`` (the request's timestamp)."""
    return local_day(now, state.tz)


def routines(content: Content, count: int) -> str:
    if count == 1:
        return content.prompt("routines_one")
    return content.prompt("routines_many", count=count)


def launch_line(content: Content, state: State, now: float) -> str | None:
    """A few words for the greeting of someone who has finished routines before.

    Only a run of days, or a welcome after a gap: the week's count waits for the end of the
    routine, since every word here delays the first hold (tests/test_speech_budget.py).
    """
    habits, day = state.habits, today(state, now)
    if not habits.ever():
        return None
    days_since = habits.days_since(day) or 0
    if days_since >= WELCOME_BACK_AFTER_DAYS:
        return content.prompt("welcome_gap")
    in_a_row = habits.days_in_a_row(day)
    if in_a_row >= 2:
        return content.prompt("launch_streak", days=in_a_row)
    return None


def finish_line(content: Content, habits: Habits, day: int) -> str:
    """What the end of a routine says about it, once it has been counted in ``habits``."""
    in_a_row = habits.days_in_a_row(day)
    if in_a_row >= 2:
        return content.prompt("streak_days", days=in_a_row)
    count = habits.this_week(day)
    ordinal = content.language.ordinal(count)
    if ordinal is None:  # past the ordinal words the language file gives
        return content.prompt("week_count_many", count=count)
    return content.prompt("week_count", ordinal=ordinal, count=count)


def done_card(content: Content, habits: Habits, day: int) -> str:
    """The end-of-routine card in the Alexa app: the same summary, with this week and month."""
    counts = content.prompt(
        "done_card",
        week=routines(content, habits.this_week(day)),
        month=routines(content, habits.this_month(day)),
    )
    in_a_row = habits.days_in_a_row(day)
    if in_a_row >= 2:
        return f"{content.prompt('streak_days', days=in_a_row)} {counts}"
    return counts


def progress(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """ "How am I doing?": this week, this month, days in a row, the usual knee and routine."""
    state = state._replace(last={"r": "progress", "at": repr(float(event.at))})
    return progress_reply(content, state)


def progress_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    """The summary as of when it was asked (``last["at"]``), so "repeat" says the same."""
    try:
        now = float(state.last.get("at", 0.0))
    except ValueError:
        now = 0.0
    if not math.isfinite(now):
        now = 0.0
    habits = state.habits
    if not habits.ever():
        key = "progress_none" if state.remembers else "progress_unknown"
        return with_prompt(content, state, content.prompt(key), title="progress_title")
    day = today(state, now)
    week, month = habits.this_week(day), habits.this_month(day)
    lines = []
    if week and not month:  # a week that began last month: nothing yet this month
        lines.append(content.prompt("progress_week_only", week=routines(content, week)))
    elif week:
        lines.append(
            content.prompt(
                "progress_week", week=routines(content, week), month=routines(content, month)
            )
        )
    elif month:
        lines.append(content.prompt("progress_month", month=routines(content, month)))
    else:
        lines.append(content.prompt("progress_while"))
    in_a_row = habits.days_in_a_row(day)
    if in_a_row >= 2:
        lines.append(content.prompt("streak_days", days=in_a_row))
    usual = next((r for r in content.routines if r.id == state.usual), None)
    if usual is not None and state.side is not None:
        side = side_words(content, state.side)
        lines.append(content.prompt("progress_usual", routine=usual.name, side=side))
    elif usual is not None:
        lines.append(content.prompt("progress_usual_routine", routine=usual.name))
    return with_prompt(content, state, " ".join(lines), title="progress_title")
