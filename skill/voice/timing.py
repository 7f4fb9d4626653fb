"""How long speech takes: the skill's own clock for what it says.

Alexa reports no playback position, but the skill knows every word and silence it sent.
A reply's duration is its words at the language's speed (English about 150 words a minute;
each language's own in ``content/<language>/language.yaml``) and the speaking rate, plus its
pauses and sounds. The coach uses this to tell how far a person got before the next request
arrived, and the tests use it to count seconds of speech (e.g. to the first timed hold).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from skill.voice.reply import Part, Pause, Say

WORDS_PER_SECOND = 2.5
"""Alexa's English speaking rate at the default prosody, near enough (150 words a minute).
Other languages pass their own (``wps``: ``Language.words_per_second`` of their content)."""
SOUND_SECONDS = 1.0
"""The short chime that ends a hold."""
ANSWER_SECONDS = 2.0
"""How long a person takes to answer once a response has ended (say "next" at once)."""
PLAYBACK_DELAY_SECONDS = 1.0
"""A response starts playing about this long after the request that asked for it."""


def say_seconds(text: str, rate: float = 1.0, wps: float = WORDS_PER_SECOND) -> float:
    """Seconds to speak ``text`` at ``rate`` times the default speaking rate (``wps`` words a
    second at the default rate, the language's own)."""
    return len(text.split()) / (wps * rate)


def part_seconds(part: Part, rate: float = 1.0, wps: float = WORDS_PER_SECOND) -> float:
    if isinstance(part, Say):
        return say_seconds(part.text, rate, wps)
    if isinstance(part, Pause):
        return part.seconds
    return SOUND_SECONDS


def parts_seconds(parts: Iterable[Part], rate: float = 1.0, wps: float = WORDS_PER_SECOND) -> float:
    """The whole duration of some parts: speech, silences and sounds."""
    return sum(part_seconds(part, rate, wps) for part in parts)


def seconds_before_pause(
    parts: Iterable[Part], rate: float = 1.0, wps: float = WORDS_PER_SECOND
) -> float | None:
    """Seconds of speech before the first silence (a timed hold), or None if there is none."""
    total = 0.0
    for part in parts:
        if isinstance(part, Pause):
            return total
        total += part_seconds(part, rate, wps)
    return None


def marks(
    groups: Sequence[Sequence[Part]],
    start: float = 0.0,
    rate: float = 1.0,
    wps: float = WORDS_PER_SECOND,
) -> list[float]:
    """Seconds from the start of a reply at which each group of parts has been heard to its end.

    A step reply is a lead, then one group of parts per step (instruction, hold, closing cue);
    ``start`` is the lead's length. Comparing a later request's time with these tells which
    steps the person heard to the end before they spoke.
    """
    ends, total = [], start
    for group in groups:
        total += parts_seconds(group, rate, wps)
        ends.append(round(total, 2))
    return ends


def hold_windows(
    groups: Sequence[Sequence[Part]],
    start: float = 0.0,
    rate: float = 1.0,
    wps: float = WORDS_PER_SECOND,
) -> list[float]:
    """Beside :func:`marks`: for each group, the seconds from the start of the reply at which its
    timed hold (its silences, not a pause to get into position) begins and ends, as a flat
    list of pairs; ``0, 0`` for a group with no hold."""
    windows, total = [], start
    for group in groups:
        begins: float | None = None
        ends = 0.0
        for part in group:
            timed = isinstance(part, Pause) and not part.settle
            if timed and begins is None:
                begins = total
            total += part_seconds(part, rate, wps)
            if timed:
                ends = total
        windows += [round(begins or 0.0, 2), round(ends, 2)]
    return windows


def heard_count(ends: Sequence[float], elapsed: float) -> int:
    """How many leading groups had ended ``elapsed`` seconds after the reply began."""
    return sum(1 for end in ends if end <= elapsed)


def request_time(request: Any, fallback: Callable[[], float]) -> float:
    """Alexa's timestamp of a request, in epoch seconds: the skill's clock for that turn.

    Alexa stamps every request when the person spoke, so elapsed time between turns is
    measured on one clock, whatever host answers (and tests control it). ``fallback`` is only
    for a request without a usable timestamp.
    """
    stamp = getattr(request, "timestamp", None)
    if isinstance(stamp, datetime):
        try:
            return stamp.timestamp()
        except (OverflowError, ValueError, OSError):
            pass
    return fallback()
