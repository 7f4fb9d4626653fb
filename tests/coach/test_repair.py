"""Repair in place (skill.coach.repair) and "say that again" / "once more", by direct calls.

The dialogs (tests/dialogs/repair_*.yaml, say_that_again_means_the_words.yaml) show the same
through the whole skill; here each rule is pinned down on the coach alone, in every phase.
"""

from __future__ import annotations

import pytest
from test_coach import phase_states, routine_state, walk

from skill.coach import repair
from skill.coach.events import Event, On
from skill.coach.position import sets
from skill.coach.routine import paced
from skill.coach.state import ROUTINE, SAFETY, State
from skill.content.records import Content
from skill.voice.reply import Pause, Reply
from skill.voice.timing import PLAYBACK_DELAY_SECONDS

T0 = 1_800_000_000.0


def _holds(reply: Reply) -> float:
    return sum(p.seconds for p in reply.parts if isinstance(p, Pause) and not p.settle)


def _timed(content: Content) -> State:
    """The routine's first movement (its set-up and hold), sent at ``T0``: later requests are
    timed against it."""
    return walk(content, routine_state(content), Event(On.START_OVER, at=T0))[0]


# --------------------------------------------------------------------------- misses


def test_a_miss_asks_the_question_waiting_and_the_second_names_the_answers(
    content: Content,
) -> None:
    for name, state in phase_states(content):
        if state.pending == "permission":
            continue  # Alexa is asking: no words of ours reach it
        first, once = walk(content, state, On.FALLBACK)
        assert once.text.startswith(content.prompt("fallback")), (name, once.text)
        assert first.missed == 1 and once.reprompt, name
        second, twice = walk(content, first, On.FALLBACK)
        answers = repair.answers(content, first)
        assert twice.text.startswith(f"{content.prompt('fallback_again')} {answers}"), name
        assert second.missed == 2 and second.pending == state.pending, name
        # the question waiting is the same one, asked again: never another phase's
        assert second.phase == first.phase == (state.phase if state.phase != "new" else "idle")
        # anything understood starts the count again
        after, _ = walk(content, second, On.REPEAT)
        assert after.missed == 0, name


def test_a_miss_in_a_reminder_question_during_the_safety_check_stays_in_it(
    content: Content,
) -> None:
    checking = walk(content, State(), On.LAUNCH)[0]
    state, _ = walk(content, checking, Event(On.REMIND, "daily"))
    assert state.pending == "remind_time" and state.phase == SAFETY
    state, again = walk(content, state, On.FALLBACK)
    assert state.pending == "remind_time"
    assert content.prompt("reminder_ask_time") in again.text
    assert content.safety.questions[0].ask not in again.text


@pytest.mark.parametrize("pending", ["remind_time", "time_zone", "forget", "offer"])
def test_never_mind_drops_the_question_on_the_way_only(content: Content, pending: str) -> None:
    state = dict(phase_states(content))[
        {
            "remind_time": "remind-time-pending",
            "time_zone": "time-zone-pending",
            "forget": "forget-pending",
            "offer": "offer-pending",
        }[pending]
    ]
    assert state.pending == pending
    after, reply = walk(content, state, On.CANCEL)
    assert after.pending is None and after.phase == state.phase
    assert after.reminders is None or pending != "offer"  # dropped, not declined for good
    if pending == "offer":  # the routine is over: only the question was left
        assert reply.end_session
    else:
        assert not reply.end_session and reply.reprompt
        assert content.prompt("goodbye") not in reply.text


def test_never_mind_with_nothing_on_the_way_ends_as_stop_does(content: Content) -> None:
    _, reply = walk(content, routine_state(content), On.CANCEL)
    assert reply.end_session and content.prompt("goodbye") in reply.text


def test_about_the_question_on_the_way_keeps_it(content: Content) -> None:
    state = dict(phase_states(content))["time-zone-pending"]
    for kind in (On.HELP, On.EXPLAIN, On.UNSURE, On.PAUSE, On.REPEAT, On.REPEAT_STEP):
        after, reply = walk(content, state, kind)
        assert after.pending == "time_zone", kind
        assert reply.text.endswith(content.prompt("reminder_ask_zone")), kind
    after, reply = walk(content, state, Event(On.SIDE, "both"))
    assert after.side == "both" and after.pending == "time_zone"
    after, reply = walk(content, state, Event(On.TIME, "21:30"))
    assert after.plan == "daily 21:30" and reply.text.startswith("Okay, 9:30 PM.")
    after, reply = walk(content, state, Event(On.TIME, "EV"))  # not a time it can take
    assert after.pending == "time_zone" and reply.text.startswith(content.prompt("answers_zone"))


