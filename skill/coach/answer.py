"""Builders every phase shares: what to ask or say next, right where the person is.

The safety question, the knee question, where the person is in the routine (and where it goes
on from, given what they heard), the routine's closing prompt, and :func:`with_prompt` (a
short answer followed by the phase's own prompt) all live here, so the phase modules
(:mod:`~skill.coach.safety_check`, :mod:`~skill.coach.routine_steps`,
:mod:`~skill.coach.talk`, :mod:`~skill.coach.pain`) can answer in any phase without importing
each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skill.content import Content
from skill.reply import Part, Reply, Say, View
from skill.routine import Set, paced, routine_sets
from skill.state import ADVISED, DONE, IDLE, NEW, ROUTINE, SAFETY, SIDE, On, State
from skill.timing import PLAYBACK_DELAY_SECONDS, heard_count

# ----- the safety check and the knee


def statements(content: Content) -> bool:
    """The ``statements`` style: conditions read as a list, then only "shall we go on?"."""
    return content.safety.style == "statements"


def question_text(content: Content, state: State, full: bool = True) -> str:
    """The safety question at hand; in the statements style, the list and then the question."""
    safety = content.safety
    if statements(content):
        said = safety.compact_statement if state.compact else safety.statement
        return f"{said.say} {said.ask}" if full else said.ask
    return (safety.compact if state.compact else safety.questions[state.question]).ask


def question_explain(content: Content, state: State) -> str:
    safety = content.safety
    if statements(content):
        return (safety.compact_statement if state.compact else safety.statement).explain
    return (safety.compact if state.compact else safety.questions[state.question]).explain


def holds_off(content: Content, answer: str) -> bool:
    """Whether this answer means "not today": yes to a question, or no to "shall we go on?"."""
    return answer == (On.NO if statements(content) else On.YES)


def hold_off_text(content: Content, state: State) -> str:
    """What to say when the answer means "not today" (said once, never kept)."""
    safety = content.safety
    if statements(content):
        return (safety.compact_statement if state.compact else safety.statement).on_no
    return (safety.compact if state.compact else safety.questions[state.question]).on_yes


def held_off(state: State) -> State:
    """The state after "not today" (a yes, two "not sure"s, pain before the routine, a
    condition named): the "hold off" phase, whose "repeat" gives the general advice."""
    return state._replace(phase=ADVISED, question=0, want=None, paused=False, last={"r": "advice"})


UNSURE_MARK = "unsure"
"""In ``State.last``: the person was not sure of the question still being asked (session only)."""


def was_unsure(state: State) -> bool:
    """They said "not sure" to the question at hand (an explanation since keeps it counted)."""
    return UNSURE_MARK in (state.last.get("r"), state.last.get("u"))


def ask_question(
    content: Content, state: State, lead: Sequence[Part] = (), full: bool = True
) -> tuple[State, Reply]:
    """Ask the safety question at hand; ``full=False`` only re-asks (after an explanation)."""
    ask = question_text(content, state, full)
    reprompt = f"{question_text(content, state, full=False)} {content.prompt('answer_yes_no')}"
    view = View("question", content.prompt("safety_title"), question_text(content, state))
    state = state._replace(last={"r": "question"})
    return state, Reply((*lead, Say(ask)), reprompt, view)


def ask_side(content: Content, state: State, lead: Sequence[Part] = ()) -> tuple[State, Reply]:
    ask = content.prompt("ask_side")
    view = View("question", content.prompt("side_title"), ask)
    return state._replace(last={"r": "side"}), Reply((*lead, Say(ask)), ask, view)


def side_words(content: Content, side: str) -> str:
    if side == "both":
        return content.prompt("side_words_both")
    return content.prompt("side_words_one", side=side)


def minutes_lead(text: str) -> str:
    """A duration opening a sentence ("about 9 minutes" → "About 9 minutes")."""
    return text[:1].upper() + text[1:]


# ----- where the person is in the routine


def sets(content: Content, state: State) -> Sequence[Set]:
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


def hold_number(all_sets: Sequence[Set], index: int, step: int) -> int:
    """How many timed steps come before this one in the routine: picks a cue's wording."""
    before = sum(1 for s in all_sets[:index] for hold in s.holds if hold > 0)
    return before + sum(1 for hold in all_sets[index].holds[:step] if hold > 0)


