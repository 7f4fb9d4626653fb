"""The speaking rate: "speak slower", "speak faster", "normal speed".

Separate from the hold pace ("slower", "faster"), which lengthens the silences: this changes
how fast the words themselves are spoken. The coach only keeps the rate in its state;
:func:`skill.coach.handle` puts it on every reply and :mod:`skill.speech` applies it as SSML
``<prosody rate>`` to the spoken text, never to breaks or the chime. Announced lengths
("about 9 minutes") count it through
:func:`~skill.coach.routine_steps.seconds_to_end`, and so does what was heard of a reply.
"""

from __future__ import annotations

from typing import Any

from skill.coach.prompts import with_prompt
from skill.content import Content
from skill.reply import Reply
from skill.routine import RATES
from skill.state import Event, On, State

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