def test_a_zone_said_to_the_time_question_is_kept_and_the_time_asked_again(
    content: Content,
) -> None:
    state = dict(phase_states(content))["remind-time-pending"]
    after, reply = walk(content, state, Event(On.TIME_ZONE, "Europe/Dublin"))
    assert after.tz == "Europe/Dublin" and after.pending == "remind_time"
    assert reply.text.endswith(content.prompt("reminder_ask_time"))
    after, reply = walk(content, state, Event(On.TIME_ZONE, "?banana"))
    assert reply.text.startswith(content.prompt("zone_unknown")) and after.tz == state.tz


def test_waiting_outside_the_routine_keeps_the_question_and_the_mic(content: Content) -> None:
    for name, state in phase_states(content):
        if state.phase == ROUTINE or state.pending == "permission" or state.phase == "new":
            continue
        after, reply = walk(content, state, On.PAUSE)
        assert reply.text.startswith(content.prompt("take_your_time")), name
        assert reply.reprompt and not reply.end_session, name
        assert after.phase == state.phase and after.pending == state.pending, name


# --------------------------------------------------------------------------- the words again


def test_say_that_again_after_a_heard_step_is_its_prompt_with_no_hold(content: Content) -> None:
    state = _timed(content)
    later = Event(On.REPEAT, at=T0 + 200)  # well after the reply had played
    after, reply = walk(content, state, later)
    assert not any(isinstance(p, Pause) for p in reply.parts)
    assert reply.text.endswith(content.prompt("repeat_hint"))
    assert after.next_at == (0, 3)  # heard to its end: going on is past it


def test_say_that_again_over_a_hold_gives_the_movement_and_the_time_left(
    content: Content,
) -> None:
    state = _timed(content)
    begins, ends = state.holds[4:6]  # the third step's: the first two are its set-up
    hold = paced(sets(content, state)[0].holds[2], state.pace)
    into = 12.0
    at = T0 + PLAYBACK_DELAY_SECONDS + begins + into
    _, reply = walk(content, state, Event(On.REPEAT, at=at))
    left = _holds(reply)
    assert 0 < left <= ends - begins - into and left % 5 == 0 and left < hold
    movement = sets(content, state)[0].technique.steps[2].say
    assert reply.text.startswith(movement)
    assert content.variant("hold_left", 0, seconds=int(left)) in reply.text or (
        content.variant("hold_left", 1, seconds=int(left)) in reply.text
    )
    assert sets(content, state)[0].technique.steps[0].say not in reply.text  # no set-up
    assert reply.view.hold_seconds == left


def test_say_that_again_over_the_instructions_says_the_step_in_full(content: Content) -> None:
    state = _timed(content)
    _, reply = walk(content, state, Event(On.REPEAT, at=T0 + 3))
    technique = sets(content, state)[0].technique
    assert technique.steps[0].say in reply.text and technique.steps[2].say in reply.text


def test_say_that_again_after_a_finished_hold_marks_the_part_done(content: Content) -> None:
    state = _timed(content)
    ends = state.holds[5]
    at = T0 + PLAYBACK_DELAY_SECONDS + ends + 1  # the chime and "And relax" were playing
    after, reply = walk(content, state, Event(On.REPEAT, at=at))
    assert not any(isinstance(p, Pause) for p in reply.parts)
    assert after.heard == after.run and after.next_at == (0, 3)


def test_say_that_again_after_a_finished_hold_in_keep_going_plays_on(content: Content) -> None:
    state = routine_state(content)._replace(keep_going=True)
    state, _ = walk(content, state, Event(On.START_OVER, at=T0))  # all of technique 1 at once
    assert state.run == 4
    ends = state.holds[5]  # the first hold's end
    at = T0 + PLAYBACK_DELAY_SECONDS + ends + 1
    _, reply = walk(content, state, Event(On.REPEAT, at=at))
    technique = sets(content, state)[0].technique
    assert technique.steps[-1].say in reply.text and technique.steps[2].say not in reply.text
    assert _holds(reply) > 0


def test_once_more_does_the_part_again_from_its_movement(content: Content) -> None:
    state = _timed(content)
    after, reply = walk(content, state, Event(On.REPEAT_STEP, at=T0 + 200))
    technique = sets(content, state)[0].technique
    assert reply.text.startswith(content.prompt("once_more"))
    assert technique.steps[2].say in reply.text and technique.steps[0].say not in reply.text
    assert _holds(reply) == paced(sets(content, state)[0].holds[2], state.pace)
    assert after.next_at == (0, 3)  # done once already: going on is past it


@pytest.mark.parametrize("phase", ["done", "advised"])
def test_once_more_with_no_routine_running_says_so(content: Content, phase: str) -> None:
    state = dict(phase_states(content))[phase]
    _, reply = walk(content, state, On.REPEAT_STEP)
    key = "done_no_routine" if phase == "done" else "advised_no_routine"
    assert reply.text.startswith(content.prompt(key))
