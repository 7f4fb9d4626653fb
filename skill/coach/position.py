"""Where the person is in the routine, and where it goes on from.

Position is (set, step) in the routine's sets (one per technique, or per technique and leg
with both knees). A step reply records when each of its steps ends; :func:`settle` reads the
next request's time to tell how much of it was heard, so resume, stop and relaunch go on
from the step cut short, or the one after a step heard to its end.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skill.coach.routine import Set, routine_sets, side_word
from skill.coach.state import State
from skill.content.records import Content
from skill.voice.timing import PLAYBACK_DELAY_SECONDS, heard_count


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
    hold_left = _hold_left(state, heard, elapsed if at > 0 and state.sent_at > 0 else -1.0)
    state = state._replace(marks=(), holds=(), heard=min(heard, state.run), hold_left=hold_left)
    if state.heard < state.run:
        state = state._replace(next_at=(state.index, state.step + state.heard))
    else:
        state = state._replace(next_at=after_run(content, state))
    current = sets(content, state)[state.index]
    finished = state.heard == state.run and state.step + state.run == len(current.technique.steps)
    if finished and current.technique.id not in state.learned:
        state = state._replace(learned=(*state.learned, current.technique.id))
    return state


def _hold_left(state: State, heard: int, elapsed: float) -> float:
    """Seconds of the cut step's hold still to come: -1 if it had not begun, 0 if it was over
    (or nothing was cut short)."""
    if heard >= state.run:
        return 0.0
    begins, ends = state.holds[2 * heard : 2 * heard + 2] or (0.0, 0.0)
    if ends <= 0 or elapsed < begins:
        return -1.0
    return round(max(0.0, ends - elapsed), 2)


def movement(current: Set, step: int) -> int:
    """Which movement of its technique a step belongs to (0: the first), a movement being a
    timed step with the untimed set-up before it: what one reply speaks, step by step."""
    return sum(1 for hold in current.holds[:step] if hold > 0)


def part_words(content: Content, current: Set, step: int) -> str:
    """A place in the routine as the person heard it: the technique (and leg) for its first
    movement, "the second part of Thigh Tapping" for a later one. Never a step number, which
    the person has not heard: a technique's set-up is not numbered."""
    technique = technique_words(current, content)
    number = movement(current, step)
    if number == 0:
        return technique
    return content.prompt("part_of", part=content.variant("parts", number), technique=technique)


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
        content.prompt("technique_on_leg", technique=name, leg=side_word(content, current.leg))
        if current.leg
        else name
    )


def position_words(content: Content, state: State, index: int, step: int) -> dict[str, Any]:
    """A position as the prompts name it: the part (:func:`part_words`), technique (and leg),
    and counts."""
    current = sets(content, state)[index]
    return {
        "part": part_words(content, current, step),
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


def position_key(state: State) -> str:
    """Names the routine response now being played: routine, knee, set, step and run.

    A screen that speaks a timed step sends this back when it has finished; if the person
    has moved on in the meantime (said next, paused, changed knee), the key no longer matches.
    """
    return f"{state.routine}/{state.side}/{state.index}/{state.step}/{state.run}"
