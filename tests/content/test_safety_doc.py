"""docs/safety.md's table stays true: the article's sentences, the kinds, the content's keys.

The table is where a reviewer (or a clinician) reads what each of the article's cautions leads
to; content/safety.yaml holds the words. Here each row is checked against both: its sentence
is the article's, its kind is the one the content gives the question that asks about it, and
every key it names exists, so neither can drift from the other unnoticed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skill.content.records import NAMED_KINDS, Content

REPO_ROOT = Path(__file__).resolve().parents[2]
DOC = REPO_ROOT / "docs" / "safety.md"
SEED = Path("/work/shared/seed")
KEY = re.compile(r"`((?:questions|named|provider|statement|compact_statement)\.[a-z_.<>]+)`")


def table(heading: str) -> list[list[str]]:
    """The rows of the markdown table under ``heading``, as lists of cells."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def test_every_row_names_a_kind_and_real_questions(content: Content) -> None:
    rows = table("The table")
    assert len(rows) >= 14
    questions = {q.id: q for q in content.safety.questions}
    for _sentence, caution, kind, asked, _ in rows:
        assert kind in NAMED_KINDS, (caution, kind)
        for name in re.findall(r"`([a-z_]+)`", asked):
            if name in ("compact", "provider"):
                continue
            found = questions[name].kind
            # recent surgery or injury is asked together with the acute signs: both hold off
            assert found == kind or (kind, found) == ("surgery", "acute"), (caution, name)
    assert {row[2] for row in rows} == set(NAMED_KINDS)


def test_every_key_the_doc_names_is_in_the_content(content: Content) -> None:
    safety = content.safety
    text = DOC.read_text(encoding="utf-8")
    for key in KEY.findall(text):
        part, *rest = key.split(".")
        if part == "questions":
            question = next(q for q in safety.questions if q.id == rest[0])
            assert getattr(question, rest[1]), key
        elif part == "named":
            assert rest[0] == "<kind>" or rest[0] in safety.named, key
        else:
            assert getattr(getattr(safety, part), rest[0]), key


def test_the_sentences_are_the_articles() -> None:
    files = sorted(SEED.glob("*.txt"))
    if not files:
        pytest.skip("the source article is not on this machine")
    article = " ".join(" ".join(f.read_text(encoding="utf-8").split()) for f in files)
    article = article.replace("\u2019", "'")
    quoted = [row[0] for row in table("The table") if row[0].startswith('"')]
    assert len(quoted) >= 13
    for sentence in quoted:
        for fragment in sentence.strip('"').split("..."):
            fragment = fragment.strip(" ,.")
            if fragment:
                assert fragment in article, fragment
    unattributed = [row for row in table("The table") if not row[0].startswith('"')]
    assert [row[1] for row in unattributed] == ["recent knee surgery, a knee replacement"]
