"""The coach: a pure state machine that turns (state, event) into (new state, reply).

No ASK SDK here and no markup: the handlers turn intents into :class:`Event` values and
render the :class:`~skill.reply.Reply`; this module only decides what happens next. Every
reply is built by a named *replayable* function, so "repeat" re-renders exactly the last
thing said from state instead of caching markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from skill.content import Content, Routine, SafetyQuestion, Technique, Topic
from skill.reply import Part, Pause, Reply, Say, Sound, View

STATE_VERSION = 1
HOLD_END_SOUND = "soundbank://soundlibrary/musical/amzn_sfx_bell_short_chime_01"
PACES = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
WORDS_PER_SECOND = 2.5
"""Alexa's speaking rate, near enough, for 'how much is left' estimates."""

# Phases
NEW, SAFETY, SIDE, READY, ROUTINE, DONE, ADVISED, IDLE = (
    "new", "safety", "side", "ready", "routine", "done", "advised", "idle",
)  # fmt: skip
PHASES = frozenset({NEW, SAFETY, SIDE, READY, ROUTINE, DONE, ADVISED, IDLE})
SIDES = ("left", "right", "both")


# --------------------------------------------------------------------------- events


class On:
    """Event kinds; handlers map intents and touch events onto these."""

    LAUNCH = "launch"
    START = "start"  # value: routine id or None
    GO_TO = "go_to"  # value: technique id, or the unresolved spoken name prefixed "?"
    YES = "yes"
    NO = "no"
    PAUSE = "pause"
    RESUME = "resume"
    REPEAT = "repeat"
    NEXT = "next"
    PREVIOUS = "previous"
    START_OVER = "start_over"
    HELP = "help"
    FALLBACK = "fallback"
    STOP = "stop"
    WHERE = "where"
    SLOWER = "slower"
    FASTER = "faster"
    KEEP_GOING = "keep_going"
    STEP_BY_STEP = "step_by_step"
    SIDE = "side"  # value: left, right, both
    EXPLAIN = "explain"
    DISCLAIMER = "disclaimer"
    TOPIC = "topic"  # value: topic id
    FORGET = "forget"


@dataclass(frozen=True)
class Event:
    kind: str
    value: str | None = None


@dataclass(frozen=True)
class Memory:
    """What the persistent store knows about this person (never anything about health)."""

    heard_intro: bool = False
    side: str | None = None
    keep_going: bool = False
    pace: float = 1.0
    resume: tuple[str, int, int] | None = None
    """(routine id, set index, step index) of an unfinished routine worth offering."""
    completed_this_week: int = 0


# --------------------------------------------------------------------------- state


@dataclass(frozen=True)
class State:
    """Session state; :meth:`to_dict` is what goes into session attributes.

    Safety answers are not in here. A "yes" only moves the phase to ``advised`` (the
    routine stays closed for this session); which question it was is not kept.
    """

    phase: str = NEW
    question: int = 0
    compact: bool = False
    checked: bool = False
    routine: str = "full"
    index: int = 0
    """Position in the routine's sets (one set per technique, two per technique for both knees)."""
    step: int = 0
    run: int = 1
    """How many steps the last chunk spoke (more than one in keep-going mode)."""
    side: str | None = None
    keep_going: bool = False
    pace: float = 1.0
    paused: bool = False
    last: dict[str, Any] = field(default_factory=dict)
    resume: tuple[str, int, int] | None = None
    want: tuple[str, str | None] | None = None
    """What the person asked for before the safety check: (routine id, technique id)."""
    pending: str | None = None
    heard_intro: bool = False
    week: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items()}
        data["v"] = STATE_VERSION
        data["resume"] = list(self.resume) if self.resume else None
        data["want"] = list(self.want) if self.want else None
        return data

    @classmethod
    def from_dict(cls, data: Any, content: Content) -> State:
        """Rebuild state from session attributes; anything malformed yields a fresh state."""
        if not isinstance(data, dict) or data.get("v") != STATE_VERSION:
            return cls()
        try:
            state = cls(
                phase=str(data["phase"]),
                question=int(data["question"]),
                compact=bool(data["compact"]),
                checked=bool(data["checked"]),
                routine=str(data["routine"]),
                index=int(data["index"]),
                step=int(data["step"]),
                run=max(1, int(data["run"])),
                side=data["side"] if data["side"] in SIDES else None,
                keep_going=bool(data["keep_going"]),
                pace=float(data["pace"]) if float(data["pace"]) in PACES else 1.0,
                paused=bool(data["paused"]),
                last=dict(data["last"] or {}),
                resume=_position(data["resume"]),
                want=(str(data["want"][0]), data["want"][1]) if data["want"] else None,
                pending=data["pending"] if data["pending"] == "forget" else None,
                heard_intro=bool(data["heard_intro"]),
                week=int(data["week"]),
            )
        except (KeyError, TypeError, ValueError, IndexError):
            return cls()
        return state if _consistent(state, content) else cls()


