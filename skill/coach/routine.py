"""The routine's shape and timing: which sets it has, how long holds last, how long is left.

Pure and independent of the dialog: nothing here knows about phases or session state, so
the coach, the screens and the tests can all ask the same questions of the content.
"""

from __future__ import annotations

from skill.content.records import Content, Routine, Technique
from skill.record import Record
from skill.voice.reply import Part, Pause, Say, Sound

HOLD_END_SOUND = "soundbank://soundlibrary/musical/amzn_sfx_bell_short_chime_01"
PACES = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
"""Hold lengths ("slower", "faster"), as multiples of the content's holds."""
RATES = (0.7, 0.85, 1.0, 1.15, 1.3)
"""Speaking rates ("speak slower", "speak faster"), as multiples of Alexa's normal speed."""


# --------------------------------------------------------------------------- routine shape


class Set(Record):
    """One technique on one leg, with the holds this routine gives its steps."""

    number: int
    """1-based technique number in the routine (both legs share a number)."""
    technique: Technique
    holds: tuple[int, ...]
    leg: str | None
    """``left``/``right`` when both knees are done, naming the leg; else ``None``."""
    first_leg: bool


def routine_sets(routine: Routine, side: str | None) -> tuple[Set, ...]:
    """The routine's sets for this side: one per technique, or per technique and leg.

    Asked several times a turn (and many times over when a length is worked out), so each
    answer is kept: content never changes once loaded, and the answer is immutable.
    """
    key = (id(routine), side)
    known = _SETS.get(key)
    if known is not None and known[0] is routine:
        return known[1]
    sets: list[Set] = []
    for number, item in enumerate(routine.items, start=1):
        legs: tuple[str | None, ...] = ("right", "left") if side == "both" else (None,)
        holds = item.holds()
        for i, leg in enumerate(legs):
            sets.append(Set(number, item.technique, holds, leg, first_leg=i == 0))
    if len(_SETS) >= _SETS_KEPT:
        _SETS.clear()
    _SETS[key] = (routine, tuple(sets))
    return _SETS[key][1]


_SETS: dict[tuple[int, str | None], tuple[Routine, tuple[Set, ...]]] = {}
"""Routine sets by (routine object, side); the routine itself is kept to check identity."""
_SETS_KEPT = 64


def valid_position(content: Content, position: tuple[str, int, int], side: str | None) -> bool:
    """True when (routine id, set index, step index) still exists in this content."""
    routine_id, index, step = position
    routine = next((r for r in content.routines if r.id == routine_id), None)
    if routine is None:
        return False
    sets = routine_sets(routine, side)
    return 0 <= index < len(sets) and 0 <= step < len(sets[index].technique.steps)


def paced(seconds: int, pace: float) -> int:
    """A hold at the person's pace, rounded to 5 s so the cues stay easy to follow."""
    if seconds <= 0:
        return 0
    return max(5, round(seconds * pace / 5.0) * 5)


SETTLE_SECONDS = 1.0
"""A pause after each instruction of a step, before the next or before the count starts: time to
get into position (a technique's set-up of two sentences and its movement: 3 s in all)."""


def hold_parts(
    content: Content, seconds: int, number: int = 0, start: str = "hold_start"
) -> list[Part]:
    """A timed hold as spoken cues and silence (the renderer chains it into ≤10 s breaks).

    It starts with a clear cue ("30 seconds, starting now"; ``start`` names another, such as
    "20 seconds left" for a hold taken up again), keeps time with "Halfway" (holds of 40 s or
    more) and "Ten more seconds", and ends with a chime and "And relax". ``number`` (the hold's
    place in the routine) picks each cue's wording, so they vary but never at random.
    """
    v = content.variant
    parts: list[Part] = [Say(v(start, number, seconds=seconds))]
    remaining = seconds
    if seconds >= 40:
        half = seconds // 2
        parts += [Pause(seconds - half), Say(v("hold_half", number))]
        remaining = half
    if remaining > 10:
        parts += [Pause(remaining - 10), Say(v("hold_ten", number))]
        remaining = 10
    parts += [Pause(remaining), Sound(HOLD_END_SOUND), Say(v("hold_end", number))]
    return parts


def minutes_words(content: Content, seconds: float) -> str:
    """A duration the way a person says it: "less than a minute", "about 9 minutes"."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return content.prompt("minutes_under_one")
    if minutes == 1:
        return content.prompt("minutes_one")
    return content.prompt("minutes_many", minutes=minutes)


def side_word(content: Content, side: str) -> str:
    """How the prompts name a side or leg: ``left`` → "left" ("linke", "izquierda")."""
    return content.prompt("side_left" if side == "left" else "side_right")
