"""The coach's one entry: :func:`handle` turns (state, event) into (new state, reply).

No ASK SDK here and no markup: the alexa layer turns intents into
:class:`~skill.coach.events.Event` values and renders the :class:`~skill.voice.reply.Reply`;
the coach only decides what happens next. :func:`handle` first settles how much of the last
reply was heard (from the request's time), then hands the event to the module for it:

- :mod:`~skill.coach.safety_check`: launch, the disclaimer, the safety questions, the knee;
- :mod:`~skill.coach.safety_answers`: answers to the check, also in a person's own words
  ("I have arthritis"), the one more question about lasting knee pain, "go back";
- :mod:`~skill.coach.routine_steps`: moving through the routine, pause and resume, jumps;
- :mod:`~skill.coach.pace`: hold pace, keep-going mode, speaking rate;
- :mod:`~skill.coach.talk`: topics, help, where am I, stop and forget, in any phase;
- :mod:`~skill.coach.pain`: "it hurts", in any phase;
- :mod:`~skill.coach.encouragement`: progress people can hear ("how am I doing?");
- :mod:`~skill.coach.reminders`: daily reminders (time, permission, time zone, offer).

They share what sits below them: the questions before a routine
(:mod:`~skill.coach.questions`), where the person is (:mod:`~skill.coach.position`), what a
step reply says (:mod:`~skill.coach.step_reply`), how a routine ends
(:mod:`~skill.coach.routine_end`) and how long it takes (:mod:`~skill.coach.routine_length`),
and a short answer followed by the phase's own prompt (:mod:`~skill.coach.answer`).

Every reply is built by a named *replayable* function, so "repeat" re-renders exactly the
last thing said from state instead of caching markup. What a session is in lives in
:mod:`skill.coach.state`, and the routine's shape in :mod:`skill.coach.routine`.
"""

from __future__ import annotations

from collections.abc import Callable

from skill.coach import encouragement, routine_length, safety_check, step_reply
from skill.coach.answer import with_prompt
from skill.coach.events import Event, On
from skill.coach.position import resume_point, settle
from skill.coach.questions import ask_question, ask_side, statements
from skill.coach.state import (
    ADVISED,
    DONE,
    IDLE,
    NEW,
    REMINDER_PENDING,
    ROUTINE,
    SAFETY,
    SIDE,
    SIDES,
    State,
)
from skill.content.records import Content
from skill.voice.reply import Reply

__all__ = ["handle", "resume_point"]

