"""The routine phase: beginning, moving, pausing and resuming, jumping, lighter, skipping.

Position is (set, step): one set per technique, or per technique and leg with both knees
(see :func:`skill.coach.routine.routine_sets`). Each move picks a position and lets
:func:`skill.coach.step_reply.play` speak it; where the routine goes on from after a reply
that was cut short comes from :func:`skill.coach.position.settle`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skill.coach.answer import not_now, with_prompt
from skill.coach.events import Event, On
from skill.coach.position import (
    after_run,
    cut_short,
    on_step,
    position_key,
    resume_point,
    run_length,
    sets,
    settle,
)
from skill.coach.questions import ask_question, ask_side
from skill.coach.routine import minutes_words, side_word
from skill.coach.routine_end import finish, last_skipped
from skill.coach.routine_length import seconds_to_end
from skill.coach.state import ADVISED, IDLE, ROUTINE, SAFETY, SIDE, State
from skill.coach.step_reply import (
    paused_prompt,
    paused_reprompt,
    play,
    replay_step,
    routine_prompt,
    step_view,
)
from skill.content.records import Content, Technique
from skill.voice.reply import Part, Reply, Say, silence

# ----- beginning


def begin(
    content: Content,
    state: State,
    lead: Sequence[Part],
    technique_id: str | None = None,
    announce: bool = False,
) -> tuple[State, Reply]:
    """Start the routine (or one of its techniques). The first words are the movement's.

    ``announce`` names the routine and its length first, for someone who just asked for it
    by name; with both knees the total length is said either way, since it differs from the
    one-knee length announced at launch.
    """
    p = content.prompt
    routine = content.routine(state.routine)
    index = set_index(content, state, technique_id) if technique_id else 0
    state = state._replace(phase=ROUTINE, index=index, step=0, paused=False, resume=None)
    intro: list[Part] = []
    minutes = minutes_words(content, seconds_to_end(content, state, index, 0))
    if announce:
        summary = routine.summary
        intro.append(
            Say(p("routine_intro", routine=routine.name, summary=summary, minutes=minutes))
        )
        if state.side == "both":
            intro.append(Say(p("both_order")))
    elif state.side == "both":
        intro.append(Say(p("side_both", minutes=minutes)))
    return play(content, state, [*lead, *intro])


def set_index(content: Content, state: State, technique_id: str) -> int:
    return next(i for i, s in enumerate(sets(content, state)) if s.technique.id == technique_id)


def start(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    routine_id = event.value if event.value in {r.id for r in content.routines} else None
    if state.phase == ADVISED:
        return with_prompt(content, state, content.prompt("advised_no_routine"))
    if state.phase == SAFETY:
        state = state._replace(want=(routine_id or state.routine, None), resume=None)
        return ask_question(content, state, [Say(content.prompt("safety_first"))], full=False)
    if state.phase == ROUTINE and routine_id in (None, state.routine):
        if state.paused:  # "I'm ready" / "let's start" while paused: go on from there
            return go_on(content, state, [], event.at)
        return play(content, state, [Say(content.prompt("already_running"))], replay=True)
    if state.phase == SIDE:
        return ask_side(content, state._replace(want=(routine_id or state.routine, None)))
    state = state._replace(routine=routine_id or state.routine)
    return begin(content, state, [], announce=True)


# ----- speaking steps


# ----- moving


def next_step(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if state.phase != ROUTINE:
        return not_now(content, state)
    return advance(content, state, [], event.at)


def advance(
    content: Content, state: State, lead: Sequence[Part], now: float
) -> tuple[State, Reply]:
    """Move past what was last spoken: the next step, the next leg or technique, or the end.

    If the last reply was cut short (the person spoke over it), "past it" means past the
    movement they were on (its set-up and its timed step), not past the whole reply: in
    keep-going mode a reply speaks the rest of a technique, and its later movements were never
    heard. ``now`` (the request's timestamp) dates a finished routine.
    """
    position = after_run(content, state)
    if cut_short(state):
        on = on_step(state)
        after_movement = on + run_length(sets(content, state)[state.index], on, False)
        if after_movement < state.step + state.run:
            position = (state.index, after_movement)
    if position is None:
        return finish(content, state, now)
    index, step = position
    return play(content, state._replace(index=index, step=step), lead)


def previous(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if state.phase != ROUTINE:
        return not_now(content, state)
    if state.step > 0:
        technique = sets(content, state)[state.index].technique
        return play(content, state._replace(step=movement_before(technique, state.step)))
    if state.index == 0:
        return play(content, state, [Say(content.prompt("first_step"))])
    all_sets = sets(content, state)
    before = all_sets[state.index - 1]
    if before.technique.id == all_sets[state.index].technique.id and before.leg:
        lead = [Say(content.prompt("back_to_leg", leg=side_word(content, before.leg)))]
    else:
        lead = [Say(content.prompt("back_to", name=before.technique.name))]
    last_step = len(before.technique.steps) - 1
    return play(content, state._replace(index=state.index - 1, step=last_step), lead)


def movement_before(technique: Technique, step: int) -> int:
    """Where "previous" goes from ``step``: the start of the movement before it, a movement
    being the untimed set-up steps and the timed step they run into (one reply). Going back
    one step at a time would land on a set-up step that runs straight into the hold just
    done, so the same hold would be heard again."""
    start = step - 1
    while start > 0 and technique.steps[start - 1].hold == 0:
        start -= 1
    return max(start, 0)


def go_to(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    technique = next((t for t in content.techniques if t.id == event.value), None)
    if technique is None:
        names = content.listing([t.name for t in content.techniques])
        spoken = (event.value or "").lstrip("?") or content.prompt("that_one")
        return with_prompt(
            content, state, content.prompt("unknown_technique", name=spoken, names=names)
        )
    if state.phase == ADVISED:
        return with_prompt(content, state, content.prompt("advised_no_routine"))
    if state.phase in (SAFETY, SIDE):
        routine_id = state.want[0] if state.want else state.routine
        if technique.id not in {i.technique.id for i in content.routine(routine_id).items}:
            routine_id = content.routines[0].id  # as in the routine: the full one has it
        state = state._replace(want=(routine_id, technique.id), resume=None)
        if state.phase == SIDE:
            return ask_side(content, state)
        return ask_question(content, state, [Say(content.prompt("safety_first"))], full=False)
    lead: list[Part] = []
    routine = content.routine(state.routine)
    if technique.id not in {item.technique.id for item in routine.items}:
        full = content.routines[0]
        lead.append(Say(content.prompt("switch_routine", name=technique.name, routine=full.name)))
        state = state._replace(routine=full.id)
    index = set_index(content, state, technique.id)
    state = state._replace(phase=ROUTINE, index=index, step=0, resume=None)
    return play(content, state, lead)


def skip_technique(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """On to the next technique (both legs of this one skipped), or the end."""
    if state.phase != ROUTINE:
        return not_now(content, state)
    all_sets = sets(content, state)
    this = all_sets[state.index].technique.id
    later = (i for i in range(state.index + 1, len(all_sets)) if all_sets[i].technique.id != this)
    index = next(later, None)
    if index is None:  # nothing after it: the end for today, but not a routine to praise
        return last_skipped(content, state)
    lead = [Say(content.prompt("skipping"))]
    return play(content, state._replace(index=index, step=0), lead)


def lighter(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """The step they are on again, with less pressure (one of the choices after "it hurts")."""
    if state.phase != ROUTINE:
        return not_now(content, state)
    step = on_step(state) if state.heard < state.run else state.step + state.run - 1
    lead = [Say(content.prompt("lighter"))]
    return play(content, state._replace(step=step), lead, intro=False, brief=True, replay=True)


def hold_done(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """A screen finished speaking a timed step (its document's end-of-hold event).

    Step by step, the closing prompt is said now, with the microphone open. In keep-going
    mode the routine goes on by itself, so on a screen it runs to the end without a word.
    An event for a response the person has already left (they said next, paused or asked
    something while the screen spoke) is late: it changes nothing and says nothing. One that
    is not late says the steps were heard to their end, whatever the clock says.
    """
    late = state.phase != ROUTINE or state.paused or state.pending is not None
    if late or event.value != position_key(state):
        return state, silence()
    state = settle(content, state, event.at, whole=True)
    if state.keep_going:
        return advance(content, state, [], event.at)
    all_sets = sets(content, state)
    prompt = routine_prompt(content, state, all_sets)
    view = step_view(content, state, all_sets, state.step + state.run - 1)
    return state, Reply((Say(prompt),), content.prompt("reprompt_routine"), view)


# ----- pausing and resuming


def pause(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """ "Pause" mid-routine; outside it, waiting ("hang on a second"): take your time, and the
    question that is waiting, with the microphone open."""
    if state.phase != ROUTINE:
        from skill.coach.repair import asking

        return asking(content, state, [Say(content.prompt("take_your_time"))])
    state = state._replace(paused=True, last={"r": "paused"})
    return paused_reply(content, state)


def paused_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    prompt = paused_prompt(content, state)
    view = step_view(content, state, sets(content, state), on_step(state))._replace(paused=True)
    reprompt = paused_reprompt(content, state)
    return state, Reply((Say(content.prompt("paused")), Say(prompt)), reprompt, view)


# ----- the words again, and the part again


def say_again(content: Content, state: State) -> tuple[State, Reply]:
    """ "Say that again" after a step: the words, never a hold already done.

    Spoken over the step's hold, it gives the movement and the seconds that were left, and the
    hold goes on from there; over its instructions (the hold had not begun), the step in full;
    over what follows a finished hold, or once it was all heard, the closing prompt again,
    and how to do the part once more.
    """
    if state.paused:
        return paused_reply(content, state)
    if cut_short(state):
        step = on_step(state)
        if state.hold_left > 0:
            left = max(5, int(state.hold_left // 5) * 5)  # never more than was left
            state = state._replace(step=step)
            return play(content, state, intro=False, brief=True, replay=True, left=left)
        if state.hold_left < 0:
            return replay_step(content, state)
        state = _heard_to(content, state, step)  # the hold was over: the step was done
        if state.heard < state.run:  # keep-going: its next steps were not heard yet
            return play(content, state._replace(step=step + 1))
    all_sets = sets(content, state)
    prompt = routine_prompt(content, state, all_sets)
    parts = (Say(prompt), Say(content.prompt("repeat_hint")))
    view = step_view(content, state, all_sets, state.step + state.run - 1)
    return state, Reply(parts, content.prompt("reprompt_routine"), view)


def _heard_to(content: Content, state: State, step: int) -> State:
    """The steps of the last reply up to ``step`` heard after all (its hold was over)."""
    heard = step - state.step + 1
    if heard < state.run:
        return state._replace(heard=heard, next_at=(state.index, step + 1))
    return state._replace(heard=state.run, next_at=after_run(content, state))


def once_more(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """ "Once more", "do that again": the part last done (or cut short) again, from its
    movement; its set-up only if it was cut short before its hold."""
    current = sets(content, state)[state.index]
    step = on_step(state) if state.heard < state.run else state.step + state.run - 1
    brief = current.holds[step] > 0
    lead = [Say(content.prompt("once_more"))]
    return play(content, state._replace(step=step), lead, intro=False, brief=brief, replay=True)


def resume(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """Go on from what was heard: the step cut short, else the one after it.

    Outside the routine, "I'm back" or "I'm ready" (after "take your time") is the person
    ready to answer: the question that is waiting, again; with nothing asked yet, a start.
    """
    if state.phase in (SAFETY, SIDE):
        from skill.coach.repair import asking

        return asking(content, state)
    if state.phase == IDLE:
        return start(content, state, Event(On.START, at=event.at))
    if state.phase != ROUTINE:
        return with_prompt(content, state, content.prompt("nothing_to_resume"))
    return go_on(content, state, [], event.at)


def go_on(content: Content, state: State, lead: Sequence[Part], now: float) -> tuple[State, Reply]:
    """Play on from :func:`~skill.coach.position.resume_point` (or finish, if all was heard).

    ``now`` (the request's timestamp) dates a routine that finishes here.
    """
    target = resume_point(content, state)
    if target is None:
        return finish(content, state, now)
    index, step = target
    state = state._replace(index=index, step=step)
    current = sets(content, state)[index]
    if current.leg and step:  # with both knees, say which leg (a technique's start says it)
        lead = [*lead, Say(content.prompt("resume_leg", leg=side_word(content, current.leg)))]
    return play(content, state, lead)


# ----- pace and mode
