"""What the routine says: a step reply, its closing prompt, the paused prompt, the screen.

:func:`play` speaks one movement (set-up steps flow into the next timed one) or, in
keep-going mode, the rest of a technique, and records when each step ends so the next
request can tell how much was heard (:func:`skill.coach.position.settle`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skill.coach.position import (
    hold_number,
    movement,
    on_step,
    position_key,
    position_words,
    resume_point,
    run_length,
    sets,
    technique_count,
)
from skill.coach.routine import SETTLE_SECONDS, Set, hold_parts, paced, side_word
from skill.coach.state import State
from skill.content.records import Content
from skill.voice.reply import Part, Pause, Reply, Say, View
from skill.voice.timing import hold_windows, marks, parts_seconds


def routine_prompt(content: Content, state: State, all_sets: Sequence[Set]) -> str:
    """What to say after the steps just spoken: next step, next leg, next technique, finish."""
    after = state.step + state.run
    current = all_sets[state.index]
    number = hold_number(all_sets, state.index, after - 1)
    if after < len(current.technique.steps):
        part = content.variant("parts", movement(current, after))
        return content.variant("next_step", number, part=part)
    if state.index + 1 < len(all_sets):
        upcoming = all_sets[state.index + 1]
        if upcoming.technique.id == current.technique.id and upcoming.leg:
            return content.variant("next_leg", number, leg=side_word(content, upcoming.leg))
        return content.variant("next_technique", number, name=upcoming.technique.name)
    return content.prompt("next_finish")


def step_view(content: Content, state: State, all_sets: Sequence[Set], step: int) -> View:
    current = all_sets[state.index]
    technique = current.technique
    title = technique.name
    if current.leg:
        title = content.prompt(
            "step_title_leg", technique=title, leg=side_word(content, current.leg)
        )
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


def paused_prompt(content: Content, state: State) -> str:
    """How to carry on from a pause: with the part the routine goes on from."""
    target = resume_point(content, state)
    if target is None:
        return content.prompt("next_finish")
    return content.prompt("paused_prompt", **position_words(content, state, *target))


def paused_reprompt(content: Content, state: State) -> str:
    """The paused prompt, and how to come back once the session has closed: a bare "resume"
    later does not reach the skill, opening it does (said only when the place is kept)."""
    prompt = paused_prompt(content, state)
    return f"{prompt} {content.prompt('paused_later')}" if state.remembers else prompt


def play(
    content: Content,
    state: State,
    lead: Sequence[Part] = (),
    *,
    intro: bool = True,
    brief: bool | None = None,
    replay: bool = False,
    left: int = 0,
) -> tuple[State, Reply]:
    """Speak the current step (or, in keep-going mode, the rest of the technique).

    ``intro`` (header, leg, purpose) is for a technique's first response; a repeat leaves it
    out. ``brief`` skips the set-up steps (by default, for a technique the person has done).
    A ``replay`` of steps already heard leaves where the routine goes on from as it was.
    ``left`` takes up a hold that was cut short: the movement and the seconds left, no set-up.
    """
    all_sets = sets(content, state)
    current = all_sets[state.index]
    run = run_length(current, state.step, state.keep_going)
    state = state._replace(run=run, heard=run, paused=False, last={"r": "step"}, hold_left=0.0)
    if not replay:
        state = state._replace(next_at=(state.index, state.step))
    if brief is None:
        brief = current.technique.id in state.learned
    groups = step_groups(content, state, all_sets, intro=intro, brief=brief, left=left)
    prompt = routine_prompt(content, state, all_sets)
    parts = [*lead, *(part for group in groups for part in group), Say(prompt)]
    # What was heard is counted at the speaking rate, in the language's words per second.
    wps = content.language.words_per_second
    start = parts_seconds(lead, state.rate, wps)
    state = state._replace(
        marks=tuple(marks(groups, start=start, rate=state.rate, wps=wps)),
        holds=tuple(hold_windows(groups, start=start, rate=state.rate, wps=wps)),
    )
    view = step_view(content, state, all_sets, state.step + run - 1)
    if left and run == 1:  # a hold taken up again: the screen shows the seconds that are left
        view = view._replace(hold_seconds=left)
    return state, Reply(tuple(parts), content.prompt("reprompt_routine"), view, closing=prompt)


def step_groups(
    content: Content,
    state: State,
    all_sets: Sequence[Set],
    *,
    intro: bool,
    brief: bool,
    left: int = 0,
) -> list[list[Part]]:
    """What one response says, one group of parts per step of ``state.step``…``+run``.

    A technique's opening response leads with the movement: its name, then the set-up and the
    first timed step, and the purpose only after the first hold, while the hands rest. Each
    instruction is followed by a moment to get into position before the next, or before the
    count starts (:data:`~skill.coach.routine.SETTLE_SECONDS`). A later movement is named by
    its place ("Now the second part"), never by a step number the person has not heard.
    Someone who knows the technique (``brief``) goes straight to the timed step, which says
    where the hands go. ``left`` seconds: the first step is a hold taken up again, its
    movement and the time left.
    """
    p, v = content.prompt, content.variant
    current = all_sets[state.index]
    technique = current.technique
    opening = state.step == 0
    first_timed = next((i for i, hold in enumerate(current.holds) if hold > 0), 0)
    groups: list[list[Part]] = []
    for step in range(state.step, state.step + state.run):
        number = hold_number(all_sets, state.index, step)
        parts: list[Part] = []
        if step == 0 and intro:
            count = technique_count(content, state)
            if brief:
                header = p("technique_brief", name=technique.name)
            else:
                header = p(
                    "technique_header", number=current.number, count=count, name=technique.name
                )
            parts.append(Say(header))
            if current.leg:
                key = "leg_first" if current.first_leg else "leg_next"
                parts.append(Say(v(key, current.number, leg=side_word(content, current.leg))))
        hold = paced(current.holds[step], state.pace)
        if brief and opening and not hold and step < first_timed:
            groups.append(parts)  # a set-up step they know: not spelled out again
            continue
        taken_up = bool(left) and step == state.step and hold > 0
        later = movement(current, step)  # the first movement is named by its technique
        if later and not taken_up and not (opening and step <= first_timed):
            parts.append(Say(v("step_label", state.index, part=v("parts", later))))
        parts.append(Say(technique.steps[step].say))
        parts.append(Pause(SETTLE_SECONDS, settle=True))
        if taken_up:
            parts.extend(hold_parts(content, left, number, start="hold_left"))
        elif hold:
            parts.extend(hold_parts(content, hold, number))
        if opening and intro and step == first_timed and current.first_leg and not brief:
            parts.append(Say(technique.purpose))
        groups.append(parts)
    return groups


def replay_step(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    """The step the person is on, in full (set-up included), never the introduction: what
    "repeat" says when a step was cut short before its hold began."""
    step = on_step(state)
    return play(content, state._replace(step=step), intro=False, brief=False, replay=True)
