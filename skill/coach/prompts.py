"""Builders every phase shares: what to ask or say next, right where the person is.

The safety question, the knee question, the resume offer, the routine's closing prompt, and
:func:`with_prompt` (a short answer followed by the phase's own prompt) all live here, so the
phase modules (:mod:`~skill.coach.safety_check`, :mod:`~skill.coach.routine_steps`,
:mod:`~skill.coach.talk`) can answer in any phase without importing each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from skill.content import Content, SafetyQuestion
from skill.reply import Part, Reply, Say, View
from skill.routine import Set, paced, routine_sets
from skill.state import ADVISED, IDLE, NEW, READY, ROUTINE, SAFETY, SIDE, State

# ----- the safety check and the knee


def current_question(content: Content, state: State) -> SafetyQuestion:
    safety = content.safety
    return safety.compact if state.compact else safety.questions[state.question]


def ask_question(content: Content, state: State, lead: Sequence[Part] = ()) -> tuple[State, Reply]:
    question = current_question(content, state)
    parts = [*lead, Say(question.ask)]
    reprompt = f"{question.ask} {content.prompt('answer_yes_no')}"
    view = View("question", content.prompt("safety_title"), question.ask)
    state = replace(state, last={"r": "question"})
    return state, Reply(tuple(parts), reprompt, view)


def ask_side(content: Content, state: State, lead: Sequence[Part] = ()) -> tuple[State, Reply]:
    ask = content.prompt("ask_side")
    view = View("question", content.prompt("side_title"), ask)
    return replace(state, last={"r": "side"}), Reply((*lead, Say(ask)), ask, view)


def side_words(content: Content, side: str) -> str:
    if side == "both":
        return content.prompt("side_words_both")
    return content.prompt("side_words_one", side=side)


def ready(content: Content, state: State, lead: Sequence[Part] = ()) -> tuple[State, Reply]:
    """The resume offer of a returning person, after the safety check."""
    prompt = content.prompt("resume_offer", **resume_words(content, state))
    view = View("info", content.prompt("welcome_title"), prompt)
    return replace(state, last={"r": "ready"}), Reply((*lead, Say(prompt)), prompt, view)


# ----- where the person is in the routine


def sets(content: Content, state: State) -> list[Set]:
    return routine_sets(content.routine(state.routine), state.side)


def technique_count(content: Content, state: State) -> int:
    return len(content.routine(state.routine).items)


def run_length(current: Set, step: int, keep_going: bool) -> int:
    """How many steps one response speaks, starting at ``step``."""
    steps = len(current.technique.steps)
    if keep_going:
        return steps - step
    # Untimed set-up steps ("sit", "place your hands") flow straight into the next
    # timed one, so the person says "next" once per movement, not once per sentence.
    timed = (i for i in range(step, steps) if current.holds[i] > 0)
    return next(timed, steps - 1) - step + 1


def resume_words(content: Content, state: State) -> dict[str, Any]:
    """The saved position named as "stop" and "where am I" name it: the last step heard.

    The saved step is where that response began (resume replays all of it), so the number
    spoken is the end of that response, e.g. step 3 after set-up steps 1 and 2.
    """
    assert state.resume is not None
    routine_id, index, step = state.resume
    current = routine_sets(content.routine(routine_id), state.side)[index]
    heard = step + run_length(current, step, state.keep_going)
    return {"step": heard, "technique": current.technique.name}


def where_words(content: Content, state: State) -> dict[str, Any]:
    """Where the person is, named by the last step they heard (a turn may speak several)."""
    current = sets(content, state)[state.index]
    return {
        "step": min(state.step + state.run, len(current.technique.steps)),
        "steps": len(current.technique.steps),
        "technique": current.technique.name,
        "number": current.number,
        "count": technique_count(content, state),
    }


def routine_prompt(content: Content, state: State, all_sets: list[Set]) -> str:
    """What to say after the steps just spoken: next step, next leg, next technique, finish."""
    p = content.prompt
    after = state.step + state.run
    current = all_sets[state.index]
    if after < len(current.technique.steps):
        return p("next_step", number=after + 1)
    if state.index + 1 < len(all_sets):
        upcoming = all_sets[state.index + 1]
        if upcoming.technique.id == current.technique.id and upcoming.leg:
            return p("next_leg", leg=upcoming.leg)
        return p("next_technique", name=upcoming.technique.name)
    return p("next_finish")


def position_key(state: State) -> str:
    """Names the routine response now being played: routine, knee, set, step and run.

    A screen that speaks a timed step sends this back when it has finished; if the person
    has moved on in the meantime (said next, paused, changed knee), the key no longer matches.
    """
    return f"{state.routine}/{state.side}/{state.index}/{state.step}/{state.run}"


def step_view(content: Content, state: State, all_sets: list[Set], step: int) -> View:
    current = all_sets[state.index]
    technique = current.technique
    title = technique.name + (f" ({current.leg} leg)" if current.leg else "")
    return View(
        kind="step",
        title=title,
        text=technique.steps[step].say,
        technique_number=current.number,
        technique_count=technique_count(content, state),
        step_number=step + 1,
        step_count=len(technique.steps),
        hold_seconds=paced(current.holds[step], state.pace),
        paused=state.paused,
        position=position_key(state),
    )


# ----- answering in any phase


def phase_prompt(content: Content, state: State) -> str:
    """What the person can say next, right where they are."""
    p = content.prompt
    if state.phase == SAFETY:
        return current_question(content, state).ask
    if state.phase == SIDE:
        return p("ask_side")
    if state.phase == READY and state.resume:
        return p("resume_offer", **resume_words(content, state))
    if state.phase == ROUTINE:
        if state.paused:
            return p("paused_prompt", **where_words(content, state))
        return routine_prompt(content, state, sets(content, state))
    if state.phase == ADVISED:
        return p("advised_prompt")
    return p("idle_prompt")


def with_prompt(
    content: Content, state: State, text: str, title: str = "knee_coach_title"
) -> tuple[State, Reply]:
    """A short answer followed by what the person can say next, right where they are."""
    if state.phase == NEW:
        state = replace(state, phase=IDLE)
    prompt = phase_prompt(content, state)
    view = View("info", content.prompt(title), text)
    return state, Reply((Say(text), Say(prompt)), prompt, view)


def not_now(content: Content, state: State) -> tuple[State, Reply]:
    """A routine command outside the routine: back to the question at hand, or say when."""
    if state.phase == SAFETY:
        return ask_question(content, state, [Say(content.prompt("safety_first"))])
    if state.phase == SIDE:
        return ask_side(content, state)
    return with_prompt(content, state, content.prompt("not_in_routine"))
