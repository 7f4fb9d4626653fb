"""Opening a session: greeting, disclaimer, the safety check, and which knee.

A new person hears the disclaimer once, briefly, and the check one short question a turn (or,
in the ``statements`` style, the list and one "is it okay to go ahead?"). A returning person
(has done a step before) hears where they will be and one short check, then goes straight into
the step. "I'm not sure" explains and advises checking with a doctor (twice, and the routine
does not start). Answers in a person's own words ("I have arthritis", "a little swelling"),
the one more question about lasting knee pain, "I meant no" and "go back" are
:mod:`skill.coach.safety_answers`', which builds on this module.

Safety answers steer this session only. An answer that says "not today" moves the phase to
``advised`` (the routine stays closed for this session); which question it answered is kept
one turn only (``State.answered``), so it can be corrected, and then forgotten.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skill.coach import encouragement
from skill.coach.answer import with_prompt
from skill.coach.events import Event
from skill.coach.position import position_words, sets
from skill.coach.questions import (
    UNSURE_MARK,
    ask_question,
    ask_side,
    held_off,
    hold_off_text,
    holds_off,
    question_explain,
    side_words,
    was_unsure,
)
from skill.coach.routine import minutes_words, valid_position
from skill.coach.routine_length import seconds_to_end
from skill.coach.state import (
    ADVISED,
    DONE,
    IDLE,
    ROUTINE,
    SAFETY,
    SIDE,
    SIDES,
    State,
    question_count,
)
from skill.coach.step_reply import play
from skill.content.records import Content
from skill.store.progress import DAY_S, RESUME_MAX_AGE_S
from skill.voice.reply import Part, Reply, Say


def launch(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    p = content.prompt
    if state.resume and not valid_position(content, state.resume, state.side):
        state = state._replace(resume=None)  # saved before the content changed
    if state.want:  # a one-shot wish: the routine launch announces is the one wished for
        state = state._replace(routine=state.want[0])
    compact = state.returning
    lead = [Say(_welcome(content, state, event.at))]
    lead.append(Say(p("disclaimer_short" if state.heard_intro else "disclaimer_new")))
    if not compact and content.safety.style == "questions":
        lead.append(Say(content.safety.intro))
    state = state._replace(phase=SAFETY, question=0, follow=None, compact=compact, heard_intro=True)
    return ask_question(content, state, lead)


def _welcome(content: Content, state: State, now: float) -> str:
    """Who is back, and (for a returning person) what comes once the check is done.

    What they have done lately (a run of days, a welcome after a gap) is the greeting itself,
    not a sentence more: every word here delays the first hold (tests/test_speech_budget.py).
    """
    p = content.prompt
    lately = encouragement.launch_line(content, state, now)
    hello = lately or p("hello_back")
    if state.returning and not state.want and state.lapsed:  # its place was kept too long
        return p("welcome_lapsed", hello=hello, days=RESUME_MAX_AGE_S // DAY_S)
    if state.returning and not state.want and state.resume:
        routine_id, index, step = state.resume
        where = position_words(content, state._replace(routine=routine_id), index, step)
        return p("welcome_back_resume", hello=hello, **where)
    if state.returning and not state.want and state.side:
        routine = content.routine(state.routine).name
        side = side_words(content, state.side)
        return p("welcome_back_same", hello=hello, routine=routine, side=side)
    if state.heard_intro:
        return lately or p("welcome_back")
    one_knee = state._replace(side=None, learned=())
    return p("welcome_new", minutes=minutes_words(content, seconds_to_end(content, one_knee, 0, 0)))


def answer(
    content: Content, state: State, event: Event, lead: Sequence[Part] = ()
) -> tuple[State, Reply]:
    """A plain yes or no to the question at hand (a yes to lasting knee pain, and the
    follow-up it asks, are :mod:`skill.coach.safety_answers`')."""
    if state.phase != SAFETY:
        from skill.coach.talk import no_question  # loaded on the first such turn, not at launch

        return no_question(content, state, event)
    state = state._replace(answered=state.question)
    if holds_off(content, state, event.kind):
        text = hold_off_text(content, state)
        return advice_reply(content, held_off(state), text, lead)
    return advance(content, state, lead)


def advance(
    content: Content, state: State, lead: Sequence[Part] = (), all_clear: bool = True
) -> tuple[State, Reply]:
    """The question at hand is answered: the next one, or the check is done.

    ``all_clear`` says "Thanks, all clear." to a new person who is done (a returning person
    goes straight into the step; after the follow-up about lasting pain, its own words do).
    """
    state = state._replace(follow=None)
    if state.question + 1 < question_count(content, state):
        return ask_question(content, state._replace(question=state.question + 1), lead)
    state = state._replace(phase=IDLE, question=0, checked=True)
    if state.compact or not all_clear:  # a returning person goes straight into the step
        return _after_safety(content, state, lead)
    return _after_safety(content, state, [*lead, Say(content.safety.all_clear)])


def advice_reply(
    content: Content,
    state: State,
    reason: str | None = None,
    lead: Sequence[Part] = (),
    **_: Any,
) -> tuple[State, Reply]:
    """Hold off today: the reason (said once; a repeat gives the general advice), and what
    is still useful. Which question got the answer is not in the replay descriptor."""
    p = content.prompt
    text = f"{reason or p('advice_again')} {p('health_note')}"
    state, reply = with_prompt(content, state, text, title="safety_title")
    return state, reply._replace(parts=(*lead, *reply.parts))


def _after_safety(content: Content, state: State, lead: Sequence[Part]) -> tuple[State, Reply]:
    from skill.coach.routine_steps import begin  # after the check: a launch never loads it

    if state.want:
        routine_id, technique_id = state.want
        if state.side is None:
            return ask_side(content, state._replace(phase=SIDE, resume=None), lead)
        state = state._replace(want=None, resume=None)
        return _begin_wish(content, state, lead, routine_id, technique_id)
    if state.resume:
        # A returning person goes straight on from where they were (launch said where).
        routine_id, index, step = state.resume
        state = state._replace(phase=ROUTINE, routine=routine_id, index=index, step=step)
        return play(content, state._replace(resume=None), lead)
    if state.side is None:
        return ask_side(content, state._replace(phase=SIDE), lead)
    return begin(content, state, lead)


def choose_side(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    side = event.value if event.value in SIDES else None
    if side is None:
        return ask_side(content, state)
    ack = content.prompt("side_noted", side=side_words(content, side))
    if state.phase in (SAFETY, ADVISED):
        state = state._replace(side=side, resume=None if side != state.side else state.resume)
        if state.phase == ADVISED:
            return with_prompt(content, state, ack)
        return ask_question(content, state, [Say(ack)], full=False)
    if state.phase == ROUTINE:
        from skill.coach.routine_steps import set_index

        current = sets(content, state)[state.index].technique.id
        state = state._replace(side=side)
        state = state._replace(index=set_index(content, state, current), step=0)
        return play(content, state, [Say(ack)])
    state = state._replace(side=side)
    routine_id, technique_id = state.want or (state.routine, None)
    return _begin_wish(content, state._replace(want=None), [], routine_id, technique_id)


def _begin_wish(
    content: Content,
    state: State,
    lead: Sequence[Part],
    routine_id: str,
    technique_id: str | None,
) -> tuple[State, Reply]:
    """Begin what they asked for; a routine other than the one launch announced is named."""
    from skill.coach.routine_steps import begin

    announce = routine_id != state.routine and technique_id is None
    return begin(content, state._replace(routine=routine_id), lead, technique_id, announce)


def start_over(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    from skill.coach.routine_steps import begin

    starting = [Say(content.prompt("starting_over"))]
    if state.phase in (ROUTINE, DONE, IDLE) and state.checked:
        return begin(content, state._replace(resume=None), starting, announce=True)
    if state.phase == ADVISED:
        return with_prompt(content, state, content.prompt("advised_no_routine"))
    if state.phase == SAFETY:
        # From the beginning: the check, and then the routine (not the saved position).
        return ask_question(content, state._replace(question=0, follow=None, resume=None), starting)
    return ask_side(content, state) if state.phase == SIDE else launch(content, state, event)


# ----- not sure


def unsure(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """ "I'm not sure": never just "yes or no, please". Explained, and advised; twice, not today."""
    p = content.prompt
    if state.phase == SAFETY:
        if was_unsure(state):  # twice for one question
            return advice_reply(content, held_off(state), p("unsure_hold_off"))
        return unsure_reply(content, state)
    if state.phase == SIDE:
        return ask_side(content, state, [Say(p("unsure_side"))])
    return with_prompt(content, state, p("unsure_other"))


def unsure_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    lead = [Say(question_explain(content, state)), Say(content.prompt("unsure_safety"))]
    state, reply = ask_question(content, state, lead, full=False)
    return state._replace(last={"r": UNSURE_MARK}), reply
