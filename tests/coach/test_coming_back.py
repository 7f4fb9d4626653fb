"""The coach's side of coming back: progress lines, the speaking rate, the reminder dialog.

Pure calls into :func:`skill.coach.machine.handle`, no SDK: what the coach says and which effect it
asks the handler layer for. The same flows run end to end, against Alexa's API stand-in, in
``tests/dialogs/reminder_*.yaml``, ``progress_*.yaml`` and ``speak_slower.yaml``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill.coach import encouragement, reminders
from skill.coach import machine as coach
from skill.coach.events import Event, On
from skill.coach.habits import Habits, local_day
from skill.coach.position import position_key
from skill.coach.reminder_plans import Listed, Plan
from skill.coach.routine import RATES
from skill.coach.state import DONE, IDLE, ROUTINE, State
from skill.content.records import Content
from skill.voice import speech
from skill.voice.reply import Reply

NOW = datetime.fromisoformat("2026-01-07T23:30:00+00:00").timestamp()  # Wed 6:30 PM New York
NY = "America/New_York"
TODAY = local_day(NOW, NY)
WEEK = 7 * 24 * 3600
GUILT = re.compile(r"\b(missed|miss|skipped|haven't done|behind|failed|only)\b", re.IGNORECASE)


def step(content: Content, state: State, *events: Event) -> tuple[State, Reply]:
    reply = None
    for event in events:
        state, reply = coach.handle(content, state, event)
    assert reply is not None
    return state, reply


def idle(**fields: object) -> State:
    return State(phase=IDLE, checked=True, tz=NY, remembers=True)._replace(**fields)  # type: ignore[arg-type]


def last_step(content: Content, **fields: object) -> State:
    """The last step of the full routine, one "next" from finishing."""
    routine = content.routine("full")
    last = len(routine.items) - 1
    steps = len(routine.items[-1].technique.steps)
    state = State(phase=ROUTINE, checked=True, side="left", index=last, step=steps - 1, tz=NY)
    return state._replace(**fields)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- progress


def test_three_days_in_a_row_at_the_end_and_on_the_card(content: Content) -> None:
    habits = Habits().after(TODAY - 2).after(TODAY - 1)
    state, reply = step(content, last_step(content, habits=habits), Event(On.NEXT, at=NOW))
    assert "That's 3 days in a row." in reply.text
    assert reply.view.kind == "done"
    assert (
        reply.view.text == "That's 3 days in a row. This week: 3 routines. This month: 3 routines."
    )
    assert state.habits.streak == 3 and state.usual == "full"
    assert reply.effects == {"completed"}  # progress is not kept: no reminder offer


def test_without_a_run_the_week_is_counted(content: Content) -> None:
    habits = Habits().after(TODAY - 2)  # Monday; today is Wednesday
    _, reply = step(content, last_step(content, habits=habits), Event(On.NEXT, at=NOW))
    assert "That's your second routine this week." in reply.text
    earlier = Habits().after(TODAY - 3)  # last Sunday: another week
    _, reply = step(content, last_step(content, habits=earlier), Event(On.NEXT, at=NOW))
    assert "That's your first routine this week." in reply.text


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ([], None),
        ([TODAY - 2, TODAY - 1], "2 days in a row!"),
        ([TODAY - 1, TODAY], "2 days in a row!"),
        ([TODAY - 2], None),  # the week's count waits for the end of the routine
        ([TODAY - 30, TODAY - 10], "Good to have you back."),
        ([TODAY - 3], "Good to have you back."),
    ],
)
def test_the_launch_line(content: Content, history: list[int], expected: str | None) -> None:
    habits = Habits()
    for day in history:
        habits = habits.after(day)
    assert encouragement.launch_line(content, idle(habits=habits), NOW) == expected


def test_how_am_i_doing_names_the_week_month_run_and_the_last_routine(content: Content) -> None:
    habits = Habits().after(TODAY - 1).after(TODAY)
    state = idle(habits=habits, usual="quick", side="both")
    state, reply = step(content, state, Event(On.PROGRESS, at=NOW))
    assert reply.parts[0].text == (  # type: ignore[union-attr]
        "You've done 2 routines this week, and 2 routines this month. "
        "That's 2 days in a row. Last time, you did the quick routine, both knees."
    )
    _, again = step(content, state, Event(On.REPEAT, at=NOW + 60))
    assert again.text == reply.text  # "repeat" says the same, as of when it was asked


def test_a_week_that_began_last_month_never_counts_zero_this_month(content: Content) -> None:
    monday_30_november = date(2026, 11, 30).toordinal()
    habits = Habits().after(monday_30_november)
    state = idle(habits=habits, tz="UTC")
    tuesday = datetime(2026, 12, 1, 12, tzinfo=timezone.utc).timestamp()  # same week, new month
    _, reply = step(content, state, Event(On.PROGRESS, at=tuesday))
    assert reply.parts[0].text == "You've done one routine this week."  # type: ignore[union-attr]
    assert "0 routines" not in reply.text


def test_after_one_routine_nothing_is_called_usual(content: Content) -> None:
    state = idle(habits=Habits().after(TODAY), usual="full", side="left")
    _, reply = step(content, state, Event(On.PROGRESS, at=NOW))
    assert "usually" not in reply.text
    assert "Last time, you did the full routine, left knee." in reply.text


@pytest.mark.parametrize("at", ["soon", "inf", "nan"])
def test_a_replayed_summary_with_a_tampered_time_still_answers(content: Content, at: str) -> None:
    habits = Habits().after(TODAY)
    state = idle(habits=habits, last={"r": "progress", "at": at})
    _, reply = encouragement.progress_reply(content, state)
    assert "routine" in reply.text


def test_how_am_i_doing_before_any_routine_and_without_a_store(content: Content) -> None:
    _, kept = step(content, idle(), Event(On.PROGRESS, at=NOW))
    assert "haven't finished a routine with me yet" in kept.text
    _, unkept = step(content, idle(remembers=False), Event(On.PROGRESS, at=NOW))
    assert "not keeping track" in unkept.text


@given(
    history=st.lists(st.integers(min_value=0, max_value=90), max_size=30),
    gap=st.integers(min_value=0, max_value=60),
)
def test_no_progress_line_ever_counts_what_was_not_done(
    content: Content, history: list[int], gap: int
) -> None:
    """Never guilt: whatever the history, nothing said mentions missed days."""
    habits = Habits()
    for day in sorted(history):
        habits = habits.after(TODAY - gap - day)
    state = idle(habits=habits, usual="full", side="left")
    lines = [
        encouragement.launch_line(content, state, NOW) or "",
        encouragement.finish_line(content, habits.after(TODAY), TODAY),
        encouragement.done_card(content, habits.after(TODAY), TODAY),
        step(content, state, Event(On.PROGRESS, at=NOW))[1].text,
    ]
    for line in lines:
        assert not GUILT.search(line), line


# --------------------------------------------------------------------------- the speaking rate


def test_the_speaking_rate_steps_and_stops_at_its_ends(content: Content) -> None:
    state = idle()
    for expected in reversed(RATES[: RATES.index(1.0)]):
        state, reply = step(content, state, Event(On.SPEAK_SLOWER))
        assert state.rate == expected and reply.rate == expected
    state, reply = step(content, state, Event(On.SPEAK_SLOWER))
    assert "as slowly as I can" in reply.text and state.rate == RATES[0]
    state, reply = step(content, state, Event(On.SPEAK_NORMAL))
    assert state.rate == 1.0 and "normal speed" in reply.text
    for _ in RATES:
        state, reply = step(content, state, Event(On.SPEAK_FASTER))
    assert state.rate == RATES[-1] and "as fast as I can" in reply.text


def test_the_rate_is_said_once_and_then_only_heard(content: Content) -> None:
    state, said = step(content, idle(), Event(On.SPEAK_SLOWER))
    assert said.text.startswith("Okay, I'll speak more slowly.")
    state, again = step(content, state, Event(On.REPEAT))
    assert again.text.startswith("Okay, I'll speak more slowly.")  # "repeat" re-says it
    state, later = step(content, state, Event(On.HELP))
    assert "more slowly" not in later.text
    assert speech.speech(later).startswith('<prosody rate="85%">')


def test_the_rate_is_separate_from_the_hold_pace(content: Content) -> None:
    state, _ = step(content, idle(), Event(On.SPEAK_SLOWER))
    state, _ = step(content, state._replace(phase=DONE), Event(On.SLOWER))  # after a hold
    assert (state.rate, state.pace) == (0.85, 1.25)


def test_slower_before_any_hold_is_about_the_voice(content: Content) -> None:
    """ "Slow down", "too fast" before any hold mean the voice; the words never say "hold"."""
    state, reply = step(content, idle(), Event(On.SLOWER))
    assert (state.rate, state.pace) == (0.85, 1.0)
    assert reply.text.startswith(content.prompt("rate_slower"))
    state, reply = step(content, state, Event(On.FASTER))
    assert (state.rate, state.pace) == (1.0, 1.0)
    _, paced = step(content, idle()._replace(phase=DONE), Event(On.SLOWER))
    assert "hold" not in paced.text.lower() and "of massage" in paced.text


def test_announced_lengths_count_the_rate(content: Content) -> None:
    normal = idle()
    slow = normal._replace(rate=RATES[0])
    _, at_normal = step(content, normal, Event(On.WHERE))
    _, at_slow = step(content, slow, Event(On.WHERE))

    def minutes(reply: Reply) -> int:
        found = re.search(r"about (\d+) minutes", reply.text, re.IGNORECASE)
        assert found, reply.text
        return int(found.group(1))

    assert minutes(at_slow) > minutes(at_normal)


# --------------------------------------------------------------------------- reminders


def test_a_request_without_the_permission_hands_the_turn_to_alexa(content: Content) -> None:
    state, reply = step(content, idle(), Event(On.REMIND, "daily 09:00"))
    assert reply.ask_for == "daily 09:00" and not reply.parts and reply.reprompt is None
    assert (state.pending, state.asked, state.plan) == ("permission", True, "daily 09:00")
    # Alexa's answer comes back; granted, the reminder is set (the time zone is known here)
    state, reply = step(content, state, Event(On.PERMISSION, "ACCEPTED", at=NOW))
    assert reply.effects == {"remind", "time_zone"}  # made now; look the zone up if possible
    assert reply.reminder is not None and reply.reminder.time == (9, 0)
    assert "I'll remind you every day at 9 AM" in reply.text


def test_the_permission_answer_carries_the_plan_when_the_session_lost_it(
    content: Content,
) -> None:
    fresh = idle()._replace(tz_checked=True)
    _, reply = step(content, fresh, Event(On.PERMISSION, "ACCEPTED", at=NOW, detail="once 19:30"))
    assert reply.reminder is not None and not reply.reminder.daily
    assert "tomorrow at 7:30 PM" in reply.text


@pytest.mark.parametrize("answer", ["DENIED", "NOT_ANSWERED"])
def test_a_declined_permission_says_how_and_is_not_asked_again(
    content: Content, answer: str
) -> None:
    state, _ = step(content, idle(), Event(On.REMIND, "daily 09:00"))
    state, reply = step(content, state, Event(On.PERMISSION, answer))
    assert reply.consent_card and "Alexa app" in reply.text and not reply.end_session
    assert state.pending is None and state.plan is None
    state, again = step(content, state, Event(On.REMIND, "daily 09:00"))
    assert again.ask_for is None and again.consent_card and "Alexa app" in again.text


def test_a_failed_permission_request_is_calm(content: Content) -> None:
    _, reply = step(content, idle(), Event(On.PERMISSION, "ERROR"))
    assert "couldn't ask for that permission" in reply.text and not reply.end_session


def test_the_time_is_asked_for_when_missing_or_vague(content: Content) -> None:
    state, reply = step(content, idle(), Event(On.REMIND, "daily", granted=True))
    assert state.pending == "remind_time" and "What time" in reply.text
    state, vague = step(content, state, Event(On.TIME, "EV", granted=True))
    assert state.pending == "remind_time" and "What time" in vague.text
    state, done = step(content, state, Event(On.TIME, "19:00", granted=True, at=NOW))
    assert done.reminder is not None and done.reminder.time == (19, 0)
    assert state.pending is None and state.reminders == "set"


def test_the_time_zone_is_looked_up_then_asked_for(content: Content) -> None:
    unknown = idle(tz=None)
    _, first = step(content, unknown, Event(On.REMIND, "daily 09:00", granted=True))
    assert "time_zone" in first.effects  # the handler looks it up and asks again
    looked_up = unknown._replace(tz_checked=True)
    state, ask = step(content, looked_up, Event(On.REMIND, "daily 09:00", granted=True))
    assert state.pending == "time_zone" and "Which time zone" in ask.text
    assert "time_zone" not in ask.effects and ask.reminder is None
    state, done = step(content, state, Event(On.TIME_ZONE, "Europe/London", granted=True, at=NOW))
    assert done.reminder is not None and done.reminder.time_zone == "Europe/London"
    assert state.tz == "Europe/London"
    _, unknown_zone = step(
        content, state._replace(pending="time_zone", plan="daily 09:00"), Event(On.TIME_ZONE, "?x")
    )
    assert "don't know that time zone" in unknown_zone.text and unknown_zone.reminder is None


def test_a_time_or_zone_out_of_turn_gets_a_relevant_answer(content: Content) -> None:
    _, reply = step(content, idle(), Event(On.TIME, "19:00"))
    assert reply.text.startswith("To be reminded every day at 7 PM, say: remind me every day")
    assert reply.reminder is None and not reply.effects
    _, vague = step(content, idle(), Event(On.TIME, "EV"))
    assert vague.text.startswith(content.prompt("time_hint_vague"))
    state, zone = step(content, idle(tz=None), Event(On.TIME_ZONE, "America/Chicago"))
    assert state.tz == "America/Chicago" and zone.text.startswith(content.prompt("zone_noted"))
    state, unknown = step(content, idle(tz=None), Event(On.TIME_ZONE, "?banana"))
    assert state.tz is None and unknown.text.startswith(content.prompt("zone_unknown"))


def test_the_offer_comes_at_most_weekly_and_never_after_an_answer(content: Content) -> None:
    state = last_step(content, remembers=True)
    state, offer = step(content, state, Event(On.NEXT, at=NOW))
    assert "remind you" in offer.text and not offer.end_session
    assert offer.effects == {"completed", "offered"} and state.pending == "offer"
    # The consent question names the time and how often (Amazon's reminder guidelines).
    assert "every day at 6:30 PM?" in offer.text, offer.text
    assert offer.reprompt and "every day at 6:30 PM" in offer.reprompt
    answered, reply = step(content, state, Event(On.NO, at=NOW))
    assert reply.effects == {"declined"} and answered.reminders == "declined"
    assert reply.end_session and "no reminder" in reply.text
    # unanswered, the offer waits a week; after a "no" or a reminder it never returns
    later = state._replace(phase=ROUTINE, pending=None)
    assert not reminders.may_offer(later, NOW + WEEK - 1)
    assert reminders.may_offer(later, NOW + WEEK)
    assert not reminders.may_offer(later._replace(reminders="declined"), NOW + 9 * WEEK)
    assert not reminders.may_offer(later._replace(reminders="set"), NOW + 9 * WEEK)
    assert not reminders.may_offer(later._replace(remembers=False), NOW + 9 * WEEK)


def test_yes_to_the_offer_sets_a_reminder_at_this_time_of_day_and_says_goodbye(
    content: Content,
) -> None:
    state, _ = step(content, last_step(content, remembers=True), Event(On.NEXT, at=NOW))
    state, reply = step(content, state, Event(On.YES, at=NOW + 30, granted=True))
    assert reply.reminder is not None
    assert reply.reminder.time == (18, 30) and reply.reminder.daily  # 6:30 PM in New York
    assert "every day at 6:30 PM" in reply.text and "Goodbye" in reply.text
    assert reply.end_session and state.phase == DONE


def test_repeat_while_asking_repeats_the_question(content: Content) -> None:
    state, _ = step(content, last_step(content, remembers=True), Event(On.NEXT, at=NOW))
    again_state, again = step(content, state, Event(On.REPEAT))
    assert again_state.pending == "offer" and "remind you" in again.text


def test_list_and_cancel_without_the_permission(content: Content) -> None:
    _, listed = step(content, idle(), Event(On.LIST_REMINDERS))
    assert "don't have any" in listed.text and not listed.effects
    state, cancelled = step(content, idle(), Event(On.CANCEL_REMINDERS))
    assert cancelled.effects == {"declined"} and state.reminders == "declined"


def test_list_and_cancel_ask_the_handler_and_assume_failure_until_it_answers(
    content: Content,
) -> None:
    _, listed = step(content, idle(), Event(On.LIST_REMINDERS, granted=True))
    assert listed.effects == {"list_reminders"} and "couldn't check" in listed.text
    _, cancelled = step(content, idle(), Event(On.CANCEL_REMINDERS, granted=True))
    assert cancelled.effects == {"cancel_reminders"} and "couldn't cancel" in cancelled.text


def test_reminders_are_listed_in_words(content: Content) -> None:
    words = reminders.listed_words
    assert words(content, []) == "You don't have any Knee Coach reminders."
    assert words(content, [Listed(True, (0, 0))]) == (
        "You have one Knee Coach reminder: every day at midnight."
    )
    assert words(content, [Listed(True, (12, 0)), Listed(False, (7, 5)), Listed(True, None)]) == (
        "You have 3 Knee Coach reminders: every day at noon, just once at 7:05 AM, "
        "and one set in the Alexa app."
    )


def test_plans_from_intents_are_complete_only_with_a_time() -> None:
    assert not Plan().complete and Plan(time=(9, 0)).complete and Plan(now=True).complete
    assert date.fromordinal(TODAY) == date(2026, 1, 7)


def test_what_was_heard_is_timed_at_the_speaking_rate(content: Content) -> None:
    """A slower voice takes longer to say a step: "pause" a few seconds in has heard less."""
    slow, normal = idle(rate=RATES[0]), idle()
    events = (Event(On.START, at=NOW), Event(On.SIDE, "left", at=NOW))
    slow_state, _ = step(content, slow._replace(phase=IDLE), *events)
    normal_state, _ = step(content, normal._replace(phase=IDLE), *events)
    assert slow_state.marks and normal_state.marks
    ratio = [s / n for s, n in zip(slow_state.marks, normal_state.marks, strict=True) if n]
    assert all(r > 1.0 for r in ratio), (slow_state.marks, normal_state.marks)


@pytest.mark.parametrize("ending", ["stop", "screen keep-going"])
def test_every_way_to_reach_the_end_counts_the_routine_on_its_day(
    content: Content, ending: str
) -> None:
    """Said "stop" at "say next to finish", or a screen ran the last hold out in keep-going
    mode: the routine is counted on the request's day, like "next" (it once counted on
    1 January 1970: "that's your 0th routine this week")."""
    earlier = Habits().after(TODAY)
    state = last_step(content, habits=earlier, keep_going=ending != "stop", sent_at=NOW - 60)
    state = state._replace(heard=state.run, next_at=None)  # every step was heard to its end
    if ending == "stop":
        event = Event(On.STOP, at=NOW)
    else:
        event = Event(On.HOLD_DONE, position_key(state), at=NOW)
    state, reply = step(content, state, event)
    assert "completed" in reply.effects
    assert "second routine this week" in reply.text
    assert reply.view.text.endswith("This week: 2 routines. This month: 2 routines.")
    assert state.habits.this_week(TODAY) == 2


def test_yes_after_a_finished_routine_does_not_start_another(content: Content) -> None:
    done = State(phase=DONE, checked=True, side="left", tz=NY)
    state, reply = step(content, done, Event(On.YES, at=NOW))
    assert state.phase == DONE and "technique 1" not in reply.text.lower()
