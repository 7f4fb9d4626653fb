"""Opening a session: greeting, disclaimer, the safety questions, and which knee.

Safety answers steer this session only. A "yes" moves the phase to ``advised`` (the routine
stays closed for this session) and which question it answered is spoken once and forgotten:
nothing here writes an answer into state that outlives the turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from skill.coach.prompts import (
    ask_question,
    ask_side,
    current_question,
    ready,
    resume_words,
    sets,
    side_words,
    with_prompt,
)
from skill.coach.routine_steps import begin, play, set_index
from skill.coach.talk import no_question
from skill.content import Content, SafetyQuestion
from skill.reply import Part, Reply, Say, View
from skill.routine import valid_position
from skill.state import (
    ADVISED,
    DONE,
    IDLE,
    READY,
    ROUTINE,
    SAFETY,
    SIDE,
    SIDES,
    Event,
    On,
    State,
)


def launch(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    p = content.prompt
    lead: list[Part] = []
    if state.resume and not valid_position(content, state.resume, state.side):
        state = replace(state, resume=None)  # saved before the content changed
    if state.resume and state.heard_intro:
        lead.append(Say(p("welcome_back_resume", **resume_words(content, state))))
    if not lead:
        lead.append(Say(p("welcome_back" if state.heard_intro else "welcome_new")))
    lead.append(Say(p("disclaimer_short" if state.heard_intro else "disclaimer_full")))
    compact = state.heard_intro
    safety = content.safety
    lead.append(Say(safety.compact_intro if compact else safety.intro))
    state = replace(state, phase=SAFETY, question=0, compact=compact, heard_intro=True)
    return ask_question(content, state, lead)


def answer(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if state.phase != SAFETY:
        return no_question(content, state, event)
    if event.kind == On.YES:
        question = current_question(content, state)
        state = replace(state, phase=ADVISED, question=0, want=None)
        return _advice(content, state, question)
    count = 1 if state.compact else len(content.safety.questions)
    if state.question + 1 < count:
        return ask_question(content, replace(state, question=state.question + 1))
    state = replace(state, phase=IDLE, question=0, checked=True)
    return _after_safety(content, state, [Say(content.safety.all_clear)])


def _advice(content: Content, state: State, question: SafetyQuestion) -> tuple[State, Reply]:
    # Which question got the "yes" is spoken once and then forgotten: the replay
    # descriptor (kept in session attributes) only says that advice was given.
    return advice_reply(content, replace(state, last={"r": "advice"}), question.on_yes)


def advice_reply(
    content: Content, state: State, reason: str | None = None, **_: Any
) -> tuple[State, Reply]:
    p = content.prompt
    text = f"{reason or p('advice_again')} {p('emergency')} {p('health_note')}"
    prompt = p("advised_prompt")
    view = View("info", content.prompt("safety_title"), text)
    return state, Reply((Say(text), Say(prompt)), prompt, view)


def _after_safety(content: Content, state: State, lead: Sequence[Part]) -> tuple[State, Reply]:
    if state.want:
        routine_id, technique_id = state.want
        state = replace(state, routine=routine_id, resume=None)
        if state.side is None:
            return ask_side(content, replace(state, phase=SIDE), lead)
        return begin(content, replace(state, want=None), lead, technique_id)
    if state.resume:
        return ready(content, replace(state, phase=READY), lead)
    if state.side is None:
        return ask_side(content, replace(state, phase=SIDE), lead)
    return begin(content, state, lead)


def choose_side(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    side = event.value if event.value in SIDES else None
    if side is None:
        return ask_side(content, state)
    ack = content.prompt("side_noted", side=side_words(content, side))
    if state.phase in (SAFETY, ADVISED):
        state = replace(state, side=side)
        if state.phase == ADVISED:
            return with_prompt(content, state, ack)
        return ask_question(content, state, [Say(ack)])
    if state.phase == ROUTINE:
        current = sets(content, state)[state.index].technique.id
        state = replace(state, side=side)
        state = replace(state, index=set_index(content, state, current), step=0)
        return play(content, state, [Say(ack)])
    state = replace(state, side=side)
    technique_id = state.want[1] if state.want else None
    return begin(content, replace(state, want=None), [], technique_id)


def start_over(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if state.phase == READY and state.resume:
        # "Start over" answers the resume offer: restart the routine they were doing.
        state = replace(state, routine=state.resume[0])
    if state.phase in (ROUTINE, READY, DONE, IDLE) and state.checked:
        return begin(content, replace(state, resume=None), [Say(content.prompt("starting_over"))])
    if state.phase == ADVISED:
        return with_prompt(content, state, content.prompt("advised_no_routine"))
    if state.phase == SAFETY:
        return ask_question(content, replace(state, question=0))
    return ask_side(content, state) if state.phase == SIDE else launch(content, state, event)
