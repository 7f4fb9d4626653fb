"""How long speech takes: the skill's own clock for what it says.

Alexa reports no playback position, but the skill knows every word and silence it sent.
At about 150 words a minute, a reply's duration is its words at the speaking rate plus its
pauses and sounds. The coach uses this to tell how far a person got before the next request
arrived, and the tests use it to count seconds of speech (e.g. to the first timed hold).
"""

from __future__ import annotations

from collections.abc import Iterable

from skill.reply import Part, Pause, Say

WORDS_PER_SECOND = 2.5
"""Alexa's speaking rate at the default prosody, near enough (150 words a minute)."""
SOUND_SECONDS = 1.0
"""The short chime that ends a hold."""


def say_seconds(text: str, rate: float = 1.0) -> float:
    """Seconds to speak ``text`` at ``rate`` times the default speaking rate."""
    return len(text.split()) / (WORDS_PER_SECOND * rate)


def part_seconds(part: Part, rate: float = 1.0) -> float:
    if isinstance(part, Say):
        return say_seconds(part.text, rate)
    if isinstance(part, Pause):
        return part.seconds
    return SOUND_SECONDS


def parts_seconds(parts: Iterable[Part], rate: float = 1.0) -> float:
    """The whole duration of some parts: speech, silences and sounds."""
    return sum(part_seconds(part, rate) for part in parts)


def seconds_before_pause(parts: Iterable[Part], rate: float = 1.0) -> float | None:
    """Seconds of speech before the first silence (a timed hold), or None if there is none."""
    total = 0.0
    for part in parts:
        if isinstance(part, Pause):
            return total
        total += part_seconds(part, rate)
    return None
