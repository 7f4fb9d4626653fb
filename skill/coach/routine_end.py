"""How a routine ends: finished (counted, praised, maybe a reminder offer), the last
technique skipped (a gentle close), or the session closing without a word.
"""

from __future__ import annotations

from skill.coach import encouragement
from skill.coach.events import Event
from skill.coach.position import (
    resume_point,
)
from skill.coach.state import DONE, ROUTINE, State
from skill.content.records import Content
from skill.voice.reply import Reply, Say, View, silence


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
        plan = reminders.offer_plan(state, now)
        state = state._replace(pending="offer", offered=int(now), plan=plan)
        effects = frozenset({"completed", "offered"}) | lookup
        offer, reprompt = reminders.offer_words(content, state)
        return state, Reply((Say(f"{said} {offer}"),), reprompt, view, effects=effects)
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
