"""The skill's clock for its own speech: words at the speaking rate, plus silences and sounds."""

from __future__ import annotations

import pytest

from skill.reply import Pause, Say, Sound
from skill.timing import (
    SOUND_SECONDS,
    WORDS_PER_SECOND,
    parts_seconds,
    say_seconds,
    seconds_before_pause,
)


def test_words_take_their_time_at_the_speaking_rate() -> None:
    assert say_seconds("one two three four five") == pytest.approx(5 / WORDS_PER_SECOND)
    assert say_seconds("one two three four five", rate=0.5) == pytest.approx(
        2 * 5 / WORDS_PER_SECOND
    )


def test_a_reply_lasts_its_speech_silences_and_sounds() -> None:
    parts = [Say("Glide your hands."), Pause(12), Sound("chime"), Say("And relax.")]
    expected = 5 / WORDS_PER_SECOND + 12 + SOUND_SECONDS
    assert parts_seconds(parts) == pytest.approx(expected)


def test_speech_before_the_first_silence_is_what_comes_before_a_hold() -> None:
    parts = [Say("Step three. Glide."), Pause(20), Say("Halfway."), Pause(20)]
    assert seconds_before_pause(parts) == pytest.approx(3 / WORDS_PER_SECOND)
    assert seconds_before_pause([Say("No hold here.")]) is None
