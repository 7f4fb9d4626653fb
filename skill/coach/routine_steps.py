"""The routine phase: beginning, speaking steps and holds, moving, pausing, finishing.

Position is (set, step): one set per technique, or per technique and leg with both knees
(see :func:`skill.routine.routine_sets`). A response speaks one movement (set-up steps flow
into the next timed one) or, in keep-going mode, the rest of the technique. Each step reply
records when each of its steps ends, so the next request tells how much of it was heard
(:func:`~skill.coach.prompts.settle`): resume and repeat go on from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skill.coach import encouragement
from skill.coach.prompts import (
    after_run,
    ask_question,
    ask_side,
    cut_short,
    hold_number,
    minutes_lead,
    not_now,
    on_step,
    paused_prompt,
    position_key,
    resume_point,
    routine_prompt,
    run_length,
    sets,
    settle,
    step_view,
    technique_count,
    with_prompt,
)
from skill.content import Content, Technique
from skill.reply import Part, Reply, Say, View, silence
from skill.routine import PACES, Set, hold_parts, minutes_words, paced
from skill.state import ADVISED, DONE, ROUTINE, SAFETY, SIDE, Event, On, State
from skill.timing import ANSWER_SECONDS, marks, parts_seconds

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
        return play(content, state, [Say(content.prompt("already_running"))], replay=True)
    if state.phase == SIDE:
        return ask_side(content, state._replace(want=(routine_id or state.routine, None)))
    state = state._replace(routine=routine_id or state.routine)
    return begin(content, state, [], announce=True)


# ----- speaking steps


def play(
    content: Content,
    state: State,
    lead: Sequence[Part] = (),
    *,
    intro: bool = True,
    brief: bool | None = None,
    replay: bool = False,
) -> tuple[State, Reply]:
    """Speak the current step (or, in keep-going mode, the rest of the technique).

    ``intro`` (header, leg, purpose) is for a technique's first response; a repeat leaves it
    out. ``brief`` skips the set-up steps (by default, for a technique the person has done).
    A ``replay`` of steps already heard leaves where the routine goes on from as it was.
    """
    all_sets = sets(content, state)
    current = all_sets[state.index]
    run = run_length(current, state.step, state.keep_going)
    state = state._replace(run=run, heard=run, paused=False, last={"r": "step"})
    if not replay:
        state = state._replace(next_at=(state.index, state.step))
    if brief is None:
        brief = current.technique.id in state.learned
    groups = step_groups(content, state, all_sets, intro=intro, brief=brief)
    prompt = routine_prompt(content, state, all_sets)
    parts = [*lead, *(part for group in groups for part in group), Say(prompt)]
    start = parts_seconds(lead, state.rate)  # what was heard is counted at the speaking rate
    state = state._replace(marks=tuple(marks(groups, start=start, rate=state.rate)))
    view = step_view(content, state, all_sets, state.step + run - 1)
    return state, Reply(tuple(parts), content.prompt("reprompt_routine"), view, closing=prompt)


def step_groups(
    content: Content, state: State, all_sets: Sequence[Set], *, intro: bool, brief: bool
) -> list[list[Part]]:
    """What one response says, one group of parts per step of ``state.step``…``+run``.

    A technique's opening response leads with the movement: its name, then the set-up and the
    first timed step with no step numbers, and the purpose only after the first hold, while
    the hands rest. Later steps are numbered. Someone who knows the technique (``brief``)
    goes straight to the timed step, which says where the hands go.
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
                parts.append(Say(v(key, current.number, leg=current.leg)))
        hold = paced(current.holds[step], state.pace)
        if brief and opening and not hold and step < first_timed:
            groups.append(parts)  # a set-up step they know: not spelled out again
            continue
        if not (opening and step <= first_timed):
            parts.append(Say(v("step_label", state.index, number=step + 1)))
        parts.append(Say(technique.steps[step].say))
        if hold:
            parts.extend(hold_parts(content, hold, number))
        if opening and intro and step == first_timed and current.first_leg and not brief:
            parts.append(Say(technique.purpose))
        groups.append(parts)
    return groups


