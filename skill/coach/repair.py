"""Repair in place: whatever is not understood gets the question that is waiting, again.

The question waiting is a sub-question when one is pending (a reminder's time or time zone,
the reminder offer, "delete your progress?"), else the phase's own: the safety question, the
knee, the routine's closing or paused prompt, or what can be asked. A miss never moves the
person anywhere: it says so briefly and asks that question again; after two misses in a row
at it, it names the two or three answers that work (``State.missed`` counts them, and
:func:`skill.coach.machine.handle` sets it back to 0 on any turn that is not a miss).

While a sub-question waits, "help", "what does that mean", "repeat" and "hang on" are about
it, and keep it; "never mind" drops it only (its own module answers that).
"""

from __future__ import annotations

from collections.abc import Sequence

from skill.coach.answer import with_prompt
from skill.coach.events import Event, On
from skill.coach.position import cut_short
from skill.coach.questions import ask_question, ask_side, side_words
from skill.coach.state import ADVISED, DONE, ROUTINE, SAFETY, SIDE, SIDES, State
from skill.content.records import Content
from skill.voice.reply import Part, Reply, Say, View

SUB_QUESTIONS = frozenset({"forget", "offer", "remind_time", "time_zone"})
"""Questions asked on the way (``State.pending``) that a miss asks again, and "never mind" drops."""
_REMINDER_QUESTIONS = frozenset({"offer", "remind_time", "time_zone"})

_ANSWERS = {
    "forget": "answers_forget",
    "offer": "answers_offer",
    "remind_time": "answers_time",
    "time_zone": "answers_zone",
}
_PHASE_ANSWERS = {
    SAFETY: "answers_safety",
    SIDE: "answers_side",
    DONE: "answers_done",
    ADVISED: "answers_advised",
}


def answers(content: Content, state: State) -> str:
    """The two or three answers that work at the question waiting."""
    if state.pending in _ANSWERS:
        return content.prompt(_ANSWERS[str(state.pending)])
    if state.phase == ROUTINE:
        paused = state.paused or cut_short(state)
        return content.prompt("answers_paused" if paused else "answers_routine")
    return content.prompt(_PHASE_ANSWERS.get(state.phase, "answers_idle"))


def asking(content: Content, state: State, lead: Sequence[Part] = ()) -> tuple[State, Reply]:
    """The question waiting, asked again after ``lead``, in the phase the person is in."""
    if state.pending in _REMINDER_QUESTIONS:
        from skill.coach.reminders import ask_again  # an edge: loaded on its first turn

        return ask_again(content, state, lead)
    if state.pending == "forget":
        return ask_forget(content, state, lead)
    if state.phase == SAFETY:
        return ask_question(content, state, lead, full=False)
    if state.phase == SIDE:
        return ask_side(content, state, lead)
    text = " ".join(part.text for part in lead if isinstance(part, Say))
    state, reply = with_prompt(content, state, text)
    view = reply.view if text else reply.view._replace(text=reply.reprompt or "")
    return state, reply._replace(parts=(*lead, *reply.parts[1:]), view=view)


def ask_forget(content: Content, state: State, lead: Sequence[Part] = ()) -> tuple[State, Reply]:
    """ "Do you want me to delete your saved progress?" (the question "forget me" asks)."""
    ask = content.prompt("forget_confirm")
    view = View("question", content.prompt("forget_title"), ask)
    return state._replace(pending="forget"), Reply((*lead, Say(ask)), ask, view)


def not_understood(content: Content, state: State) -> tuple[State, Reply]:
    """A miss: "Sorry, I didn't catch that", and the question waiting, again. The second miss
    in a row at it names the answers that work instead."""
    missed = state.missed + 1
    p = content.prompt
    lead = p("fallback") if missed < 2 else f"{p('fallback_again')} {answers(content, state)}"
    state, reply = asking(content, state, [Say(lead)])
    return state._replace(missed=missed), reply


def during(content: Content, state: State, event: Event) -> tuple[State, Reply] | None:
    """An event while a sub-question waits that its own module did not take as an answer.

    About the question (help, what it means, not sure, repeat, hang on): answered, and the
    question kept. A knee named: noted, the question kept. Not understood, or an answer that
    fits none of it: asked again. Anything else (a topic, "next", "stop", pain) is a request
    of its own: None, and the question is dropped.
    """
    p = content.prompt
    if event.kind in (On.REPEAT, On.REPEAT_STEP):
        return asking(content, state)
    if event.kind in (On.HELP, On.EXPLAIN, On.UNSURE):
        return asking(content, state, [Say(answers(content, state))])
    if event.kind == On.PAUSE:
        return asking(content, state, [Say(p("take_your_time"))])
    if event.kind == On.RESUME:  # "I'm back", "I'm ready": the question, again
        return asking(content, state)
    if event.kind == On.THANKS:
        return asking(content, state, [Say(p("you_are_welcome"))])
    if event.kind == On.SIDE and event.value in SIDES:
        noted = p("side_noted", side=side_words(content, str(event.value)))
        return asking(content, state._replace(side=event.value), [Say(noted)])
    if event.kind in (On.TIME, On.TIME_ZONE, On.SIDE):
        return asking(content, state, [Say(answers(content, state))])
    if event.kind == On.FALLBACK:
        return not_understood(content, state)
    return None
