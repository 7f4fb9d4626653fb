"""Cards and screens in the locale's spelling (en-GB "fibre", "ageing"); speech unchanged."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from skill.content.records import Content
from skill.local.simulator import Conversation, Turn
from skill.local.walkthrough import pass_safety_check
from skill.voice import spelling

TABLE = Path(__file__).resolve().parents[2] / "content" / spelling.TABLE_FILE
OTHER_LOCALES = ("en-GB", "en-AU", "en-IN", "en-CA")


def test_respelling_keeps_case_and_whole_words() -> None:
    words = {"fiber": "fibre", "aging": "ageing"}
    assert spelling.respell("Cross-Fiber friction; fiber, FIBER.", words) == (
        "Cross-Fibre friction; fibre, FIBRE."
    )
    assert spelling.respell("fiberglass and Aging", words) == "fiberglass and Ageing"
    assert spelling.respell("anything", {}) == "anything"


def test_en_us_reads_no_table(tmp_path: Path) -> None:
    """The voice-only en-US path (most requests) costs nothing: no file is read."""
    from skill.alexa import render

    assert spelling.table(spelling.WRITTEN_IN, tmp_path / "missing") == {}
    assert render.CONTENT_LOCALE == spelling.WRITTEN_IN


def test_every_entry_changes_something_the_skill_shows(content: Content) -> None:
    shown = " ".join(
        [t.name for t in content.techniques]
        + [s.say for t in content.techniques for s in t.steps]
        + [t.title + " " + t.card for t in content.topics]
        + list(content.prompts.values())
    ).lower()
    data: dict[str, Any] = json.loads(TABLE.read_text(encoding="utf-8"))
    assert set(data["locales"]) == set(OTHER_LOCALES)
    for locale, words in data["locales"].items():
        for us in words:
            assert us in shown, f"{locale}: {us!r} appears nowhere; drop it"


def _shown(turn: Turn) -> list[str]:
    texts = [str(turn.card.get("title", "")), str(turn.card.get("content", ""))]
    for directive in turn.directives:
        data = directive.get("datasources", {}).get("coach", {}).get("properties", {})
        texts += [str(data.get("title", "")), str(data.get("text", ""))]
    return texts


def _tour(person: Conversation, content: Content) -> list[Turn]:
    turns = [person.launch()]
    turns += [e.turn for e in pass_safety_check(person)]
    turns.append(person.say("right"))
    turns.append(person.say("go to cross fiber friction"))
    turns.append(person.say("what causes knee pain"))
    turns.append(person.say("stop"))
    return turns


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_cards_and_screens_use_the_locale_spelling_and_speech_stays(
    locale: str, content: Content, conversation: Callable[..., Conversation]
) -> None:
    words = spelling.table(locale)
    local = _tour(conversation(locale=locale, apl=True), content)
    american = _tour(conversation(locale="en-US", apl=True), content)
    changed = 0
    for here, there in zip(local, american, strict=True):
        assert here.spoken == there.spoken, "speech is the same in every locale"
        for text in _shown(here):
            assert spelling.respell(text, words) == text, (locale, text)
        changed += _shown(here) != _shown(there)
    assert changed >= 2, "the cross-fibre screens and the causes card differ"