def settle(content: Content, state: State, at: float, *, whole: bool = False) -> State:
    """Work out, from this request's time, how much of the last step reply was heard.

    The last reply recorded when each of its steps ends (``State.marks``); a request that
    came before a step's end cut it short ("Alexa, pause" mid-hold). With no usable time the
    person is assumed to have heard nothing, so nothing is skipped; ``whole`` says it was
    all heard (a screen reported the end of its speech). A technique heard to its
    last step is from then on one they know (its introduction gets shorter).
    """
    if not state.marks:
        return state
    elapsed = at - state.sent_at - PLAYBACK_DELAY_SECONDS
    heard = heard_count(state.marks, elapsed) if at > 0 and state.sent_at > 0 else 0
    if whole:
        heard = state.run
    state = state._replace(marks=(), heard=min(heard, state.run))
    if state.heard < state.run:
        state = state._replace(next_at=(state.index, state.step + state.heard))
    else:
        state = state._replace(next_at=after_run(content, state))
    current = sets(content, state)[state.index]
    finished = state.heard == state.run and state.step + state.run == len(current.technique.steps)
    if finished and current.technique.id not in state.learned:
        state = state._replace(learned=(*state.learned, current.technique.id))
    return state


def after_run(content: Content, state: State) -> tuple[int, int] | None:
    """The position after the steps last spoken: next step, next set, or None at the end."""
    all_sets = sets(content, state)
    after = state.step + state.run
    if after < len(all_sets[state.index].technique.steps):
        return state.index, after
    if state.index + 1 < len(all_sets):
        return state.index + 1, 0
    return None


def resume_point(content: Content, state: State) -> tuple[int, int] | None:
    """Where the routine goes on from: the step cut short, or the one after what was heard.

    ``None`` means every step was heard to the end. A reply whose hearing is not known yet
    (no request since) goes on from where it began, so nothing unheard is ever skipped; a
    repeat of a step already heard leaves it where it was. (Kept in ``State.next_at`` by
    :func:`settle` and each step reply, so the stored progress changes only with news.)
    """
    return state.next_at


def cut_short(state: State) -> bool:
    """The last step reply was cut off before its end, as the request's time showed."""
    return state.sent_at > 0 and state.heard < state.run


def on_step(state: State) -> int:
    """The step the person is on: the one cut short, else the first of the last reply."""
    if not state.marks and 0 < state.heard < state.run:
        return state.step + state.heard
    return state.step


def technique_words(current: Set, content: Content) -> str:
    """A technique's name, with the leg when both knees are done ("Knee Friction, left leg")."""
    name = current.technique.name
    return (
        content.prompt("technique_on_leg", technique=name, leg=current.leg) if current.leg else name
    )


def position_words(content: Content, state: State, index: int, step: int) -> dict[str, Any]:
    """A position as the prompts name it: step number, technique (and leg), and counts."""
    current = sets(content, state)[index]
    return {
        "step": step + 1,
        "steps": len(current.technique.steps),
        "technique": technique_words(current, content),
        "number": current.number,
        "count": technique_count(content, state),
    }


def where_words(content: Content, state: State) -> dict[str, Any]:
    """Where the person is: the step cut short, or else the last step they heard."""
    if not state.marks and state.heard < state.run:
        return position_words(content, state, state.index, state.step + state.heard)
    steps = len(sets(content, state)[state.index].technique.steps)
    return position_words(content, state, state.index, min(state.step + state.run, steps) - 1)


def routine_prompt(content: Content, state: State, all_sets: Sequence[Set]) -> str:
    """What to say after the steps just spoken: next step, next leg, next technique, finish."""
    after = state.step + state.run
    current = all_sets[state.index]
    number = hold_number(all_sets, state.index, after - 1)
    if after < len(current.technique.steps):
        return content.variant("next_step", number, number=after + 1)
    if state.index + 1 < len(all_sets):
        upcoming = all_sets[state.index + 1]
        if upcoming.technique.id == current.technique.id and upcoming.leg:
            return content.variant("next_leg", number, leg=upcoming.leg)
        return content.variant("next_technique", number, name=upcoming.technique.name)
    return content.prompt("next_finish")


def position_key(state: State) -> str:
    """Names the routine response now being played: routine, knee, set, step and run.

    A screen that speaks a timed step sends this back when it has finished; if the person
    has moved on in the meantime (said next, paused, changed knee), the key no longer matches.
    """
    return f"{state.routine}/{state.side}/{state.index}/{state.step}/{state.run}"


def step_view(content: Content, state: State, all_sets: Sequence[Set], step: int) -> View:
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


def paused_prompt(content: Content, state: State) -> str:
    """How to carry on from a pause: with the step the routine goes on from."""
    target = resume_point(content, state)
    if target is None:
        return content.prompt("next_finish")
    return content.prompt("paused_prompt", **position_words(content, state, *target))


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
    return state, Reply((Say(text), Say(prompt)), prompt, view)


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
