"""The coach: a pure state machine that turns (state, event) into (new state, reply).

No ASK SDK here and no markup: the handlers turn intents into :class:`~skill.state.Event`
values and render the :class:`~skill.reply.Reply`; the coach only decides what happens next.
:func:`handle` is the one entry point. The transitions live by phase:

- :mod:`~skill.coach.safety_check`: launch, the disclaimer, the safety questions, the knee;
- :mod:`~skill.coach.routine_steps`: the routine itself, steps and holds, pause and resume;
- :mod:`~skill.coach.talk`: topics, help, where am I, stop and forget, in any phase;
- :mod:`~skill.coach.pain`: "it hurts", in any phase;
- :mod:`~skill.coach.prompts`: what every phase shares, e.g. the prompt for where they are,
  and how much of the last reply was heard (:func:`settle`, from the request's time).
- :mod:`~skill.coach.encouragement`: progress people can hear ("how am I doing?");
- :mod:`~skill.coach.reminders`: daily reminders (time, permission, time zone, offer);
- :mod:`~skill.coach.voice`: the speaking rate ("speak slower").

Every reply is built by a named *replayable* function, so "repeat" re-renders exactly the
last thing said from state instead of caching markup. What a session is in lives in
:mod:`skill.state`, and the routine's shape and timing in :mod:`skill.routine`.
"""

from __future__ import annotations

from collections.abc import Callable

from skill.coach import (
    encouragement,
    pain,
    routine_steps,
    safety_check,
    talk,
    voice,
)
from skill.coach.prompts import (
    ask_question,
    ask_side,
    resume_point,
    settle,
    statements,
    with_prompt,
)
from skill.content import Content
from skill.reply import Reply
from skill.state import (
    DONE,
    IDLE,
    NEW,
    REMINDER_PENDING,
    ROUTINE,
    SAFETY,
    SIDE,
    SIDES,
    Event,
    On,
    State,
)

__all__ = ["handle", "resume_point"]

Handler = Callable[[Content, State, Event], tuple[State, Reply]]


