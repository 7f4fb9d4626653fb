"""Health claims stay honest: benefits hedged, none that contradicts a warning sign, sources named.

The article states benefits as facts ("decreases inflammation", "breaks down scar tissue");
the skill says "may help". And while the safety check tells people with a swollen knee not to
massage today, nothing may promise that massage reduces swelling.
"""

from __future__ import annotations

import re
from pathlib import Path

from skill.content.records import Content

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE_TITLE = "Benefits of Massage For Knee Pain Relief"
BENEFIT = re.compile(
    r"\b(reduc\w*|reliev\w*|relief|improv\w*|eas(?:e|es|ing)|loosen\w*|relax(?:es|ing)|boost\w*"
    r"|decreas\w*|breaks? (?:up|down)|strengthens?|enhanc\w*|lower\w*|speed\w* up|releas\w*)\b",
    re.IGNORECASE,
)
HEDGE = re.compile(r"\b(may|might|could)\b", re.IGNORECASE)
""""Can" is not a hedge: "massage can release endorphins" states it as a fact (issue 21)."""
LESS = re.compile(r"\b(reduc\w*|decreas\w*|eas(?:e|es|ing)|reliev\w*|lower\w*|less)\b", re.I)
WARNING_SIGNS = re.compile(r"\b(swell\w*|swollen|inflam\w*|redness)\b", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|;\s+", text) if s.strip()]


def claims(content: Content) -> list[tuple[str, str]]:
    """(where, sentence) for everything that may state what massage does."""
    found: list[tuple[str, str]] = []
    for topic in content.topics:
        found += [(f"topic {topic.id} say", s) for s in sentences(topic.say)]
        found += [(f"topic {topic.id} card", s) for s in sentences(topic.card)]
    for technique in content.techniques:
        found += [(f"{technique.id} purpose", s) for s in sentences(technique.purpose)]
    found += [("prompt closing", s) for s in sentences(content.prompt("closing"))]
    return found


def test_every_benefit_is_hedged(content: Content) -> None:
    unhedged = [
        f"{where}: {sentence}"
        for where, sentence in claims(content)
        if BENEFIT.search(sentence) and not HEDGE.search(sentence)
    ]
    assert not unhedged, "\n".join(unhedged)


def test_no_benefit_contradicts_a_warning_sign(content: Content) -> None:
    promised = [
        f"{where}: {sentence}"
        for where, sentence in claims(content)
        if WARNING_SIGNS.search(sentence) and LESS.search(sentence)
    ]
    assert not promised, "\n".join(promised)


def test_the_checks_catch_what_the_article_says_as_fact() -> None:
    assert BENEFIT.search("It reduces inflammation, swelling, and pain.")
    assert not HEDGE.search("It reduces inflammation, swelling, and pain.")
    assert WARNING_SIGNS.search("Massage decreases inflammation") and LESS.search("decreases")
    assert sentences("One. Two: three; four") == ["One.", "Two: three", "four"]


def test_topics_and_techniques_never_speak_of_the_article(content: Content) -> None:
    spoken = [t.say for t in content.topics] + [t.purpose for t in content.techniques]
    spoken += list(content.prompts.values())
    assert not [text for text in spoken if "the article" in text.lower()]


def test_the_source_is_named_where_people_read_about_the_skill() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert f'"{SOURCE_TITLE}"' in readme or f"*{SOURCE_TITLE}*" in readme
