"""The routine phase: beginning, speaking steps and holds, moving, pausing, finishing.

Position is (set, step): one set per technique, or per technique and leg with both knees
(see :func:`skill.routine.routine_sets`). A response speaks one movement (set-up steps flow
into the next timed one) or, in keep-going mode, the rest of the technique.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from skill.coach.prompts import (
    ask_question,
    ask_side,
    not_now,
    position_key,
    routine_prompt,
    run_length,
    sets,
    step_view,
    technique_count,
    where_words,
    with_prompt,
)
from skill.content import Content
from skill.reply import Part, Reply, Say, View, silence
from skill.routine import (
    PACES,
    Set,
    hold_parts,
    minutes_words,
    ordinal,
    paced,
    seconds_left,
)
from skill.state import ADVISED, DONE, READY, ROUTINE, SAFETY, SIDE, Event, On, State

# ----- beginning


def begin(
    content: Content,
    state: State,
    lead: Sequence[Part],
    technique_id: str | None = None,
) -> tuple[State, Reply]:
    routine = content.routine(state.routine)
    index = 0
    if technique_id:
        index = set_index(content, state, technique_id)
    state = replace(state, phase=ROUTINE, index=index, step=0, paused=False, resume=None)
    intro = content.prompt("routine_intro", routine=routine.name, summary=routine.summary)
    if state.side in ("left", "right"):
        intro = f"{intro} {content.prompt('side_one', side=state.side)}"
    elif state.side == "both":
        start = (state.routine, 0, 0)
        minutes = minutes_words(content, seconds_left(content, start, state.side, state.pace))
        intro = f"{intro} {content.prompt('side_both', minutes=minutes)}"
    return play(content, state, [*lead, Say(intro)])


def set_index(content: Content, state: State, technique_id: str) -> int:
    return next(i for i, s in enumerate(sets(content, state)) if s.technique.id == technique_id)


def start(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    routine_id = event.value if event.value in {r.id for r in content.routines} else None
    if state.phase == ADVISED:
        return with_prompt(content, state, content.prompt("advised_no_routine"))
    if state.phase == SAFETY:
        state = replace(state, want=(routine_id or state.routine, None))
        return ask_question(content, state, [Say(content.prompt("safety_first"))])
    if state.phase == ROUTINE and routine_id in (None, state.routine):
        return play(content, state, [Say(content.prompt("already_running"))])
    if state.phase == SIDE:
        return ask_side(content, replace(state, want=(routine_id or state.routine, None)))
    return begin(content, replace(state, routine=routine_id or state.routine), [])


# ----- speaking steps


def play(content: Content, state: State, lead: Sequence[Part] = ()) -> tuple[State, Reply]:
    """Speak the current step (or, in keep-going mode, the rest of the technique)."""
    all_sets = sets(content, state)
    current = all_sets[state.index]
    run = run_length(current, state.step, state.keep_going)
    state = replace(state, run=run, paused=False, last={"r": "step"})
    parts = [*lead]
    for offset in range(run):
        parts.extend(_step_parts(content, state, current, state.step + offset))
    prompt = routine_prompt(content, state, all_sets)
    parts.append(Say(prompt))
    view = step_view(content, state, all_sets, state.step + run - 1)
    return state, Reply(tuple(parts), content.prompt("reprompt_routine"), view, closing=prompt)


def _step_parts(content: Content, state: State, current: Set, step: int) -> list[Part]:
    p = content.prompt
    technique = current.technique
    parts: list[Part] = []
    if step == 0:
        count = technique_count(content, state)
        header = p("technique_header", number=current.number, count=count, name=technique.name)
        parts.append(Say(header))
        if current.leg:
            parts.append(Say(p("leg_first" if current.first_leg else "leg_next", leg=current.leg)))
        if current.first_leg:
            parts.append(Say(technique.purpose))
    parts.append(Say(p("step_label", number=step + 1)))
    parts.append(Say(technique.steps[step].say))
    hold = paced(current.holds[step], state.pace)
    if hold:
        parts.extend(hold_parts(content, hold))
    return parts


# ----- moving


def next_step(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if state.phase == READY:
        return resume(content, state, event)
    if state.phase != ROUTINE:
        return not_now(content, state)
    return advance(content, state, [])


def advance(content: Content, state: State, lead: Sequence[Part]) -> tuple[State, Reply]:
    """Move past what was last spoken: the next step, the next leg or technique, or the end."""
    all_sets = sets(content, state)
    after = state.step + state.run
    if after < len(all_sets[state.index].technique.steps):
        return play(content, replace(state, step=after), lead)
    if state.index + 1 < len(all_sets):
        return play(content, replace(state, index=state.index + 1, step=0), lead)
    return finish(content, state)


def previous(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if state.phase != ROUTINE:
        return not_now(content, state)
    if state.step > 0:
        return play(content, replace(state, step=state.step - 1))
    if state.index == 0:
        return play(content, state, [Say(content.prompt("first_step"))])
    all_sets = sets(content, state)
    before = all_sets[state.index - 1]
    if before.technique.id == all_sets[state.index].technique.id and before.leg:
        lead = [Say(content.prompt("back_to_leg", leg=before.leg))]
    else:
        lead = [Say(content.prompt("back_to", name=before.technique.name))]
    last_step = len(before.technique.steps) - 1
    return play(content, replace(state, index=state.index - 1, step=last_step), lead)


def go_to(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    technique = next((t for t in content.techniques if t.id == event.value), None)
    if technique is None:
        names = ", ".join(t.name for t in content.techniques)
        spoken = (event.value or "").lstrip("?") or content.prompt("that_one")
        return with_prompt(
            content, state, content.prompt("unknown_technique", name=spoken, names=names)
        )
    if state.phase == ADVISED:
        return with_prompt(content, state, content.prompt("advised_no_routine"))
    if state.phase in (SAFETY, SIDE):
        want = (state.want[0] if state.want else state.routine, technique.id)
        state = replace(state, want=want)
        if state.phase == SIDE:
            return ask_side(content, state)
        return ask_question(content, state, [Say(content.prompt("safety_first"))])
    lead: list[Part] = []
    routine = content.routine(state.routine)
    if technique.id not in {item.technique.id for item in routine.items}:
        full = content.routines[0]
        lead.append(Say(content.prompt("switch_routine", name=technique.name, routine=full.name)))
        state = replace(state, routine=full.id)
    index = set_index(content, state, technique.id)
    state = replace(state, phase=ROUTINE, index=index, step=0, resume=None)
    return play(content, state, lead)


def finish(content: Content, state: State) -> tuple[State, Reply]:
    p = content.prompt
    week = state.week + 1
    text = f"{p('finished')} {p('closing')} {p('week_count', ordinal=ordinal(week))} {p('goodbye')}"
    state = replace(state, phase=DONE, index=0, step=0, run=1, week=week, last={})
    view = View("done", p("done_title"), text)
    return state, Reply(
        (Say(text),), None, view, end_session=True, effects=frozenset({"completed"})
    )


def hold_done(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """A screen finished speaking a timed step (its document's end-of-hold event).

    Step by step, the closing prompt is said now, with the microphone open. In keep-going
    mode the routine goes on by itself, so on a screen it runs to the end without a word.
    An event for a response the person has already left (they said next, paused or asked
    something while the screen spoke) is late: it changes nothing and says nothing.
    """
    late = state.phase != ROUTINE or state.paused or state.pending is not None
    if late or event.value != position_key(state):
        return state, silence()
    if state.keep_going:
        return advance(content, state, [])
    all_sets = sets(content, state)
    prompt = routine_prompt(content, state, all_sets)
    view = step_view(content, state, all_sets, state.step + state.run - 1)
    return state, Reply((Say(prompt),), content.prompt("reprompt_routine"), view)


# ----- pausing and resuming


def pause(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if state.phase != ROUTINE:
        return with_prompt(content, state, content.prompt("nothing_to_pause"))
    state = replace(state, paused=True, last={"r": "paused"})
    return paused_reply(content, state)


def paused_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    p = content.prompt
    prompt = p("paused_prompt", **where_words(content, state))
    view = replace(step_view(content, state, sets(content, state), state.step), paused=True)
    return state, Reply((Say(p("paused")), Say(prompt)), prompt, view)


def resume(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if state.phase == ROUTINE:
        return play(content, replace(state, run=1))
    if state.phase == READY and state.resume:
        routine_id, index, step = state.resume
        state = replace(
            state, phase=ROUTINE, routine=routine_id, index=index, step=step, resume=None
        )
        return play(content, state, [Say(content.prompt("resuming"))])
    return with_prompt(content, state, content.prompt("nothing_to_resume"))


# ----- pace and mode


def pace(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    i = PACES.index(state.pace) if state.pace in PACES else PACES.index(1.0)
    j = i + 1 if event.kind == On.SLOWER else i - 1
    if not 0 <= j < len(PACES):
        key = "pace_slowest" if event.kind == On.SLOWER else "pace_fastest"
        return with_prompt(content, state, content.prompt(key))
    state = replace(state, pace=PACES[j], last={"r": "pace"})
    return pace_reply(content, state)


def pace_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    text = content.prompt("pace_set", seconds=paced(30, state.pace))
    return with_prompt(content, state, text)


def keep_going(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    state = replace(state, keep_going=True)
    ack = content.prompt("keep_going_on")
    if state.phase != ROUTINE:
        return with_prompt(content, replace(state, last={"r": "mode"}), ack)
    if state.paused:
        return play(content, state, [Say(ack)])
    return advance(content, state, [Say(ack)])


def step_by_step(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    state = replace(state, keep_going=False, last={"r": "mode"})
    return with_prompt(content, state, content.prompt("step_by_step_on"))


def mode_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    key = "keep_going_on" if state.keep_going else "step_by_step_on"
    return with_prompt(content, state, content.prompt(key))