def handle(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """Apply one event. Never raises for any event in any state.

    First the request's time tells how much of the last reply was heard (:func:`settle`);
    the reply is then stamped with that time, so the next request can tell the same. Every
    reply but a silent one says which buttons a screen shows (:func:`screen_actions`).

    Every reply carries the person's speaking rate, so all of it is said at that rate.
    """
    state, reply = _step(content, state, event)
    if reply.rate != state.rate:
        reply = reply._replace(rate=state.rate)
    if reply.silent:
        return state, reply
    state = state._replace(sent_at=event.at)
    return state, reply._replace(view=reply.view._replace(actions=screen_actions(state, reply)))


def screen_actions(state: State, reply: Reply) -> tuple[str, ...]:
    """What the person can do next, as screen buttons: only what the session can really do.

    Each action is a button sending the event its voice intent sends (see ``skill.apl``);
    ``side:left`` is the "my left knee" button.
    """
    if reply.end_session:
        return ()
    repeat = ("repeat",) if str(state.last.get("r")) in _REPLAYS else ()
    if state.pending in ("forget", "offer"):
        return ("yes", "no")
    if state.phase == SAFETY:
        return ("yes", "no", *repeat)
    if state.phase == SIDE:
        return tuple(f"side:{side}" for side in SIDES)
    if state.phase == ROUTINE:
        return ("resume" if state.paused else "pause", *repeat, "previous", "next")
    if state.phase in (IDLE, DONE):
        return ("start", *repeat)
    return repeat  # advised: no routine today, but the advice can be heard again


def _step(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if event.kind == On.HOLD_DONE:  # not something the person said: it interrupts nothing
        return routine_steps.hold_done(content, state, event)
    state = settle(content, state, event.at)
    if event.kind == On.END:
        return routine_steps.session_end(content, state, event)
    answered, state = state.answered, state._replace(answered=None)
    return _dispatch(content, state, event, answered)


def _dispatch(
    content: Content, state: State, event: Event, answered: int | None
) -> tuple[State, Reply]:
    if event.kind == On.UNDO and (answered is not None or not event.value):
        return safety_check.undo(content, state._replace(pending=None), event, answered)
    if event.kind == On.UNDO and event.value == "yes" and state.phase in (SIDE, ROUTINE):
        # "I meant yes" once the check is over: a late yes to it, so hold off as a yes would
        return safety_check.condition(content, state, event)
    if event.kind == On.UNDO:  # "I meant no" with no answer to change is just "no"
        event = Event(On.YES if event.value == "yes" else On.NO, at=event.at)
    if state.phase == SAFETY and statements(content) and event.kind in (On.RESUME, On.NEXT):
        event = Event(On.YES, at=event.at)  # "go on" answers "shall we go on?"
    if state.pending == "forget" and event.kind in (On.YES, On.NO, On.UNSURE):
        return talk.answer_forget(content, state._replace(pending=None), event)
    if state.pending in REMINDER_PENDING:
        from skill.coach import reminders

        reminder_answer = reminders.answer(content, state, event)
        if reminder_answer is not None:
            return reminder_answer
    state = state._replace(pending=None)
    opens_routine = state.phase == IDLE and not state.checked and event.kind in _OPENS_ROUTINE
    if (state.phase == NEW and event.kind not in _WITHOUT_LAUNCH) or opens_routine:
        # A one-shot ("ask knee coach to start the quick routine") opens a session
        # straight into an intent: greet and run the safety check first, keeping the wish.
        wish = _wish(content, state, event)
        return safety_check.launch(content, state._replace(want=wish), event)
    return _HANDLERS.get(event.kind, talk.fallback)(content, state, event)


REMINDER_EVENTS = (
    On.REMIND,
    On.TIME,
    On.TIME_ZONE,
    On.LIST_REMINDERS,
    On.CANCEL_REMINDERS,
    On.PERMISSION,
)


def _about_reminders(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """A turn about daily reminders. Their dialog is an edge most sessions never reach, so it
    is loaded on the first such turn (or at a routine's end), not on every cold start."""
    from skill.coach import reminders

    handlers: dict[str, Handler] = {
        On.REMIND: reminders.remind,
        On.TIME: reminders.out_of_turn,
        On.TIME_ZONE: reminders.out_of_turn,
        On.LIST_REMINDERS: reminders.list_reminders,
        On.CANCEL_REMINDERS: reminders.cancel_reminders,
        On.PERMISSION: reminders.permission,
    }
    return handlers[event.kind](content, state, event)


def launch_lengths(content: Content) -> dict[str, float]:
    """The routine lengths a first launch announces, for ``make generate`` to work out ahead.

    Each is worked out the one way the coach works out every length (by playing the routine,
    :func:`~skill.coach.routine_steps.seconds_to_end`); this only asks at build time, for a new
    person opening the skill and for a one-shot start of each routine, and keeps the answers
    in ``content/compiled.json`` so a cold start does not play a routine through to greet.
    """
    for event in (Event(On.LAUNCH), *(Event(On.START, r.id) for r in content.routines)):
        handle(content, State(), event)
    return routine_steps.worked_out(content)


def _wish(content: Content, state: State, event: Event) -> tuple[str, str | None] | None:
    if event.kind == On.START and event.value in {r.id for r in content.routines}:
        return (event.value, None)
    if event.kind == On.GO_TO and event.value in {t.id for t in content.techniques}:
        return (state.routine, event.value)
    return None


_ASIDES = frozenset({"pace", "mode", "rate", "where"})
"""Mid-routine answers that leave the step where it was: "repeat" after one means the step
(what the routine's reprompt promises), not the aside again."""


def _repeat(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    kind = str(state.last.get("r"))
    if state.phase == ROUTINE and not state.paused and kind in _ASIDES:
        return routine_steps.replay_step(content, state)
    replay = _REPLAYS.get(kind)
    if replay is None:
        return with_prompt(content, state, content.prompt("nothing_to_repeat"))
    return replay(content, state)


_HANDLERS: dict[str, Handler] = {
    On.LAUNCH: safety_check.launch,
    On.START: routine_steps.start,
    On.GO_TO: routine_steps.go_to,
    On.YES: safety_check.answer,
    On.NO: safety_check.answer,
    On.PAUSE: routine_steps.pause,
    On.RESUME: routine_steps.resume,
    On.REPEAT: _repeat,
    On.NEXT: routine_steps.next_step,
    On.PREVIOUS: routine_steps.previous,
    On.START_OVER: safety_check.start_over,
    On.HELP: talk.help_,
    On.FALLBACK: talk.fallback,
    On.STOP: talk.stop,
    On.WHERE: talk.where,
    On.SLOWER: routine_steps.pace,
    On.FASTER: routine_steps.pace,
    On.KEEP_GOING: routine_steps.keep_going,
    On.STEP_BY_STEP: routine_steps.step_by_step,
    On.SIDE: safety_check.choose_side,
    On.EXPLAIN: talk.explain,
    On.DISCLAIMER: talk.disclaimer,
    On.TOPIC: talk.topic,
    On.FORGET: talk.forget,
    On.PAIN: pain.pain,
    On.CONDITION: safety_check.condition,
    On.UNSURE: safety_check.unsure,
    On.LIGHTER: routine_steps.lighter,
    On.SKIP: routine_steps.skip_technique,
    On.HOLD_DONE: routine_steps.hold_done,
    On.SCREEN_ERROR: talk.screen_error,
    On.PROGRESS: encouragement.progress,
    On.SPEAK_SLOWER: voice.speaking_rate,
    On.SPEAK_FASTER: voice.speaking_rate,
    On.SPEAK_NORMAL: voice.speaking_rate,
    **dict.fromkeys(REMINDER_EVENTS, _about_reminders),
}

_WITHOUT_LAUNCH = frozenset(
    {
        On.TOPIC, On.DISCLAIMER, On.HELP, On.STOP, On.FALLBACK, On.FORGET, On.WHERE,
        On.REPEAT, On.PAIN, On.CONDITION, On.UNSURE, On.UNDO, On.HOLD_DONE, On.SCREEN_ERROR,
        On.PROGRESS, On.SPEAK_SLOWER, On.SPEAK_FASTER, On.SPEAK_NORMAL,
        On.REMIND, On.TIME, On.TIME_ZONE, On.LIST_REMINDERS, On.CANCEL_REMINDERS, On.PERMISSION,
    }
)  # fmt: skip
"""Events a brand-new session answers directly instead of starting the safety check."""

_OPENS_ROUTINE = frozenset({On.START, On.GO_TO, On.RESUME, On.NEXT, On.START_OVER, On.YES, On.SIDE})
"""Events that, after a one-shot question, mean "let's do it": the safety check comes first."""

_REPLAYS: dict[str, Callable[..., tuple[State, Reply]]] = {
    "question": lambda c, s: ask_question(c, s),
    "side": lambda c, s: ask_side(c, s),
    "step": routine_steps.replay_step,
    "paused": routine_steps.paused_reply,
    "advice": safety_check.advice_reply,
    "pace": routine_steps.pace_reply,
    "mode": routine_steps.mode_reply,
    "topic": talk.topic_reply,
    "disclaimer": talk.disclaimer_reply,
    "where": talk.where_reply,
    "explain": lambda c, s: talk.explain(c, s, Event(On.EXPLAIN)),
    "help": talk.help_reply,
    "unsure": safety_check.unsure_reply,
    "progress": encouragement.progress_reply,
    "rate": voice.rate_reply,
}
"""What "repeat" re-renders, by the descriptor each reply leaves in ``State.last``."""
