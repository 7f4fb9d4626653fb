"""How long the routine takes from a position: worked out by playing it, never written.

"About 12 minutes" comes from :func:`seconds_to_end`, which builds the replies the routine
would give from a position and adds their speech (at the person's speaking rate), every
hold at their pace, and a turn's answer time. Each answer is kept for the same content,
position and person; the ones a first launch needs are worked out at build time
(``make generate``) and shipped in ``content/compiled.json``.
"""

from __future__ import annotations

from skill.coach.position import (
    after_run,
    settle,
)
from skill.coach.routine import minutes_words
from skill.coach.state import ROUTINE, State
from skill.coach.step_reply import play
from skill.content.records import Content
from skill.voice.timing import ANSWER_SECONDS, parts_seconds


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
    from skill.coach.routine_end import finish  # only when a length was not worked out ahead

    wps = content.language.words_per_second
    total = 0.0
    while True:
        probe, reply = play(content, probe)
        total += parts_seconds(reply.parts, rate, wps) + ANSWER_SECONDS
        probe = settle(content, probe._replace(sent_at=1.0), float("inf"))
        position = after_run(content, probe)
        if position is None:
            return total + parts_seconds(finish(content, probe, 0.0)[1].parts, rate, wps)
        probe = probe._replace(index=position[0], step=position[1])


_LENGTHS: dict[tuple[int, str], tuple[Content, float]] = {}
"""Worked-out lengths by (content object, :func:`length_key`); the content is kept to check
identity."""


_LENGTHS_KEPT = 256


def where_minutes(content: Content, state: State, index: int, step: int) -> str:
    """ "about 9 minutes": what is left from (set, step)."""
    return minutes_words(content, seconds_to_end(content, state, index, step))