def replay_step(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    """Repeat: the step the person is on, in full (set-up included), never the introduction."""
    step = on_step(state)
    return play(content, state._replace(step=step), intro=False, brief=False, replay=True)


def seconds_to_end(
    content: Content, state: State, index: int, step: int, rate: float | None = None
) -> float:
    """How long the routine takes from (set, step) to its end when the person says "next" at once.

    Computed from the replies themselves: every step reply the routine would give from here,
    spoken at ``rate`` times the default speaking rate (by default, the person's own), plus
    every hold at the person's pace, the answer after each reply, and the closing words.
    Announced lengths use this, so they are as true as the content. Working it out plays the
    rest of the routine, so each answer is kept for the same content, position and person.
    """
    rate = state.rate if rate is None else rate
    probe = state._replace(
        phase=ROUTINE, index=index, step=step, marks=(), paused=False, last={}, sent_at=0.0
    )
    key = length_key(probe, rate)
    known = _LENGTHS.get((id(content), key))
    if known is not None and known[0] is content:
        return known[1]
    total = content.lengths.get(key)  # worked out at build time, for what a launch announces
    if total is None:
        total = _play_to_end(content, probe, rate)
    if len(_LENGTHS) >= _LENGTHS_KEPT:
        _LENGTHS.clear()
    _LENGTHS[(id(content), key)] = (content, total)
    return total


def length_key(probe: State, rate: float) -> str:
    """Names one length question: the person's whole state at the position, and the rate."""
    return f"{rate!r} {sorted(probe.to_dict().items())!r}"


def worked_out(content: Content) -> dict[str, float]:
    """The lengths this process has worked out for ``content``, by :func:`length_key`."""
    return {key: seconds for (_, key), (known, seconds) in _LENGTHS.items() if known is content}


def _play_to_end(content: Content, probe: State, rate: float) -> float:
    total = 0.0
    while True:
        probe, reply = play(content, probe)
        total += parts_seconds(reply.parts, rate) + ANSWER_SECONDS
        probe = settle(content, probe._replace(sent_at=1.0), float("inf"))
        position = after_run(content, probe)
        if position is None:
            return total + parts_seconds(finish(content, probe, 0.0)[1].parts, rate)
        probe = probe._replace(index=position[0], step=position[1])


_LENGTHS: dict[tuple[int, str], tuple[Content, float]] = {}
"""Worked-out lengths by (content object, :func:`length_key`); the content is kept to check
identity."""
_LENGTHS_KEPT = 256


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
        lead = [Say(content.prompt("back_to_leg", leg=before.leg))]
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
        names = ", ".join(t.name for t in content.techniques)
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


def last_skipped(content: Content, state: State) -> tuple[State, Reply]:
    """The last technique skipped (often because it hurt): a gentle close, with no praise,
    no reminder offer and no routine counted; where it stopped is cleared, not kept."""
    p = content.prompt
    text = f"{p('skipped_last')} {p('goodbye')}"
    state = state._replace(phase=DONE, index=0, step=0, run=1, heard=1, last={})
    view = View("info", p("goodbye_title"), text)
    return state, Reply((Say(text),), None, view, end_session=True, effects=frozenset({"ended"}))


def finish(content: Content, state: State, now: float) -> tuple[State, Reply]:
    """The routine is done: say so, count it, and maybe offer a daily reminder.

    The day it counts for is the person's own: if their time zone is not known yet, the reply
    asks the handler to look it up (the ``time_zone`` effect), which then asks again.
    """
    p = content.prompt
    day = encouragement.today(state, now)
    habits = state.habits.after(day)
    state = state._replace(
        phase=DONE,
        index=0,
        step=0,
        run=1,
        heard=1,
        habits=habits,
        usual=state.routine,
        last={},
    )
    said = f"{p('finished')} {p('closing')} {encouragement.finish_line(content, habits, day)}"
    view = View("done", p("done_title"), encouragement.done_card(content, habits, day))
    from skill.coach import reminders  # an edge: loaded at a routine's end, not at launch

    lookup = frozenset({"time_zone"}) if state.tz is None and not state.tz_checked else frozenset()
    if reminders.may_offer(state, now):
        state = state._replace(pending="offer", offered=int(now))
        effects = frozenset({"completed", "offered"}) | lookup
        text = f"{said} {p('reminder_offer')}"
        return state, Reply((Say(text),), p("offer_reprompt"), view, effects=effects)
    text = f"{said} {p('goodbye')}"
    effects = frozenset({"completed"}) | lookup
    return state, Reply((Say(text),), None, view, end_session=True, effects=effects)


def session_end(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """The session closed without a word (timeout, "exit"): nothing is said.

    If every step of the routine had been heard to the end, the routine counts as done.
    """
    if state.phase == ROUTINE and resume_point(content, state) is None:
        state = finish(content, state, event.at)[0]
        return state, silence()._replace(effects=frozenset({"completed"}))
    return state, silence()


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
    if state.phase != ROUTINE:
        return with_prompt(content, state, content.prompt("nothing_to_pause"))
    state = state._replace(paused=True, last={"r": "paused"})
    return paused_reply(content, state)


def paused_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    prompt = paused_prompt(content, state)
    view = step_view(content, state, sets(content, state), on_step(state))._replace(paused=True)
    return state, Reply((Say(content.prompt("paused")), Say(prompt)), prompt, view)


def resume(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """Go on from what was heard: the step cut short, else the one after it."""
    if state.phase == SAFETY:
        return not_now(content, state)
    if state.phase != ROUTINE:
        return with_prompt(content, state, content.prompt("nothing_to_resume"))
    return go_on(content, state, [], event.at)


def go_on(content: Content, state: State, lead: Sequence[Part], now: float) -> tuple[State, Reply]:
    """Play on from :func:`~skill.coach.prompts.resume_point` (or finish, if all was heard).

    ``now`` (the request's timestamp) dates a routine that finishes here.
    """
    target = resume_point(content, state)
    if target is None:
        return finish(content, state, now)
    index, step = target
    state = state._replace(index=index, step=step)
    current = sets(content, state)[index]
    if current.leg and step:  # with both knees, say which leg (a technique's start says it)
        lead = [*lead, Say(content.prompt("resume_leg", leg=current.leg))]
    return play(content, state, lead)


# ----- pace and mode


def pace(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    i = PACES.index(state.pace) if state.pace in PACES else PACES.index(1.0)
    j = i + 1 if event.kind == On.SLOWER else i - 1
    if not 0 <= j < len(PACES):
        key = "pace_slowest" if event.kind == On.SLOWER else "pace_fastest"
        return with_prompt(content, state, content.prompt(key))
    state = state._replace(pace=PACES[j], last={"r": "pace"})
    return pace_reply(content, state)


def pace_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    text = content.prompt("pace_set", seconds=paced(30, state.pace))
    return with_prompt(content, state, text)


def keep_going(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    state = state._replace(keep_going=True)
    ack = content.prompt("keep_going_on")
    if state.phase != ROUTINE:
        return with_prompt(content, state._replace(last={"r": "mode"}), ack)
    if state.paused:
        return go_on(content, state, [Say(ack)], event.at)
    return advance(content, state, [Say(ack)], event.at)


def step_by_step(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    state = state._replace(keep_going=False, last={"r": "mode"})
    return with_prompt(content, state, content.prompt("step_by_step_on"))


def mode_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    key = "keep_going_on" if state.keep_going else "step_by_step_on"
    return with_prompt(content, state, content.prompt(key))


def where_minutes(content: Content, state: State, index: int, step: int) -> str:
    """ "About 9 minutes": what is left from (set, step), opening a sentence."""
    return minutes_lead(minutes_words(content, seconds_to_end(content, state, index, step)))
