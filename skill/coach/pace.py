"""How fast and how much: the hold pace, keep-going mode and the speaking rate.

The hold pace ("slower", "faster") lengthens or shortens the timed silences. Keep-going mode
plays a whole technique in one response; step by step, one movement. The speaking rate
("speak slower", "normal speed") changes how fast the words themselves are spoken: the coach
only keeps it in its state; :func:`skill.coach.machine.handle` puts it on every reply and
:mod:`skill.voice.speech` renders it as SSML ``<prosody rate>`` around spoken text, never
around breaks or the chime. Announced lengths ("about 9 minutes") count both, through
:func:`~skill.coach.routine_length.seconds_to_end`, and so does what was heard of a reply.
"""

from __future__ import annotations

from typing import Any

from skill.coach.answer import with_prompt
from skill.coach.events import Event, On
from skill.coach.routine import PACES, RATES, paced
from skill.coach.routine_steps import advance, go_on
from skill.coach.state import ROUTINE, State
from skill.content.records import Content
from skill.voice.reply import Reply, Say

_SAID = ("rate_slower", "rate_faster", "rate_normal")


def speaking_rate(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """Step the speaking rate once per request, or back to normal; say so once."""
    index = RATES.index(state.rate) if state.rate in RATES else RATES.index(1.0)
    if event.kind == On.SPEAK_NORMAL:
        rate, said = 1.0, "rate_normal"
    elif event.kind == On.SPEAK_SLOWER:
        if index == 0:
            return with_prompt(content, state, content.prompt("rate_slowest"))
        rate, said = RATES[index - 1], "rate_slower"
    else:
        if index == len(RATES) - 1:
            return with_prompt(content, state, content.prompt("rate_fastest"))
        rate, said = RATES[index + 1], "rate_faster"
    return rate_reply(content, state._replace(rate=rate, last={"r": "rate", "said": said}))


def rate_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    """The acknowledgement, already at the new rate (it is what they asked to hear)."""
    said = state.last.get("said")
    return with_prompt(content, state, content.prompt(said if said in _SAID else "rate_normal"))


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
