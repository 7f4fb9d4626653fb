"""Answering in any phase: a short answer, then what the person can say next, right there.

:func:`with_prompt` follows an answer (a topic, "help", "how much is left") with the prompt
of the phase the person is in (:func:`phase_prompt`): the safety question at hand, the knee
question, the routine's closing or paused prompt, or a suggestion of what to ask.
:func:`not_now` answers a routine command given outside the routine.
"""

from __future__ import annotations

from skill.coach.position import cut_short, sets
from skill.coach.questions import ask_question, ask_side, question_text
from skill.coach.state import ADVISED, DONE, IDLE, NEW, ROUTINE, SAFETY, SIDE, State
from skill.coach.step_reply import paused_prompt, paused_reprompt, routine_prompt
from skill.content.records import Content
from skill.voice.reply import Reply, Say, View

# ----- the safety check and the knee


def minutes_lead(text: str) -> str:
    """A sentence that may open with a duration ("about 9 minutes left" → "About 9 minutes
    left"): where the duration stands is the language's choice ("Quedan unos 9 minutos")."""
    return text[:1].upper() + text[1:]


# ----- where the person is in the routine


# ----- answering in any phase


def phase_prompt(content: Content, state: State, skip_topic: str | None = None) -> str:
    """What the person can say next, right where they are (never the topic just heard)."""
    p = content.prompt
    if state.phase == SAFETY:
        return question_text(content, state, full=False)
    if state.phase == SIDE:
        return p("ask_side")
    if state.phase == ROUTINE:
        if state.paused:
            return paused_prompt(content, state)
        return routine_prompt(content, state, sets(content, state))
    topics = content.suggestion(skip_topic, count=2)
    if state.phase == ADVISED:
        return p("advised_prompt", topic=topics[0], other=topics[1])
    return p("idle_prompt", topic=topics[0])


def with_prompt(
    content: Content,
    state: State,
    text: str,
    title: str = "knee_coach_title",
    skip_topic: str | None = None,
) -> tuple[State, Reply]:
    """A short answer followed by what the person can say next, right where they are.

    Asked over a step that was still playing (the person spoke before its hold ended), the
    routine is paused there, so what comes next is to resume that step, not to skip past it.
    """
    if state.phase == NEW:
        state = state._replace(phase=IDLE)
    if state.phase == ROUTINE and cut_short(state) and not state.paused:
        state = state._replace(paused=True)
    prompt = phase_prompt(content, state, skip_topic)
    view = View("info", content.prompt(title), text)
    paused = state.phase == ROUTINE and state.paused
    reprompt = paused_reprompt(content, state) if paused else prompt
    return state, Reply((Say(text), Say(prompt)), reprompt, view)


def not_now(content: Content, state: State) -> tuple[State, Reply]:
    """A routine command outside the routine: back to the question at hand, or say when."""
    if state.phase == SAFETY:
        return ask_question(content, state, [Say(content.prompt("safety_first"))], full=False)
    if state.phase == SIDE:
        return ask_side(content, state)
    if state.phase == ADVISED:  # not "once the routine is running": it won't run today
        return with_prompt(content, state, content.prompt("advised_no_routine"))
    if state.phase == DONE:  # nothing to step through: it is over, and can start again
        return with_prompt(content, state, content.prompt("done_no_routine"))
    return with_prompt(content, state, content.prompt("not_in_routine"))
