"""The skill's clock for its own speech: words at the speaking rate, plus silences and sounds."""

from __future__ import annotations

import pytest

from skill.voice.reply import Pause, Say, Sound
from skill.voice.timing import (
    SOUND_SECONDS,
    WORDS_PER_SECOND,
    heard_count,
    marks,
    parts_seconds,
    request_time,
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


def test_marks_are_when_each_step_of_a_reply_has_been_heard_to_its_end() -> None:
    steps = [[Say("one two three four five")], [Say("go"), Pause(10), Sound("x")]]
    ends = marks(steps, start=1.0)
    assert ends == [3.0, 3.0 + 0.4 + 10 + SOUND_SECONDS]
    assert heard_count(ends, 2.9) == 0  # cut during the first step
    assert heard_count(ends, 5.0) == 1  # the first heard, the second's hold cut short
    assert heard_count(ends, 60.0) == 2
    assert marks(steps, rate=0.5)[0] == 4.0  # slower speech, later marks


def test_the_request_timestamp_is_the_clock_and_the_host_only_a_fallback() -> None:
    from datetime import datetime, timezone
    from types import SimpleNamespace

    stamped = SimpleNamespace(timestamp=datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc))
    assert request_time(stamped, lambda: 1.0) == stamped.timestamp.timestamp()
    assert request_time(SimpleNamespace(timestamp="yesterday"), lambda: 1.0) == 1.0
    assert request_time(None, lambda: 2.0) == 2.0
