"""Cards and screens in the locale's spelling (en-GB "fibre", "ageing"); speech unchanged."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from skill.content.load import default_content
from skill.content.records import Content
from skill.local.simulator import Conversation, Turn
from skill.local.walkthrough import pass_safety_check
from skill.voice import spelling

OTHER_LOCALES = ("en-GB", "en-AU", "en-IN", "en-CA")


def test_respelling_keeps_case_and_whole_words() -> None:
    words = {"fiber": "fibre", "aging": "ageing"}
    assert spelling.respell("Cross-Fiber friction; fiber, FIBER.", words) == (
        "Cross-Fibre friction; fibre, FIBRE."
    )
    assert spelling.respell("fiberglass and Aging", words) == "fiberglass and Ageing"
    assert spelling.respell("anything", {}) == "anything"


def test_en_us_has_no_table(content: Content) -> None:
    """The en-US path (most requests) respells nothing: its content has no spellings."""
    assert content.language.locale == "en-US"
    assert content.spellings == {}
    assert default_content(locale="en-GB").spellings == {"fiber": "fibre", "aging": "ageing"}
    assert default_content(locale="en-CA").spellings == {"fiber": "fibre"}


def test_every_entry_changes_something_the_skill_shows(content: Content) -> None:
    shown = " ".join(
        [t.name for t in content.techniques]
        + [s.say for t in content.techniques for s in t.steps]
        + [t.title + " " + t.card for t in content.topics]
        + list(content.prompts.values())
    ).lower()
    for locale in OTHER_LOCALES:
        for us in default_content(locale=locale).spellings:
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
    words = default_content(locale=locale).spellings
    local = _tour(conversation(locale=locale, apl=True), content)
    american = _tour(conversation(locale="en-US", apl=True), content)
    changed = 0
    for here, there in zip(local, american, strict=True):
        assert here.spoken == there.spoken, "speech is the same in every locale"
        for text in _shown(here):
            assert spelling.respell(text, words) == text, (locale, text)
        changed += _shown(here) != _shown(there)
    assert changed >= 2, "the cross-fibre screens and the causes card differ"
