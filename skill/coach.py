"""The coach: a pure state machine that turns (state, event) into (new state, reply).

No ASK SDK here and no markup: the handlers turn intents into :class:`~skill.state.Event`
values and render the :class:`~skill.reply.Reply`; this module only decides what happens
next. Every reply is built by a named *replayable* function, so "repeat" re-renders exactly
the last thing said from state instead of caching markup. What a session is in lives in
:mod:`skill.state`, and the routine's shape and timing in :mod:`skill.routine`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from skill.content import Content, SafetyQuestion, Topic
from skill.reply import Part, Reply, Say, View
from skill.routine import (
    PACES,
    Set,
    hold_parts,
    minutes_words,
    ordinal,
    paced,
    routine_sets,
    seconds_left,
    valid_position,
)
from skill.state import (
    ADVISED,
    DONE,
    IDLE,
    NEW,
    READY,
    ROUTINE,
    SAFETY,
    SIDE,
    SIDES,
    Event,
    On,
    State,
)

# --------------------------------------------------------------------------- the machine


Handler = Callable[[Content, State, Event], tuple[State, Reply]]


def handle(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """Apply one event. Never raises for any event in any state."""
    if state.pending == "forget" and event.kind in (On.YES, On.NO):
        return _answer_forget(content, replace(state, pending=None), event)
    state = replace(state, pending=None)
    opens_routine = state.phase == IDLE and not state.checked and event.kind in _OPENS_ROUTINE
    if (state.phase == NEW and event.kind not in _WITHOUT_LAUNCH) or opens_routine:
        # A one-shot ("ask knee coach to start the quick routine") opens a session
        # straight into an intent: greet and run the safety check first, keeping the wish.
        return _launch(content, replace(state, want=_wish(content, state, event)), event)
    return _HANDLERS.get(event.kind, _fallback)(content, state, event)


def _wish(content: Content, state: State, event: Event) -> tuple[str, str | None] | None:
    if event.kind == On.START and event.value in {r.id for r in content.routines}:
        return (event.value, None)
    if event.kind == On.GO_TO and event.value in {t.id for t in content.techniques}:
        return (state.routine, event.value)
    return None


# ----- launch and safety


def _launch(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    p = content.prompt
    lead: list[Part] = []
    if state.resume and not valid_position(content, state.resume, state.side):
        state = replace(state, resume=None)  # saved before the content changed
    if state.resume and state.heard_intro:
        lead.append(Say(p("welcome_back_resume", **_resume_words(content, state))))
    if not lead:
        lead.append(Say(p("welcome_back" if state.heard_intro else "welcome_new")))
    lead.append(Say(p("disclaimer_short" if state.heard_intro else "disclaimer_full")))
    compact = state.heard_intro
    safety = content.safety
    lead.append(Say(safety.compact_intro if compact else safety.intro))
    state = replace(state, phase=SAFETY, question=0, compact=compact, heard_intro=True)
    return _ask_question(content, state, lead)


def _current_question(content: Content, state: State) -> SafetyQuestion:
    safety = content.safety
    return safety.compact if state.compact else safety.questions[state.question]


def _ask_question(content: Content, state: State, lead: Sequence[Part] = ()) -> tuple[State, Reply]:
    question = _current_question(content, state)
    parts = [*lead, Say(question.ask)]
    reprompt = f"{question.ask} {content.prompt('answer_yes_no')}"
    view = View("question", content.prompt("safety_title"), question.ask)
    state = replace(state, last={"r": "question"})
    return state, Reply(tuple(parts), reprompt, view)


def _answer(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if state.phase != SAFETY:
        return _no_question(content, state, event)
    if event.kind == On.YES:
        question = _current_question(content, state)
        state = replace(state, phase=ADVISED, question=0, want=None)
        return _advice(content, state, question)
    count = 1 if state.compact else len(content.safety.questions)
    if state.question + 1 < count:
        return _ask_question(content, replace(state, question=state.question + 1))
    state = replace(state, phase=IDLE, question=0, checked=True)
    return _after_safety(content, state, [Say(content.safety.all_clear)])


def _advice(content: Content, state: State, question: SafetyQuestion) -> tuple[State, Reply]:
    # Which question got the "yes" is spoken once and then forgotten: the replay
    # descriptor (kept in session attributes) only says that advice was given.
    return _advice_reply(content, replace(state, last={"r": "advice"}), question.on_yes)


def _advice_reply(
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
            return _ask_side(content, replace(state, phase=SIDE), lead)
        return _begin(content, replace(state, want=None), lead, technique_id)
    if state.resume:
        return _ready(content, replace(state, phase=READY), lead)
    if state.side is None:
        return _ask_side(content, replace(state, phase=SIDE), lead)
    return _begin(content, state, lead)


def _ask_side(content: Content, state: State, lead: Sequence[Part] = ()) -> tuple[State, Reply]:
    ask = content.prompt("ask_side")
    view = View("question", content.prompt("side_title"), ask)
    return replace(state, last={"r": "side"}), Reply((*lead, Say(ask)), ask, view)


def _ready(content: Content, state: State, lead: Sequence[Part] = ()) -> tuple[State, Reply]:
    prompt = content.prompt("resume_offer", **_resume_words(content, state))
    view = View("info", content.prompt("welcome_title"), prompt)
    return replace(state, last={"r": "ready"}), Reply((*lead, Say(prompt)), prompt, view)


# ----- the routine


def _begin(
    content: Content,
    state: State,
    lead: Sequence[Part],
    technique_id: str | None = None,
) -> tuple[State, Reply]:
    routine = content.routine(state.routine)
    index = 0
    if technique_id:
        index = _set_index(content, state, technique_id)
    state = replace(state, phase=ROUTINE, index=index, step=0, paused=False, resume=None)
    intro = content.prompt("routine_intro", routine=routine.name, summary=routine.summary)
    if state.side in ("left", "right"):
        intro = f"{intro} {content.prompt('side_one', side=state.side)}"
    elif state.side == "both":
        start = (state.routine, 0, 0)
        minutes = minutes_words(content, seconds_left(content, start, state.side, state.pace))
        intro = f"{intro} {content.prompt('side_both', minutes=minutes)}"
    return _play(content, state, [*lead, Say(intro)])


def _set_index(content: Content, state: State, technique_id: str) -> int:
    sets = routine_sets(content.routine(state.routine), state.side)
    return next(i for i, s in enumerate(sets) if s.technique.id == technique_id)


def _play(content: Content, state: State, lead: Sequence[Part] = ()) -> tuple[State, Reply]:
    """Speak the current step (or, in keep-going mode, the rest of the technique)."""
    sets = routine_sets(content.routine(state.routine), state.side)
    current = sets[state.index]
    run = _run_length(current, state.step, state.keep_going)
    state = replace(state, run=run, paused=False, last={"r": "step"})
    parts = [*lead]
    for offset in range(run):
        parts.extend(_step_parts(content, state, current, len(sets), state.step + offset))
    prompt = _routine_prompt(content, state, sets)
    parts.append(Say(prompt))
    last_step = state.step + run - 1
    view = _step_view(content, state, sets, last_step)
    return state, Reply(tuple(parts), content.prompt("reprompt_routine"), view)


def _run_length(current: Set, step: int, keep_going: bool) -> int:
    """How many steps one response speaks, starting at ``step``."""
    steps = len(current.technique.steps)
    if keep_going:
        return steps - step
    # Untimed set-up steps ("sit", "place your hands") flow straight into the next
    # timed one, so the person says "next" once per movement, not once per sentence.
    timed = (i for i in range(step, steps) if current.holds[i] > 0)
    return next(timed, steps - 1) - step + 1


def _resume_words(content: Content, state: State) -> dict[str, Any]:
    """The saved position named as "stop" and "where am I" name it: the last step heard.

    The saved step is where that response began (resume replays all of it), so the number
    spoken is the end of that response, e.g. step 3 after set-up steps 1 and 2.
    """
    assert state.resume is not None
    routine_id, index, step = state.resume
    current = routine_sets(content.routine(routine_id), state.side)[index]
    heard = step + _run_length(current, step, state.keep_going)
    return {"step": heard, "technique": current.technique.name}


def _step_parts(content: Content, state: State, current: Set, count: int, step: int) -> list[Part]:
    p = content.prompt
    technique = current.technique
    parts: list[Part] = []
    if step == 0:
        parts.append(
            Say(
                p(
                    "technique_header",
                    number=current.number,
                    count=_technique_count(content, state),
                    name=technique.name,
                )
            )
        )
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


def _technique_count(content: Content, state: State) -> int:
    return len(content.routine(state.routine).items)


def _routine_prompt(content: Content, state: State, sets: list[Set]) -> str:
    p = content.prompt
    after = state.step + state.run
    current = sets[state.index]
    if after < len(current.technique.steps):
        return p("next_step", number=after + 1)
    if state.index + 1 < len(sets):
        upcoming = sets[state.index + 1]
        if upcoming.technique.id == current.technique.id and upcoming.leg:
            return p("next_leg", leg=upcoming.leg)
        return p("next_technique", name=upcoming.technique.name)
    return p("next_finish")


def _step_view(content: Content, state: State, sets: list[Set], step: int) -> View:
    current = sets[state.index]
    technique = current.technique
    title = technique.name + (f" ({current.leg} leg)" if current.leg else "")
    return View(
        kind="step",
        title=title,
        text=technique.steps[step].say,
        technique_number=current.number,
        technique_count=_technique_count(content, state),
        step_number=step + 1,
        step_count=len(technique.steps),
        hold_seconds=paced(current.holds[step], state.pace),
        paused=state.paused,
    )


def _next(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if state.phase == READY:
        return _resume(content, state, event)
    if state.phase != ROUTINE:
        return _not_now(content, state, event)
    return _advance(content, state, [])


def _advance(content: Content, state: State, lead: Sequence[Part]) -> tuple[State, Reply]:
    """Move past what was last spoken: the next step, the next leg or technique, or the end."""
    sets = _sets(content, state)
    after = state.step + state.run
    if after < len(sets[state.index].technique.steps):
        return _play(content, replace(state, step=after), lead)
    if state.index + 1 < len(sets):
        return _play(content, replace(state, index=state.index + 1, step=0), lead)
    return _finish(content, state)


def _previous(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if state.phase != ROUTINE:
        return _not_now(content, state, event)
    if state.step > 0:
        return _play(content, replace(state, step=state.step - 1))
    if state.index == 0:
        return _play(content, state, [Say(content.prompt("first_step"))])
    sets = routine_sets(content.routine(state.routine), state.side)
    before = sets[state.index - 1]
    if before.technique.id == sets[state.index].technique.id and before.leg:
        lead = [Say(content.prompt("back_to_leg", leg=before.leg))]
    else:
        lead = [Say(content.prompt("back_to", name=before.technique.name))]
    last_step = len(before.technique.steps) - 1
    return _play(content, replace(state, index=state.index - 1, step=last_step), lead)


def _finish(content: Content, state: State) -> tuple[State, Reply]:
    p = content.prompt
    week = state.week + 1
    text = f"{p('finished')} {p('closing')} {p('week_count', ordinal=ordinal(week))} {p('goodbye')}"
    state = replace(state, phase=DONE, index=0, step=0, run=1, week=week, last={})
    view = View("done", p("done_title"), text)
    return state, Reply(
        (Say(text),), None, view, end_session=True, effects=frozenset({"completed"})
    )


def _pause(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if state.phase != ROUTINE:
        return _with_prompt(content, state, content.prompt("nothing_to_pause"))
    state = replace(state, paused=True, last={"r": "paused"})
    return _paused_reply(content, state)


def _paused_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    p = content.prompt
    prompt = p("paused_prompt", **_where_words(content, state))
    view = replace(_step_view(content, state, _sets(content, state), state.step), paused=True)
    return state, Reply((Say(p("paused")), Say(prompt)), prompt, view)


def _resume(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if state.phase == ROUTINE:
        return _play(content, replace(state, run=1))
    if state.phase == READY and state.resume:
        routine_id, index, step = state.resume
        state = replace(
            state, phase=ROUTINE, routine=routine_id, index=index, step=step, resume=None
        )
        return _play(content, state, [Say(content.prompt("resuming"))])
    return _with_prompt(content, state, content.prompt("nothing_to_resume"))


def _start(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    routine_id = event.value if event.value in {r.id for r in content.routines} else None
    if state.phase == ADVISED:
        return _with_prompt(content, state, content.prompt("advised_no_routine"))
    if state.phase == SAFETY:
        state = replace(state, want=(routine_id or state.routine, None))
        return _ask_question(content, state, [Say(content.prompt("safety_first"))])
    if state.phase == ROUTINE and routine_id in (None, state.routine):
        return _play(content, state, [Say(content.prompt("already_running"))])
    if state.phase == SIDE:
        return _ask_side(content, replace(state, want=(routine_id or state.routine, None)))
    return _begin(content, replace(state, routine=routine_id or state.routine), [])


def _start_over(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if state.phase == READY and state.resume:
        # "Start over" answers the resume offer: restart the routine they were doing.
        state = replace(state, routine=state.resume[0])
    if state.phase in (ROUTINE, READY, DONE, IDLE) and state.checked:
        return _begin(content, replace(state, resume=None), [Say(content.prompt("starting_over"))])
    if state.phase == ADVISED:
        return _with_prompt(content, state, content.prompt("advised_no_routine"))
    if state.phase == SAFETY:
        return _ask_question(content, replace(state, question=0))
    return _ask_side(content, state) if state.phase == SIDE else _launch(content, state, event)


def _go_to(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    technique = next((t for t in content.techniques if t.id == event.value), None)
    if technique is None:
        names = ", ".join(t.name for t in content.techniques)
        spoken = (event.value or "").lstrip("?") or content.prompt("that_one")
        return _with_prompt(
            content, state, content.prompt("unknown_technique", name=spoken, names=names)
        )
    if state.phase == ADVISED:
        return _with_prompt(content, state, content.prompt("advised_no_routine"))
    if state.phase in (SAFETY, SIDE):
        want = (state.want[0] if state.want else state.routine, technique.id)
        state = replace(state, want=want)
        if state.phase == SIDE:
            return _ask_side(content, state)
        return _ask_question(content, state, [Say(content.prompt("safety_first"))])
    lead: list[Part] = []
    routine = content.routine(state.routine)
    if technique.id not in {item.technique.id for item in routine.items}:
        full = content.routines[0]
        lead.append(Say(content.prompt("switch_routine", name=technique.name, routine=full.name)))
        state = replace(state, routine=full.id)
    index = _set_index(content, state, technique.id)
    state = replace(state, phase=ROUTINE, index=index, step=0, resume=None)
    return _play(content, state, lead)


def _side(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    side = event.value if event.value in SIDES else None
    if side is None:
        return _ask_side(content, state)
    ack = content.prompt("side_noted", side=_side_words(content, side))
    if state.phase in (SAFETY, ADVISED):
        state = replace(state, side=side)
        if state.phase == ADVISED:
            return _with_prompt(content, state, ack)
        return _ask_question(content, state, [Say(ack)])
    if state.phase == ROUTINE:
        current = _sets(content, state)[state.index].technique.id
        state = replace(state, side=side)
        state = replace(state, index=_set_index(content, state, current), step=0)
        return _play(content, state, [Say(ack)])
    state = replace(state, side=side)
    technique_id = state.want[1] if state.want else None
    return _begin(content, replace(state, want=None), [], technique_id)


def _side_words(content: Content, side: str) -> str:
    if side == "both":
        return content.prompt("side_words_both")
    return content.prompt("side_words_one", side=side)


def _sets(content: Content, state: State) -> list[Set]:
    return routine_sets(content.routine(state.routine), state.side)


# ----- pace and mode


def _pace(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    i = PACES.index(state.pace) if state.pace in PACES else PACES.index(1.0)
    j = i + 1 if event.kind == On.SLOWER else i - 1
    if not 0 <= j < len(PACES):
        key = "pace_slowest" if event.kind == On.SLOWER else "pace_fastest"
        return _with_prompt(content, state, content.prompt(key))
    state = replace(state, pace=PACES[j], last={"r": "pace"})
    return _pace_reply(content, state)


def _pace_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    p = content.prompt
    seconds = paced(30, state.pace)
    text = p("pace_set", seconds=seconds)
    return _with_prompt(content, state, text)


def _keep_going(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    state = replace(state, keep_going=True)
    ack = content.prompt("keep_going_on")
    if state.phase != ROUTINE:
        return _with_prompt(content, replace(state, last={"r": "mode"}), ack)
    if state.paused:
        return _play(content, state, [Say(ack)])
    return _advance(content, state, [Say(ack)])


def _step_by_step(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    state = replace(state, keep_going=False, last={"r": "mode"})
    return _with_prompt(content, state, content.prompt("step_by_step_on"))


def _mode_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    key = "keep_going_on" if state.keep_going else "step_by_step_on"
    return _with_prompt(content, state, content.prompt(key))


# ----- information


def _topic(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    topic = next((t for t in content.topics if t.id == event.value), None)
    if topic is None:
        return _fallback(content, state, event)
    return _topic_reply(
        content, replace(state, last={"r": "topic", "id": topic.id}), topic=topic.id
    )


def _topic_reply(content: Content, state: State, **args: Any) -> tuple[State, Reply]:
    topic: Topic = next(
        t for t in content.topics if t.id == args.get("topic", state.last.get("id"))
    )
    if state.phase == NEW:
        state = replace(state, phase=IDLE)
    if state.phase == ROUTINE:
        state = replace(state, paused=True)
    text = f"{topic.say} {content.prompt('health_note')}"
    prompt = _phase_prompt(content, state)
    view = View("topic", topic.title, topic.card)
    parts: list[Part] = [Say(text)]
    if state.phase == SAFETY:
        parts.append(Say(content.prompt("back_to_safety")))
        state, reply = _ask_question(content, state, parts)
        return replace(state, last={"r": "topic", "id": topic.id}), replace(reply, view=view)
    parts.append(Say(prompt))
    return state, Reply(tuple(parts), prompt, view)


def _disclaimer(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    return _disclaimer_reply(content, replace(state, last={"r": "disclaimer"}))


def _disclaimer_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    return _with_prompt(content, state, content.prompt("disclaimer_full"), title="disclaimer_title")


def _explain(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    state = replace(state, last={"r": "explain"})
    if state.phase == SAFETY:
        question = _current_question(content, state)
        state, reply = _ask_question(content, state, [Say(question.explain)])
        return replace(state, last={"r": "explain"}), reply
    if state.phase == ROUTINE:
        technique = _sets(content, state)[state.index].technique
        return _with_prompt(content, state, technique.purpose)
    return _with_prompt(content, state, content.prompt("explain_nothing"))


def _where(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    return _where_reply(content, replace(state, last={"r": "where"}))


def _where_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    p = content.prompt
    if state.phase != ROUTINE:
        routine = content.routine(state.routine)
        start = (state.routine, 0, 0)
        minutes = minutes_words(content, seconds_left(content, start, state.side, state.pace))
        return _with_prompt(
            content, state, p("where_not_started", routine=routine.name, minutes=minutes)
        )
    words = _where_words(content, state)
    position = (state.routine, state.index, state.step)
    minutes = minutes_words(content, seconds_left(content, position, state.side, state.pace))
    text = p("where_in_routine", minutes=minutes, **words)
    return _with_prompt(content, state, text)


def _where_words(content: Content, state: State) -> dict[str, Any]:
    """Where the person is, named by the last step they heard (a turn may speak several)."""
    current = _sets(content, state)[state.index]
    return {
        "step": min(state.step + state.run, len(current.technique.steps)),
        "steps": len(current.technique.steps),
        "technique": current.technique.name,
        "number": current.number,
        "count": _technique_count(content, state),
    }


# ----- help, fallback, stop


def _help(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    return _help_reply(content, replace(state, last={"r": "help"}))


def _help_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    key = f"help_{state.phase}" if not (state.phase == ROUTINE and state.paused) else "help_paused"
    return _with_prompt(content, state, content.prompt(key), title="help_title")


def _fallback(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if state.phase == SAFETY:
        return _ask_question(content, state, [Say(content.prompt("fallback_safety"))])
    return _with_prompt(content, state, content.prompt("fallback"))


def _not_now(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if state.phase == SAFETY:
        return _ask_question(content, state, [Say(content.prompt("safety_first"))])
    if state.phase == SIDE:
        return _ask_side(content, state)
    return _with_prompt(content, state, content.prompt("not_in_routine"))


def _no_question(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if state.phase == SIDE:
        return _ask_side(content, state, [Say(content.prompt("side_needed"))])
    if state.phase == READY and event.kind == On.YES:
        return _resume(content, state, event)
    if state.phase in (IDLE, DONE) and event.kind == On.YES:
        return _start(content, state, Event(On.START))
    return _with_prompt(content, state, content.prompt("no_question"))


def _stop(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    p = content.prompt
    text = p("goodbye")
    if state.phase == ROUTINE:
        where = p("stop_summary", **_where_words(content, state))
        # Promise a pick-up only when there is somewhere to pick it up from.
        later = f" {p('stop_resume_hint')}" if state.remembers else ""
        text = f"{where}{later} {text}"
    view = View("info", p("goodbye_title"), text)
    return replace(state, last={}), Reply((Say(text),), None, view, end_session=True)


def _forget(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    ask = content.prompt("forget_confirm")
    view = View("question", content.prompt("forget_title"), ask)
    return replace(state, pending="forget"), Reply((Say(ask),), ask, view)


def _answer_forget(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if event.kind == On.NO:
        return _with_prompt(content, state, content.prompt("forget_kept"))
    state = replace(state, resume=None, heard_intro=False, week=0, last={}, remembers=False)
    state, reply = _with_prompt(content, state, content.prompt("forget_done"))
    return state, replace(reply, effects=frozenset({"forget"}))


def _repeat(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    kind = state.last.get("r")
    replay = _REPLAYS.get(str(kind))
    if replay is None:
        return _with_prompt(content, state, content.prompt("nothing_to_repeat"))
    return replay(content, state)


# ----- shared builders


def _phase_prompt(content: Content, state: State) -> str:
    p = content.prompt
    if state.phase == SAFETY:
        return _current_question(content, state).ask
    if state.phase == SIDE:
        return p("ask_side")
    if state.phase == READY and state.resume:
        return p("resume_offer", **_resume_words(content, state))
    if state.phase == ROUTINE:
        if state.paused:
            return p("paused_prompt", **_where_words(content, state))
        return _routine_prompt(content, state, _sets(content, state))
    if state.phase == ADVISED:
        return p("advised_prompt")
    return p("idle_prompt")


def _with_prompt(
    content: Content, state: State, text: str, title: str = "knee_coach_title"
) -> tuple[State, Reply]:
    """A short answer followed by what the person can say next, right where they are."""
    if state.phase == NEW:
        state = replace(state, phase=IDLE)
    prompt = _phase_prompt(content, state)
    view = View("info", content.prompt(title), text)
    return state, Reply((Say(text), Say(prompt)), prompt, view)


_HANDLERS: dict[str, Handler] = {
    On.LAUNCH: _launch,
    On.START: _start,
    On.GO_TO: _go_to,
    On.YES: _answer,
    On.NO: _answer,
    On.PAUSE: _pause,
    On.RESUME: _resume,
    On.REPEAT: _repeat,
    On.NEXT: _next,
    On.PREVIOUS: _previous,
    On.START_OVER: _start_over,
    On.HELP: _help,
    On.FALLBACK: _fallback,
    On.STOP: _stop,
    On.WHERE: _where,
    On.SLOWER: _pace,
    On.FASTER: _pace,
    On.KEEP_GOING: _keep_going,
    On.STEP_BY_STEP: _step_by_step,
    On.SIDE: _side,
    On.EXPLAIN: _explain,
    On.DISCLAIMER: _disclaimer,
    On.TOPIC: _topic,
    On.FORGET: _forget,
}

_WITHOUT_LAUNCH = frozenset(
    {On.TOPIC, On.DISCLAIMER, On.HELP, On.STOP, On.FALLBACK, On.FORGET, On.WHERE, On.REPEAT}
)
"""Events a brand-new session answers directly instead of starting the safety check."""

_OPENS_ROUTINE = frozenset({On.START, On.GO_TO, On.RESUME, On.NEXT, On.START_OVER, On.YES, On.SIDE})
"""Events that, after a one-shot question, mean "let's do it": the safety check comes first."""

_REPLAYS: dict[str, Callable[..., tuple[State, Reply]]] = {
    "question": lambda c, s: _ask_question(c, s),
    "side": lambda c, s: _ask_side(c, s),
    "ready": lambda c, s: _ready(c, s),
    "step": lambda c, s: _play(c, s),
    "paused": _paused_reply,
    "advice": _advice_reply,
    "pace": _pace_reply,
    "mode": _mode_reply,
    "topic": _topic_reply,
    "disclaimer": _disclaimer_reply,
    "where": _where_reply,
    "explain": lambda c, s: _explain(c, s, Event(On.EXPLAIN)),
    "help": _help_reply,
}
