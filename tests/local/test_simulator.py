"""The simulated Alexa's clock: request timestamps follow the speech, so tests can set them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from skill.alexa.intents import REMINDERS_SCOPE
from skill.local.envelopes import Session
from skill.local.simulator import SIMULATED_START, THINK_SECONDS, Conversation, SimulatedClock
from skill.local.ssml_text import ssml_seconds
from skill.voice.timing import SOUND_SECONDS, WORDS_PER_SECOND


def test_ssml_lasts_its_words_breaks_and_sounds() -> None:
    ssml = (
        '<speak>Glide your hands. <break time="10s"/><break time="2500ms"/>'
        '<audio src="soundbank://x"/> And relax.</speak>'
    )
    assert ssml_seconds(ssml) == pytest.approx(5 / WORDS_PER_SECOND + 12.5 + SOUND_SECONDS)


def recording(invoke: Callable[..., dict[str, Any]]) -> tuple[list[str], Callable[..., Any]]:
    seen: list[str] = []

    def spy(envelope: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(envelope["request"]["timestamp"])
        return invoke(envelope, context)

    return seen, spy


def test_each_request_comes_after_the_last_response_has_played(handler: Any) -> None:
    seen, spy = recording(handler)
    person = Conversation(spy)
    first = person.launch()
    person.say("no")
    assert seen[0] == "2026-01-05T09:00:00Z"
    heard_at = SIMULATED_START + timedelta(seconds=ssml_seconds(first.ssml) + THINK_SECONDS)
    assert seen[1] == heard_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_cut_and_a_wait_move_the_next_request(handler: Any) -> None:
    seen, spy = recording(handler)
    clock = SimulatedClock(datetime.fromisoformat("2026-03-02T18:30:00+00:00"))
    person = Conversation(spy, clock=clock)
    person.launch()
    person.cut_after(3)
    person.say("no")
    person.wait(3600)
    person.say("no")
    assert seen[:2] == ["2026-03-02T18:30:00Z", "2026-03-02T18:30:03Z"]
    assert seen[2] > "2026-03-02T19:30:03Z" and seen[2] < "2026-03-02T19:31:00Z"


def test_slower_speech_takes_longer_on_the_simulated_clock() -> None:
    words = "one two three four five"
    normal = ssml_seconds(f'<speak>{words} <break time="2s"/></speak>')
    slow = ssml_seconds(f'<speak><prosody rate="50%">{words}</prosody> <break time="2s"/></speak>')
    assert (normal, slow) == (4.0, 6.0)  # 5 words at 2.5 words/s (halved), plus the 2 s break


def test_granted_permissions_appear_in_every_request_of_the_person() -> None:
    import json

    from ask_sdk_core.handler_input import HandlerInput
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import RequestEnvelope

    from skill.alexa.request_events import reminders_granted

    def granted(envelope: dict[str, Any]) -> bool:
        parsed = DefaultSerializer().deserialize(json.dumps(envelope), RequestEnvelope)
        return reminders_granted(HandlerInput(request_envelope=parsed))

    yes = Session(granted={REMINDERS_SCOPE}).launch()
    user = yes["context"]["System"]["user"]
    assert user["permissions"]["scopes"] == {REMINDERS_SCOPE: {"status": "GRANTED"}}
    assert granted(yes)
    assert not granted(Session().launch())
    user["permissions"]["scopes"][REMINDERS_SCOPE]["status"] = "DENIED"
    assert not granted(yes)  # the scope's status wins over the consent token
    del user["permissions"]["scopes"]
    assert granted(yes)  # no scopes listed: a consent token means granted