def _position(raw: Any) -> tuple[str, int, int] | None:
    if not raw:
        return None
    routine, index, step = raw
    return str(routine), int(index), int(step)


def _consistent(state: State, content: Content) -> bool:
    if state.phase not in PHASES or state.routine not in {r.id for r in content.routines}:
        return False
    if not _references_exist(state, content):
        return False
    if state.phase == SAFETY:
        count = 1 if state.compact else len(content.safety.questions)
        return 0 <= state.question < count
    return valid_position(content, (state.routine, state.index, state.step), state.side)


def valid_position(content: Content, position: tuple[str, int, int], side: str | None) -> bool:
    """True when (routine id, set index, step index) still exists in this content."""
    routine_id, index, step = position
    routine = next((r for r in content.routines if r.id == routine_id), None)
    if routine is None:
        return False
    sets = routine_sets(routine, side)
    return 0 <= index < len(sets) and 0 <= step < len(sets[index].technique.steps)


def _references_exist(state: State, content: Content) -> bool:
    """Ids kept for a later turn (resume point, wish, replay) still name real content.

    Session attributes can outlive a deployment that renamed or removed something; a
    dangling id would otherwise crash a later turn instead of starting fresh.
    """
    if state.resume and not valid_position(content, state.resume, state.side):
        return False
    if state.want:
        routine_id, technique_id = state.want
        if routine_id not in {r.id for r in content.routines}:
            return False
        if technique_id is not None and technique_id not in {t.id for t in content.techniques}:
            return False
    replay = state.last.get("r")
    if replay == "topic" and state.last.get("id") not in {t.id for t in content.topics}:
        return False
    return not (replay == "ready" and not state.resume)


def fresh_state(memory: Memory) -> State:
    """A new session's state, seeded with the person's saved preferences."""
    return State(
        side=memory.side if memory.side in SIDES else None,
        keep_going=memory.keep_going,
        pace=memory.pace if memory.pace in PACES else 1.0,
        resume=memory.resume,
        heard_intro=memory.heard_intro,
        week=memory.completed_this_week,
    )


# --------------------------------------------------------------------------- routine shape


@dataclass(frozen=True)
class Set:
    """One technique on one leg, with the holds this routine gives its steps."""

    number: int
    """1-based technique number in the routine (both legs share a number)."""
    technique: Technique
    holds: tuple[int, ...]
    leg: str | None
    """``left``/``right`` when both knees are done, naming the leg; else ``None``."""
    first_leg: bool


def routine_sets(routine: Routine, side: str | None) -> list[Set]:
    sets: list[Set] = []
    for number, item in enumerate(routine.items, start=1):
        legs: tuple[str | None, ...] = ("right", "left") if side == "both" else (None,)
        for i, leg in enumerate(legs):
            sets.append(Set(number, item.technique, item.holds(), leg, first_leg=i == 0))
    return sets


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
        minutes = _minutes(seconds_left(content, replace(state, index=0, step=0)))
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


def paced(seconds: int, pace: float) -> int:
    """A hold at the person's pace, rounded to 5 s so the cues stay easy to follow."""
    if seconds <= 0:
        return 0
    return max(5, round(seconds * pace / 5.0) * 5)


def hold_parts(content: Content, seconds: int) -> list[Part]:
    """A timed hold as spoken cues and silence (the renderer chains it into ≤10 s breaks)."""
    p = content.prompt
    parts: list[Part] = [Say(p("hold_start", seconds=seconds))]
    remaining = seconds
    if seconds >= 40:
        half = seconds // 2
        parts += [Pause(seconds - half), Say(p("hold_half"))]
        remaining = half
    if remaining > 10:
        parts += [Pause(remaining - 10), Say(p("hold_ten"))]
        remaining = 10
    parts += [Pause(remaining), Sound(HOLD_END_SOUND), Say(p("hold_end"))]
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
        return _say(content, state, content.prompt("nothing_to_pause"))
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
    return _say(content, state, content.prompt("nothing_to_resume"))


