"""When it hurts: "it hurts", "ouch", "that's too hard", understood in every phase.

Mid-routine the hold stops at once (this reply has no hold), the person is told kindly to stop
and rest, hears the article's advice (see a healthcare provider if pain persists or is severe)
and three choices, each of which works by voice: "lighter" (the step again, with less
pressure), "skip this technique", "finish for today" (a stop). Before the routine, or during the
safety check: better not to massage a painful knee today, and why; the routine stays closed
for this session.

Nothing about pain is stored, logged, or even kept in session attributes: mid-routine the
session is simply paused (its replay descriptor says "paused"), and before the routine it is
in the same "hold off" phase a safety answer leads to, with the same general advice on repeat.
"""

from __future__ import annotations

from skill.coach.answer import with_prompt
from skill.coach.events import Event
from skill.coach.questions import held_off
from skill.coach.state import ROUTINE, State
from skill.content.records import Content
from skill.voice.reply import Reply, Say, View


def pain(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    p = content.prompt
    if state.phase == ROUTINE:
        state = state._replace(paused=True, last={"r": "paused"})
        # The card and the screen show the advice, not the step that hurt.
        view = View("info", p("knee_coach_title"), p("pain_routine"))
        choices = p("pain_choices")
        return state, Reply((Say(p("pain_routine")), Say(choices)), choices, view)
    return with_prompt(content, held_off(state), p("pain_before"), title="safety_title")
