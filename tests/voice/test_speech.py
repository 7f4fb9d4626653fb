"""SSML rendering (``skill/speech.py``) and the Alexa rule checker the other tests rely on.

The renderer is the only place that writes markup, so its limits are tested directly; the
checker is tested against responses that break each rule, so that a dialog passing it means
something.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from alexa_rules import AlexaRuleError, break_seconds, check_response, ssml_problems

from skill.coach import machine as coach
from skill.coach.events import Event, On
from skill.coach.routine import PACES
from skill.coach.state import State
from skill.content.records import Content
from skill.voice import speech
from skill.voice.reply import Part, Pause, Reply, Say, Sound, View

CHIME = "soundbank://soundlibrary/musical/amzn_sfx_bell_short_chime_01"
CARD = {"type": "Simple", "title": "T", "content": "C"}
VIEW = View("info", "Knee Coach", "card text")


def spoken(parts: list[Any]) -> str:
    return f"<speak>{speech.to_ssml(parts)}</speak>"


# --------------------------------------------------------------------------- escaping


def test_text_is_escaped() -> None:
    ssml = speech.to_ssml([Say('Knees & hips <3 > "both" it\'s fine')])
    assert ssml == "Knees &amp; hips &lt;3 &gt; &quot;both&quot; it's fine"
    assert not ssml_problems(f"<speak>{ssml}</speak>")


def test_markup_in_text_is_spoken_not_obeyed() -> None:
    ssml = spoken([Say('<break time="60s"/><audio src="http://evil"/>')])
    assert "<break" not in ssml and "<audio" not in ssml
    assert not ssml_problems(ssml)


def test_sound_urls_are_quoted_attributes() -> None:
    url = 'soundbank://a"b<c>&d'
    ssml = spoken([Sound(url)])
    assert ET.fromstring(ssml).find("audio").get("src") == url  # type: ignore[union-attr]


# --------------------------------------------------------------------------- breaks


@pytest.mark.parametrize(
    ("seconds", "chain"),
    [
        (25, ["10s", "10s", "5s"]),
        (10, ["10s"]),
        (30, ["10s", "10s", "10s"]),
        (0.5, ["0.5s"]),
        (12.5, ["10s", "2.5s"]),
        (0, []),
    ],
)
def test_long_silences_are_chained_breaks_of_at_most_ten_seconds(
    seconds: float, chain: list[str]
) -> None:
    rendered = speech.breaks(seconds)
    times = re.findall(r'<break time="([^"]+)"/>', rendered)
    assert times == chain
    assert sum(break_seconds(t) for t in times) == pytest.approx(seconds)


def test_a_pause_part_renders_as_a_chain() -> None:
    ssml = spoken([Say("Hold."), Pause(25), Say("And relax.")])
    assert ssml.count("<break") == 3 and not ssml_problems(ssml)


# --------------------------------------------------------------------------- limits


def test_at_most_five_audio_tags_and_the_speech_around_them_stays() -> None:
    parts: list[Any] = []
    for i in range(8):
        parts += [Say(f"hold {i}"), Sound(CHIME)]
    ssml = spoken(parts)
    assert ssml.count("<audio") == speech.MAX_AUDIO_TAGS
    assert all(f"hold {i}" in ssml for i in range(8))
    assert not ssml_problems(ssml)


def test_speech_is_cut_at_8000_characters_keeping_whole_parts() -> None:
    parts = [Say(f"Sentence {i:04d} " + "x" * 80 + ".") for i in range(200)]
    ssml = spoken(parts)
    assert len(ssml) <= speech.MAX_SPEECH_CHARS
    assert len(ssml) > speech.MAX_SPEECH_CHARS - 200  # cut near the limit, not far before
    kept = re.findall(r"Sentence (\d{4})", ssml)
    assert kept == [f"{i:04d}" for i in range(len(kept))]  # a prefix, in order
    assert ssml.endswith("x.</speak>")  # the last part kept is whole
    assert not ssml_problems(ssml)


def test_short_speech_is_never_cut() -> None:
    parts: list[Part] = [Say("a" * 3000), Pause(20), Say("b" * 3000)]
    ssml = speech.to_ssml(parts)
    assert "a" * 3000 in ssml and "b" * 3000 in ssml


def test_reprompt_and_card() -> None:
    reply = Reply((Say("Step one & two."),), "Say next <now>.", VIEW)
    assert speech.reprompt(reply) == "Say next &lt;now&gt;."
    assert speech.card_text(reply) == "card text"
    ended = Reply((Say("Bye."),), None, VIEW, end_session=True)
    assert speech.reprompt(ended) is None


def test_the_longest_replies_the_coach_can_give_stay_within_limits(content: Content) -> None:
    """Keep-going at the slowest pace, on both legs, through every technique."""
    state, _ = coach.handle(content, State(), Event(On.LAUNCH))
    for _ in content.safety.questions:
        state, _ = coach.handle(content, state, Event(On.NO))
    state, _ = coach.handle(content, state, Event(On.SIDE, "both"))
    for _ in PACES:
        state, _ = coach.handle(content, state, Event(On.SLOWER))
    state, reply = coach.handle(content, state, Event(On.KEEP_GOING))
    longest = 0.0
    while not reply.end_session:
        ssml = f"<speak>{speech.speech(reply)}</speak>"
        assert not ssml_problems(ssml), ssml_problems(ssml)
        assert reply.text.split()[-1] in ssml  # nothing was cut off the end
        longest = max(longest, sum(p.seconds for p in reply.parts if isinstance(p, Pause)))
        state, reply = coach.handle(content, state, Event(On.NEXT))
    assert longest >= 60  # the slowest pace really did make long chained holds


# --------------------------------------------------------------------------- the checker


def envelope(ssml: str, *, end: bool = False, reprompt: str | None = "<speak>Say next.</speak>",
             card: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    response: dict[str, Any] = {
        "outputSpeech": {"type": "SSML", "ssml": ssml},
        "card": card if card is not None else {"type": "Simple", "title": "T", "content": "C"},
        "shouldEndSession": end,
    }
    if reprompt is not None:
        response["reprompt"] = {"outputSpeech": {"type": "SSML", "ssml": reprompt}}
    return {"version": "1.0", "response": response}


def test_checker_accepts_a_good_response() -> None:
    good = '<speak>Hi <break time="10s"/> <amazon:effect name="whispered">x</amazon:effect></speak>'
    check_response(envelope(good))
    check_response(envelope("<speak>Bye.</speak>", end=True, reprompt=None))
    check_response({"version": "1.0", "response": {}}, session_ended=True)


@pytest.mark.parametrize(
    ("response", "problem"),
    [
        (envelope('<speak>a<break time="11s"/></speak>'), "longer than 10"),
        (envelope('<speak>a<break time="10500ms"/></speak>'), "longer than 10"),
        (envelope("<speak>" + '<audio src="soundbank://x"/>' * 6 + "</speak>"), "audio"),
        (envelope("<speak>" + "a" * 7990 + "</speak>"), "8000"),
        (envelope("<speak>fish & chips</speak>"), "'&'"),
        (envelope("<speak>a > b</speak>"), "'>'"),
        (envelope("<speak><script>x</script></speak>"), "not an SSML tag"),
        (envelope("<speak><s>unclosed</speak>"), "well-formed"),
        (envelope("Hello"), "<speak>"),
        (envelope("<speak>Hi</speak>", reprompt=None), "no spoken reprompt"),
        (envelope("<speak>Hi</speak>", reprompt="<speak> </speak>"), "no spoken reprompt"),
        (envelope("<speak>Bye</speak>", end=True), "never heard"),
        (envelope("<speak>Hi</speak>", card={}), "card"),
        (envelope("<speak>Hi</speak>", card={"type": "Simple", "title": "T"}), "no content"),
        (envelope("<speak>Hi</speak>", card={"type": "Simple", "content": "C"}), "no title"),
        (envelope("<speak>Hi</speak>", card={**CARD, "content": "a &amp; b"}), "markup"),
        (envelope('<speak><audio src="http://x"/></speak>'), "https"),
    ],
)
def test_checker_rejects_each_broken_rule(response: dict[str, Any], problem: str) -> None:
    with pytest.raises(AlexaRuleError, match=re.escape(problem)):
        check_response(response)


def test_checker_rejects_speech_on_a_session_ended_answer() -> None:
    with pytest.raises(AlexaRuleError, match="must not carry outputSpeech"):
        check_response(envelope("<speak>Hi</speak>"), session_ended=True)


# --------------------------------------------------------------------------- speaking rate


def test_the_speaking_rate_wraps_words_but_never_silences_or_sounds() -> None:
    parts = [Say("Hold it."), Pause(12), Sound(CHIME), Say("And relax.")]
    ssml = speech.to_ssml(parts, rate=0.85)
    assert ssml == (
        '<prosody rate="85%">Hold it.</prosody> <break time="10s"/><break time="2s"/> '
        f'<audio src="{CHIME}"/> <prosody rate="85%">And relax.</prosody>'
    )
    assert not ssml_problems(f"<speak>{ssml}</speak>")
    assert speech.to_ssml(parts) == speech.to_ssml(parts, rate=1.0)
    assert "prosody" not in speech.to_ssml(parts)


def test_the_reprompt_is_said_at_the_same_rate() -> None:
    reply = Reply((Say("Ready?"),), "Say next.", VIEW, rate=1.15)
    assert speech.speech(reply) == '<prosody rate="115%">Ready?</prosody>'
    assert speech.reprompt(reply) == '<prosody rate="115%">Say next.</prosody>'


def test_the_character_limit_counts_the_prosody_tags() -> None:
    many = [Say("word " * 40) for _ in range(60)]
    ssml = f"<speak>{speech.to_ssml(many, rate=0.7)}</speak>"
    assert len(ssml) <= speech.MAX_SPEECH_CHARS and not ssml_problems(ssml)
    assert ssml.count("<prosody") == ssml.count("</prosody>")