Handler = Callable[[Content, State, Event], tuple[State, Reply]]
Replay = Callable[[Content, State], tuple[State, Reply]]


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

    Each action is a button sending the event its voice intent sends (see ``skill.alexa.apl``);
    ``side:left`` is the "my left knee" button.
    """
    if reply.end_session:
        return ()
    repeat = ("repeat",) if str(state.last.get("r")) in _REPLAYABLE else ()
    if state.pending in ("forget", "offer"):
        return ("yes", "no")
    if state.phase == SAFETY:
        return ("yes", "no", *repeat)
    if state.phase == SIDE:
        return tuple(f"side:{side}" for side in SIDES)
    if state.phase == ROUTINE:  # on a step, the button does the part again ("once more")
        return ("resume" if state.paused else "pause", "once_more", "previous", "next")
    if state.phase in (IDLE, DONE):
        return ("start", *repeat)
    return repeat  # advised: no routine today, but the advice can be heard again


def _step(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if event.kind == On.HOLD_DONE:  # not something the person said: it interrupts nothing
        return _routine_steps(On.HOLD_DONE)(content, state, event)
    state = settle(content, state, event.at)
    if event.kind == On.END:
        from skill.coach.routine_end import session_end

        return session_end(content, state, event)
    answered = state.answered
    if event.kind != On.FALLBACK:  # a miss changes nothing: "I meant no" still reaches it
        state = state._replace(answered=None)
    missed = state.missed
    state, reply = _dispatch(content, state, event, answered)
    if missed and state.missed == missed:  # understood: the count of misses starts again
        state = state._replace(missed=0)
    return state, reply


def _dispatch(
    content: Content, state: State, event: Event, answered: int | None
) -> tuple[State, Reply]:
    if event.kind == On.UNDO and (answered is not None or not event.value):
        from skill.coach import safety_answers

        return safety_answers.undo(content, state._replace(pending=None), event, answered)
    if state.followed:  # which follow-up was answered: only "I meant no" right after needs it
        state = state._replace(followed=None)
    late_yes = state.phase in (SIDE, ROUTINE) and state.pending is None  # not "delete it?"
    if event.kind == On.UNDO and event.value == "yes" and late_yes:
        # "I meant yes" once the check is over: a late yes to it, so hold off as a yes would
        from skill.coach import safety_answers

        return safety_answers.condition(content, state, event)
    if event.kind == On.UNDO:  # "I meant no" with no answer to change is just "no"
        event = Event(On.YES if event.value == "yes" else On.NO, at=event.at)
    if state.phase == SAFETY and statements(content) and event.kind in (On.RESUME, On.NEXT):
        event = Event(On.YES, at=event.at)  # "go on" answers "shall we go on?"
    if state.pending == "forget" and event.kind in (On.YES, On.NO, On.UNSURE, On.CANCEL):
        from skill.coach.talk import answer_forget

        return answer_forget(content, state._replace(pending=None), event)
    if state.pending in REMINDER_PENDING:
        from skill.coach import reminders

        reminder_answer = reminders.answer(content, state, event)
        if reminder_answer is not None:
            return reminder_answer
    if state.pending is not None:  # a question asked on the way: a miss asks it again
        from skill.coach import repair

        asked = state.pending in repair.SUB_QUESTIONS
        kept = repair.during(content, state, event) if asked else None
        if kept is not None:
            return kept
    state = state._replace(pending=None)
    if event.kind in (On.SLOWER, On.FASTER) and state.phase not in _AFTER_A_HOLD:
        # Before any hold, "slow down" and "too fast" are about the voice, not the massage.
        rate = On.SPEAK_SLOWER if event.kind == On.SLOWER else On.SPEAK_FASTER
        event = event._replace(kind=rate)
    opens_routine = state.phase == IDLE and not state.checked and event.kind in _OPENS_ROUTINE
    if (state.phase == NEW and event.kind not in _WITHOUT_LAUNCH) or opens_routine:
        # A one-shot ("ask knee coach to start the quick routine") opens a session
        # straight into an intent: greet and run the safety check first, keeping the wish.
        wish = _wish(content, state, event)
        return safety_check.launch(content, state._replace(want=wish), event)
    if event.kind == On.PREVIOUS and state.phase in (SAFETY, SIDE):
        return _safety_answers(event.kind)(content, state, event)  # back one question
    handler = _HANDLERS.get(event.kind)
    if handler is None:
        handler = _LOADED_LATER.get(event.kind, _talk)(event.kind)
    return handler(content, state, event)


SPEAKING_RATE = (On.SPEAK_SLOWER, On.SPEAK_FASTER, On.SPEAK_NORMAL)
SAFETY_ANSWERS = (
    On.YES, On.NO, On.UNSURE, On.CONDITION, On.ACUTE, On.SURGERY, On.LASTING, On.PROVIDER, On.PAIN,
)  # fmt: skip
REMINDER_EVENTS = (
    On.REMIND,
    On.TIME,
    On.TIME_ZONE,
    On.LIST_REMINDERS,
    On.CANCEL_REMINDERS,
    On.PERMISSION,
)


# ----- phases loaded on their first turn
# A cold start is almost always a launch, which needs only the safety check. Each module a
# launch does not load saves every cold start about half a million instructions
# (docs/performance.md), so the phases of later turns are imported on the first of them.


def _routine_steps(kind: str) -> Handler:
    from skill.coach import routine_steps as steps

    turns: dict[str, Handler] = {
        On.START: steps.start,
        On.GO_TO: steps.go_to,
        On.PAUSE: steps.pause,
        On.RESUME: steps.resume,
        On.NEXT: steps.next_step,
        On.PREVIOUS: steps.previous,
        On.LIGHTER: steps.lighter,
        On.SKIP: steps.skip_technique,
        On.HOLD_DONE: steps.hold_done,
    }
    return turns[kind]


def _pace(kind: str) -> Handler:
    from skill.coach import pace

    turns: dict[str, Handler] = {
        On.SLOWER: pace.pace,
        On.FASTER: pace.pace,
        On.KEEP_GOING: pace.keep_going,
        On.STEP_BY_STEP: pace.step_by_step,
        On.SPEAK_SLOWER: pace.speaking_rate,
        On.SPEAK_FASTER: pace.speaking_rate,
        On.SPEAK_NORMAL: pace.speaking_rate,
    }
    return turns[kind]


def _talk(kind: str) -> Handler:
    """Topics, help, where am I, stop, forget; and the fallback for any other event."""
    from skill.coach import talk

    turns: dict[str, Handler] = {
        On.HELP: talk.help_,
        On.STOP: talk.stop,
        On.WHERE: talk.where,
        On.EXPLAIN: talk.explain,
        On.DISCLAIMER: talk.disclaimer,
        On.THANKS: talk.thanks,
        On.TOPIC: talk.topic,
        On.FORGET: talk.forget,
        On.SCREEN_ERROR: talk.screen_error,
        On.CANCEL: talk.stop,  # "never mind" with no question on the way: as stop
    }
    return turns.get(kind, talk.fallback)


def _safety_answers(kind: str) -> Handler:
    """Answers to the safety check (also in a person's own words), after the launch asked."""
    from skill.coach import safety_answers as answers

    turns: dict[str, Handler] = {
        On.YES: answers.answer,
        On.NO: answers.answer,
        On.UNSURE: answers.unsure,
        On.CONDITION: answers.condition,
        On.ACUTE: answers.acute,
        On.SURGERY: answers.surgery,
        On.LASTING: answers.lasting,
        On.PROVIDER: answers.provider,
        On.PAIN: answers.pain,  # "my knee hurts" to "any ongoing knee pain?" is a yes
        On.PREVIOUS: answers.back,
    }
    return turns[kind]


def _reminders(kind: str) -> Handler:
    """A turn about daily reminders: an edge most sessions never reach (or a routine's end)."""
    from skill.coach import reminders

    turns: dict[str, Handler] = {
        On.REMIND: reminders.remind,
        On.TIME: reminders.out_of_turn,
        On.TIME_ZONE: reminders.out_of_turn,
        On.LIST_REMINDERS: reminders.list_reminders,
        On.CANCEL_REMINDERS: reminders.cancel_reminders,
        On.PERMISSION: reminders.permission,
    }
    return turns[kind]


_LOADED_LATER: dict[str, Callable[[str], Handler]] = {
    **dict.fromkeys(
        (On.START, On.GO_TO, On.PAUSE, On.RESUME, On.NEXT, On.PREVIOUS, On.LIGHTER, On.SKIP),
        _routine_steps,
    ),
    **dict.fromkeys((On.SLOWER, On.FASTER, On.KEEP_GOING, On.STEP_BY_STEP, *SPEAKING_RATE), _pace),
    **dict.fromkeys(
        (On.HELP, On.STOP, On.WHERE, On.EXPLAIN, On.DISCLAIMER, On.TOPIC, On.FORGET, On.THANKS),
        _talk,
    ),
    On.SCREEN_ERROR: _talk,
    **dict.fromkeys(SAFETY_ANSWERS, _safety_answers),
    On.CANCEL: _talk,
    **dict.fromkeys(REMINDER_EVENTS, _reminders),
}
"""Events answered by a phase a launch does not need, by the function that loads it."""


def _talk_replay(descriptor: str) -> Replay:
    from skill.coach import talk

    replays: dict[str, Replay] = {
        "topic": talk.topic_reply,
        "disclaimer": talk.disclaimer_reply,
        "where": talk.where_reply,
        "explain": lambda c, s: talk.explain(c, s, Event(On.EXPLAIN)),
        "help": talk.help_reply,
    }
    return replays[descriptor]


def _pace_replay(descriptor: str) -> Replay:
    from skill.coach import pace

    replays: dict[str, Replay] = {
        "pace": pace.pace_reply,
        "mode": pace.mode_reply,
        "rate": pace.rate_reply,
    }
    return replays[descriptor]


def _paused_replay(descriptor: str) -> Replay:
    from skill.coach.routine_steps import paused_reply

    return paused_reply


def launch_lengths(content: Content) -> dict[str, float]:
    """The routine lengths a first launch announces, for ``make generate`` to work out ahead.

    Each is worked out the one way the coach works out every length (by playing the routine,
    :func:`~skill.coach.routine_length.seconds_to_end`); this only asks at build time, for a new
    person opening the skill and for a one-shot start of each routine, and keeps the answers
    in ``content/compiled.json`` so a cold start does not play a routine through to greet.
    """
    for event in (Event(On.LAUNCH), *(Event(On.START, r.id) for r in content.routines)):
        handle(content, State(), event)
    return routine_length.worked_out(content)


def _wish(content: Content, state: State, event: Event) -> tuple[str, str | None] | None:
    if event.kind == On.START and event.value in {r.id for r in content.routines}:
        return (event.value, None)
    if event.kind == On.GO_TO and event.value in {t.id for t in content.techniques}:
        return (state.routine, event.value)
    return None


_AFTER_A_HOLD = frozenset({ROUTINE, DONE})
"""Phases in which a hold has happened: "slower" and "faster" are about the massage's pace."""


def _repeat(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """ "Say that again": the words last said, when they were a prompt or a question; never a
    hold the person already did (:func:`~skill.coach.routine_steps.say_again`)."""
    kind = str(state.last.get("r"))
    if state.phase == ROUTINE and kind == "step":
        from skill.coach.routine_steps import say_again

        return say_again(content, state)
    replay = _REPLAYS.get(kind)
    if replay is None and kind in _REPLAYS_LATER:
        replay = _REPLAYS_LATER[kind](kind)
    if replay is None:
        return with_prompt(content, state, content.prompt("nothing_to_repeat"))
    return replay(content, state)


def _repeat_step(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """ "Once more", "do that again": the part again, mid-routine; elsewhere what is waiting."""
    if state.phase == ROUTINE:
        from skill.coach.routine_steps import once_more

        return once_more(content, state, event)
    if state.phase in (DONE, ADVISED):
        key = "done_no_routine" if state.phase == DONE else "advised_no_routine"
        return with_prompt(content, state, content.prompt(key))
    return _repeat(content, state, event)


_HANDLERS: dict[str, Handler] = {
    On.LAUNCH: safety_check.launch,
    On.REPEAT: _repeat,
    On.REPEAT_STEP: _repeat_step,
    On.START_OVER: safety_check.start_over,
    On.SIDE: safety_check.choose_side,
    On.PROGRESS: encouragement.progress,
}
"""Events answered by what a launch loads anyway (the rest: :data:`_LOADED_LATER`)."""

_WITHOUT_LAUNCH = frozenset(
    {
        On.TOPIC, On.DISCLAIMER, On.HELP, On.STOP, On.CANCEL, On.FALLBACK, On.FORGET, On.WHERE,
        On.THANKS,
        On.REPEAT, On.REPEAT_STEP, On.PAIN, On.CONDITION, On.UNSURE, On.UNDO, On.HOLD_DONE,
        On.SCREEN_ERROR, On.ACUTE, On.SURGERY, On.LASTING, On.PROVIDER,
        On.PROGRESS, On.SPEAK_SLOWER, On.SPEAK_FASTER, On.SPEAK_NORMAL,
        On.REMIND, On.TIME, On.TIME_ZONE, On.LIST_REMINDERS, On.CANCEL_REMINDERS, On.PERMISSION,
    }
)  # fmt: skip
"""Events a brand-new session answers directly instead of starting the safety check."""

_OPENS_ROUTINE = frozenset({On.START, On.GO_TO, On.RESUME, On.NEXT, On.START_OVER, On.YES, On.SIDE})
"""Events that, after a one-shot question, mean "let's do it": the safety check comes first."""

_REPLAYS: dict[str, Replay] = {
    "question": lambda c, s: ask_question(c, s),
    "side": lambda c, s: ask_side(c, s),
    "step": step_reply.replay_step,
    "advice": safety_check.advice_reply,
    "unsure": safety_check.unsure_reply,
    "progress": encouragement.progress_reply,
}
"""What "repeat" re-renders, by the descriptor each reply leaves in ``State.last``."""

_REPLAYS_LATER: dict[str, Callable[[str], Replay]] = {
    **dict.fromkeys(("topic", "disclaimer", "where", "explain", "help"), _talk_replay),
    **dict.fromkeys(("pace", "mode", "rate"), _pace_replay),
    "paused": _paused_replay,
}
"""The replays of phases loaded on their first turn, by the function that loads them."""
_REPLAYABLE = frozenset(_REPLAYS) | frozenset(_REPLAYS_LATER)
