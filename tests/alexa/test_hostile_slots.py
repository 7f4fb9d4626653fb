"""Issue 23: slot text that no device would send still gives well-formed speech, card and screen.

A slot value is whatever the request says it is. Control characters, NUL, U+FFFE/U+FFFF and
lone surrogates cannot appear in XML, so SSML holding them is malformed; a 20,000-character
value once filled the speech past Alexa's limit (leaving ``<speak></speak>``); markup went raw
into the card and the screen's text. Values are cleaned where they enter
(``skill.alexa.request_events.clean_slot``); these tests go through the whole handler.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from skill.local.envelopes import Session

HOSTILE = {
    "controls": "moon\x00walk\x07\x1b[31m",
    "noncharacters": "moon\ufffe walk\uffff",
    "lone surrogates": "moon \ud800walk\udfff",
    "markup": "<b>moon</b> & <walk/> ]]> &amp;",
    "ssml": '<audio src="https://example.com/x.mp3"/><break time="60s"/>',
    "long": "moon walk " * 2000,
    "one long word": "x" * 20_000,
}
MAX_ECHO = 40
"""The most of a person's words a reply says back."""
XML_CHAR = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
"""Every character XML 1.0 can carry (its ``Char`` production)."""


def go_to(handler: Any, value: str, *, apl: bool = False, resolved_id: str | None = None) -> Any:
    """Launch, then "go to <value>", through the Lambda handler, as a JSON round trip."""
    session = Session(apl=apl)
    session.absorb(handler(session.launch(), None))
    slot: dict[str, Any] = {"name": "technique", "value": value}
    if resolved_id is not None:
        slot["resolutions"] = {
            "resolutionsPerAuthority": [
                {
                    "authority": "amzn1.er-authority.echo-sdk.x.TECHNIQUE",
                    "status": {"code": "ER_SUCCESS_MATCH"},
                    "values": [{"value": {"name": value, "id": resolved_id}}],
                }
            ]
        }
    envelope = session.intent("GoToTechniqueIntent", {"technique": slot})
    response = handler(json.loads(json.dumps(envelope)), None)
    json.dumps(response, allow_nan=False)  # strict JSON, as Alexa needs it
    return response["response"]


def echoed(text: str) -> str:
    """What the reply said back of the person's words."""
    found = re.search(r"I don't know a technique called (.*?)\. The techniques", text)
    assert found, text
    return found.group(1)


def shown_texts(response: dict[str, Any]) -> list[str]:
    card = response.get("card") or {}
    texts = [str(card.get("content") or card.get("text") or "")]
    for directive in response.get("directives", []):
        properties = directive.get("datasources", {}).get("coach", {}).get("properties", {})
        if "text" in properties:
            texts.append(str(properties["text"]))
    return texts


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_slot_text_gives_well_formed_speech_card_and_screen(
    handler: Any, case: str
) -> None:
    response = go_to(handler, HOSTILE[case], apl=True)
    ssml = response["outputSpeech"]["ssml"]
    ET.fromstring(ssml)  # well-formed XML
    assert XML_CHAR.fullmatch(ssml), repr(ssml)
    assert "<audio" not in ssml and "<break" not in ssml
    said = re.sub(r"<[^>]+>", "", ssml)
    assert len(echoed(said)) <= MAX_ECHO
    assert "Outside Thigh Glide" in said and "osteoporosis" in said  # the reply is all there
    texts = shown_texts(response)
    assert len(texts) == 2, "the card and the screen's text"
    for text in texts:
        assert XML_CHAR.fullmatch(text), repr(text)
        assert not set("<>&") & set(echoed(text)), text
        assert len(echoed(text)) <= MAX_ECHO


def test_a_resolution_id_that_is_not_an_id_is_not_used(handler: Any) -> None:
    """Entity resolution's id comes from the request too: one no model has is ignored."""
    response = go_to(handler, "moon walk", resolved_id="<b>\x00" + "y" * 5000)
    said = re.sub(r"<[^>]+>", "", response["outputSpeech"]["ssml"])
    assert echoed(said) == "moon walk"
    resolved = go_to(handler, "friction", resolved_id="knee_friction")
    assert "don't know a technique" not in resolved["outputSpeech"]["ssml"]  # it was used


def test_clean_slot_keeps_names_and_times() -> None:
    from skill.alexa.request_events import MAX_SLOT_CHARS, clean_slot

    assert MAX_SLOT_CHARS == MAX_ECHO
    assert clean_slot("Cross-Fiber Friction") == "Cross-Fiber Friction"
    assert clean_slot("9:30") == "9:30"
    assert clean_slot("o'clock") == "o'clock"
    assert clean_slot("  moon\x00\x00walk ") == "moon walk"
    assert clean_slot("\ud800\ufffe<>&") == ""
    assert clean_slot(None) == ""
    assert clean_slot("word " * 100) == " ".join(["word"] * 8)