def _start(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    routine_id = event.value if event.value in {r.id for r in content.routines} else None
    if state.phase == ADVISED:
        return _say(content, state, content.prompt("advised_no_routine"))
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
        return _say(content, state, content.prompt("advised_no_routine"))
    if state.phase == SAFETY:
        return _ask_question(content, replace(state, question=0))
    return _ask_side(content, state) if state.phase == SIDE else _launch(content, state, event)


def _go_to(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    technique = next((t for t in content.techniques if t.id == event.value), None)
    if technique is None:
        names = ", ".join(t.name for t in content.techniques)
        spoken = (event.value or "").lstrip("?") or content.prompt("that_one")
        return _say(content, state, content.prompt("unknown_technique", name=spoken, names=names))
    if state.phase == ADVISED:
        return _say(content, state, content.prompt("advised_no_routine"))
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
    ack = content.prompt("side_noted", side=_side_words(side))
    if state.phase in (SAFETY, ADVISED):
        state = replace(state, side=side)
        if state.phase == ADVISED:
            return _say(content, state, ack)
        return _ask_question(content, state, [Say(ack)])
    if state.phase == ROUTINE:
        current = _sets(content, state)[state.index].technique.id
        state = replace(state, side=side)
        state = replace(state, index=_set_index(content, state, current), step=0)
        return _play(content, state, [Say(ack)])
    state = replace(state, side=side)
    technique_id = state.want[1] if state.want else None
    return _begin(content, replace(state, want=None), [], technique_id)


def _side_words(side: str) -> str:
    return "both knees" if side == "both" else f"your {side} knee"


def _sets(content: Content, state: State) -> list[Set]:
    return routine_sets(content.routine(state.routine), state.side)


# ----- pace and mode


def _pace(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    i = PACES.index(state.pace) if state.pace in PACES else PACES.index(1.0)
    j = i + 1 if event.kind == On.SLOWER else i - 1
    if not 0 <= j < len(PACES):
        key = "pace_slowest" if event.kind == On.SLOWER else "pace_fastest"
        return _say(content, state, content.prompt(key))
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
        minutes = _minutes(seconds_left(content, replace(state, index=0, step=0, run=0)))
        return _with_prompt(
            content, state, p("where_not_started", routine=routine.name, minutes=minutes)
        )
    words = _where_words(content, state)
    minutes = _minutes(seconds_left(content, state))
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


def seconds_left(content: Content, state: State) -> float:
    """Estimated seconds to the end of the routine from the current step, at this pace."""
    sets = _sets(content, state)
    total = 0.0
    for i in range(state.index, len(sets)):
        current = sets[i]
        first = state.step if i == state.index else 0
        for step in range(first, len(current.technique.steps)):
            words = len(current.technique.steps[step].say.split()) + 4
            if step == 0:
                words += len(current.technique.purpose.split()) + 6
            total += words / WORDS_PER_SECOND + paced(current.holds[step], state.pace)
    return total


def _minutes(seconds: float) -> str:
    minutes = round(seconds / 60)
    return (
        "less than a minute"
        if minutes < 1
        else ("about a minute" if minutes == 1 else f"about {minutes} minutes")
    )


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
    if state.phase == ROUTINE:
        text = f"{p('stop_summary', **_where_words(content, state))} {p('goodbye')}"
    else:
        text = p("goodbye")
    view = View("info", p("goodbye_title"), text)
    return replace(state, last={}), Reply((Say(text),), None, view, end_session=True)


def _forget(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    ask = content.prompt("forget_confirm")
    view = View("question", content.prompt("forget_title"), ask)
    return replace(state, pending="forget"), Reply((Say(ask),), ask, view)


def _answer_forget(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if event.kind == On.NO:
        return _with_prompt(content, state, content.prompt("forget_kept"))
    state = replace(state, resume=None, heard_intro=False, week=0, last={})
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


def _say(content: Content, state: State, text: str) -> tuple[State, Reply]:
    return _with_prompt(content, state, text)


def ordinal(n: int) -> str:
    words = (
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
    )
    if 1 <= n <= len(words):
        return words[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


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
