"""Content: faithful to the source article, and validated with messages that name the spot.

Fidelity is checked against the article itself (``/work/shared/seed`` when present, else the
facts below, which were copied from it): every technique in its order, every condition and
warning sign, the causes, benefits and FAQs, and no advertising of the product it mentions.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.content.load import load_content
from skill.content.records import Content
from skill.content.validate import ContentError
from skill.settings import Settings
from skill.voice.timing import WORDS_PER_SECOND

SEED = Path("/work/shared/seed")
TECHNIQUES = [
    "Outside Thigh Glide",
    "Thigh Tapping to Anterior Thigh",
    "Front Thigh Glide",
    "Inner Thigh Glide",
    "Knee Friction",
    "Cross-Fiber Friction Massage",
]
"""The article's six techniques, in the article's order, spelled as it spells them."""
CONDITIONS = {
    "osteoporosis": ["fracture"],
    "varicose veins": ["swelling"],
    "high blood pressure": ["blood pressure"],
}
"""The three conditions where the article says to avoid massage, and the risk it gives."""
WARNING_SIGNS = {
    "persistent knee pain": [
        "persistent",
        "keeps going",
        "that won't go away",
        "lasting",
        "ongoing",
    ],
    "swelling": ["swelling", "swollen"],
    "redness": ["redness", "swollen or red"],
    "severe pain that doesn't go away": ["severe pain", "severe knee pain"],
    "inability to put weight on the knee": [
        "can't put weight",
        "cannot put weight",
        "trouble putting weight",
        "not being able to put weight",
        "can't take your weight",
    ],
    "locking of the knee joint": ["lock"],
    "popping or clicking sounds": ["popping or clicking", "pops or clicks", "popping and clicking"],
    "fever and chills": ["fever and chills", "fever or chills"],
}
"""The article's signs to see a healthcare provider → ways the content may say each one."""
CAUSES = ["injury or repeated stress", "cartilage", "wear and tear", "osteoarthritis"]
OA_RISK_FACTORS = ["aging", "obesity", "genetics", "previous injuries"]
BENEFITS = ["circulation", "pain relief", "flexibility", "athletic performance", "stress relief"]
FAQS = {
    "Will massaging my knee make the pain go away?": ["not a replacement"],
    "Can knee pain be cured permanently?": ["depends on the", "osteoarthritis", "surgery"],
    "How can I improve the life of my knees?": ["stretching", "strengthening", "shoes"],
}
ADVERTISING = re.compile(
    r"\b(products?|brand|buy|purchase|discount|coupon|shop|order now|sponsored|affiliate)\b|"
    r"https?://|www\.|[®™]",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def article() -> str:
    files = sorted(SEED.glob("*.txt"))
    if not files:
        pytest.skip("the source article is not on this machine")
    return "\n".join(f.read_text(encoding="utf-8") for f in files).replace("\u2019", "'")


def all_text(content: Content) -> Iterator[str]:
    """Every string the skill can speak or show."""
    for technique in content.techniques:
        yield from (technique.name, technique.purpose, *technique.synonyms)
        yield from (step.say for step in technique.steps)
    for routine in content.routines:
        yield from (routine.name, routine.summary, *routine.synonyms)
    safety = content.safety
    yield from (safety.intro, safety.all_clear)
    for q in (*safety.questions, safety.compact):
        yield from (q.ask, q.explain, q.on_yes)
    yield from safety.provider._asdict().values()
    yield from safety.named.values()
    for said in (safety.statement, safety.compact_statement):
        yield from (said.say, said.ask, said.explain, said.on_no)
    for topic in content.topics:
        yield from (topic.title, topic.say, topic.card)
    yield from (wording for wordings in content.variants.values() for wording in wordings)
    yield from (phrase for _, phrase in content.suggestions)


def topic(content: Content, topic_id: str) -> str:
    found = next(t for t in content.topics if t.id == topic_id)
    return f"{found.title} {found.say} {found.card}".lower()


# --------------------------------------------------------------------------- fidelity


def test_content_loads_from_the_configured_directory(content: Content) -> None:
    assert load_content(Settings().content_dir) == content


def test_the_facts_here_are_the_articles(article: str) -> None:
    """The lists this module checks against were copied from the article; keep them honest."""
    positions = [article.index(f"\n{name}\n") for name in TECHNIQUES]
    assert positions == sorted(positions), "the article's order differs from ours"
    text = article.lower()
    for words in (CONDITIONS, CAUSES, OA_RISK_FACTORS, BENEFITS):
        assert all(word in text for word in words), words
    assert all(sign.split()[0] in text for sign in WARNING_SIGNS)
    assert all(question[:22] in article for question in FAQS)
    assert "give your knees the relief they deserve" in article
    assert "recommended product" in text  # what the skill must never repeat


def test_six_techniques_in_the_articles_order_with_its_names(content: Content) -> None:
    """The article's names, shortened where the rest is jargon read aloud ("Thigh Tapping",
    not "Thigh Tapping to Anterior Thigh"); the article's full name still finds it."""
    for technique, name in zip(content.techniques, TECHNIQUES, strict=True):
        assert name.startswith(technique.name), (technique.name, name)
        spoken = {s.replace("-", " ") for s in (technique.name.lower(), *technique.synonyms)}
        assert name.lower().replace("-", " ") in spoken, name
    assert "Thigh Tapping" in [t.name for t in content.techniques]


def test_each_technique_has_its_purpose_and_three_to_six_steps(content: Content) -> None:
    for technique in content.techniques:
        assert technique.purpose.endswith(".") and len(technique.purpose.split(".")) == 2
        assert 3 <= len(technique.steps) <= 6
        assert any(step.hold > 0 for step in technique.steps), technique.id


def test_the_full_routine_is_all_six_in_order(content: Content) -> None:
    full = content.routine("full")
    assert [item.technique for item in full.items] == list(content.techniques)
    assert len(full.items) == len(TECHNIQUES)


def test_the_three_conditions_with_the_articles_reasons(content: Content) -> None:
    conditions = [q for q in content.safety.questions if q.kind == "condition"]
    assert len(conditions) == 3
    for (name, reasons), question in zip(CONDITIONS.items(), conditions, strict=True):
        assert name in question.ask.lower() or name in question.explain.lower()
        assert all(reason in question.on_yes.lower() for reason in reasons), question.id
        assert "doctor" in question.on_yes.lower()
    compact = content.safety.compact.ask.lower()
    assert all(name in compact for name in CONDITIONS)


def _says_sign(text: str, phrasings: list[str]) -> bool:
    return any(phrase in text.lower() for phrase in phrasings)


def test_every_warning_sign_is_asked(content: Content) -> None:
    """The questions ask about every sign; the short forms say every one when asked "what
    does that mean" (their question is short on purpose); the statements list says them all."""
    safety = content.safety
    warnings = " ".join(q.ask for q in safety.questions if q.kind in ("acute", "lasting"))
    compact = f"{safety.compact.ask} {safety.compact.explain}"
    for sign, phrasings in WARNING_SIGNS.items():
        assert _says_sign(warnings, phrasings), f"safety check never asks about {sign}"
        assert _says_sign(compact, phrasings), f"compact check: {sign}"
        assert _says_sign(safety.statement.say, phrasings), f"statements: {sign}"
        assert _says_sign(safety.compact_statement.explain, phrasings), f"short list: {sign}"
    for name in CONDITIONS:
        assert name in safety.statement.say and name in safety.compact_statement.say
    for question in content.safety.questions:
        if question.kind == "acute":
            assert "healthcare provider" in question.on_yes.lower()


ACUTE_SIGNS = ("swelling", "redness", "lock", "severe pain", "weight", "fever and chills")
"""The article's signs to seek medical attention that hold off today (docs/safety.md)."""


def test_each_kind_of_caution_leads_where_docs_safety_says(content: Content) -> None:
    """Conditions: ask the doctor. Acute signs: get the knee checked, and the emergency line.
    Recent surgery or injury: ask the surgeon or physical therapist (plain caution, never
    the article's).
    Lasting pain or clicking: one more question, then gently, or only if they still want to."""
    safety = content.safety
    kinds = [q.kind for q in safety.questions]
    assert kinds == ["condition"] * 3 + ["acute", "lasting"]
    acute = next(q for q in safety.questions if q.kind == "acute")
    assert all(sign in acute.ask.lower() for sign in ACUTE_SIGNS)
    assert "surgery" in acute.ask and "injury" in acute.ask
    assert "knee replacement" in acute.explain
    for text in (acute.on_yes, safety.named["acute"]):
        assert "healthcare provider" in text and "emergency number" in text
    for text in (acute.on_yes, safety.named["surgery"]):
        assert "surgeon or physical therapist" in text
    assert "doctor" in safety.named["condition"]
    lasting = next(q for q in safety.questions if q.kind == "lasting")
    assert "arthritis" in lasting.ask and lasting.on_yes == ""
    follow_up = safety.provider
    assert "healthcare provider" in follow_up.ask and follow_up.ask.endswith("?")
    for text in (follow_up.on_yes, follow_up.on_go, follow_up.noted, safety.named["lasting"]):
        assert "gent" in text and "stop if anything hurts" in text.lower(), text
    for text in (follow_up.on_no, follow_up.on_stop, safety.named["lasting"]):
        assert "checked" in text, text
    assert "right for your knee" in follow_up.on_no  # "appropriate for your condition"
    assert follow_up.choice.endswith("?") and "gentle" in follow_up.choice
    said = [*safety.named.values(), *follow_up._asdict().values()]
    assert not [text for text in said if "article" in text.lower()]
    assert not [text for text in said if "emergency" in text and text != safety.named["acute"]]


def test_safety_check_is_well_under_a_minute(content: Content) -> None:
    words = sum(len(q.ask.split()) for q in content.safety.questions)
    assert words / WORDS_PER_SECOND + 2 * len(content.safety.questions) < 45


def test_when_to_see_a_provider_lists_every_warning_sign(content: Content) -> None:
    text = topic(content, "see_a_provider")
    for sign, phrasings in WARNING_SIGNS.items():
        assert _says_sign(text, phrasings), sign


def test_the_four_causes_and_osteoarthritis_risk_factors(content: Content) -> None:
    found = next(t for t in content.topics if t.id == "causes")
    for text in (found.say.lower(), found.card.lower()):
        assert all(cause in text for cause in CAUSES)
        assert all(factor in text for factor in OA_RISK_FACTORS)


def test_the_five_benefits(content: Content) -> None:
    found = next(t for t in content.topics if t.id == "benefits")
    for text in (found.say.lower(), found.card.lower()):
        assert all(benefit in text for benefit in BENEFITS), text
    assert "five" in found.say.lower()


def test_the_three_faqs(content: Content) -> None:
    titles = {t.title: t for t in content.topics}
    for question, phrases in FAQS.items():
        found = titles[question]
        assert all(p in f"{found.say} {found.card}".lower() for p in phrases), question


def test_when_not_to_massage_and_can_massage_help(content: Content) -> None:
    avoid = topic(content, "when_not_to_massage")
    assert all(name in avoid for name in CONDITIONS)
    assert all(reason in avoid for reasons in CONDITIONS.values() for reason in reasons)
    helps = topic(content, "can_massage_help")
    assert all(w in helps for w in ("inflammation", "circulation", "scar tissue", "doctor"))


def test_disclaimer_and_closing_line(content: Content) -> None:
    """Launch says it all once, briefly; returning people hear the two things that matter
    most mid-massage; "read the disclaimer" gives the whole of it."""
    full = content.prompts["disclaimer_full"].lower()
    new = content.prompts["disclaimer_new"].lower()
    short = content.prompts["disclaimer_short"].lower()
    for text in (full, new):
        assert "medical advice" in text and "emergency number" in text
        assert "stop" in text and "hurts" in text
    assert "not medical advice" in short and "stop if anything hurts" in short
    assert "healthcare provider" in full
    # The emergency line is the disclaimer's, and the acute signs' (where one may be the
    # reason), never a condition's "hold off" reply.
    safety = content.safety
    conditions = [q.on_yes for q in safety.questions if q.kind == "condition"]
    assert not any("emergency" in text.lower() for text in conditions)
    acute = [q.on_yes for q in safety.questions if q.kind == "acute"]
    acute += [safety.compact.on_yes, safety.statement.on_no, safety.compact_statement.on_no]
    assert all("emergency number" in text for text in acute)
    # The article's last line, kept as a hope, not a promise (issue 21).
    last = content.prompts["closing"].rsplit(". ", 1)[-1].lower()
    assert last.startswith("with the right care") and " may " in last, last
    assert "deserve" not in last


def test_the_product_the_article_mentions_is_never_named(content: Content) -> None:
    for text in all_text(content):
        assert not ADVERTISING.search(text), f"advertising in content: {text!r}"
        assert "recommended" not in text.lower(), text


# --------------------------------------------------------------------------- routines


def test_no_length_is_written_into_the_content(content: Content) -> None:
    """How long a routine takes is computed from its steps and holds, never typed in
    (tests/test_speech_budget.py checks every announced length against the real one)."""
    for routine in content.routines:
        assert "minute" not in routine.summary, routine.summary
    assert all("{minutes}" in content.prompts[k] for k in ("welcome_new", "routine_intro"))


def test_routine_holds_sum_to_the_routines_seconds(content: Content) -> None:
    for routine in content.routines:
        for item in routine.items:
            holds = item.holds()
            assert sum(holds) == item.seconds
            assert all(h > 0 for h, s in zip(holds, item.technique.steps, strict=True) if s.hold)


# --------------------------------------------------------------------------- validation


@pytest.fixture
def broken(tmp_path: Path) -> Callable[[str, Callable[[Any], None]], str]:
    """Copy the content, apply one edit to one file, load it, and return the error message."""

    def edit(file: str, change: Callable[[Any], None]) -> str:
        directory = Path(tempfile.mkdtemp(dir=tmp_path)) / "content"
        shutil.copytree(Settings().content_dir, directory)
        path = directory / "en" / file
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        with pytest.raises(ContentError) as caught:
            load_content(directory)
        return str(caught.value)

    return edit


def _technique(data: Any, technique_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(t for t in data["techniques"] if t["id"] == technique_id)
    return found


def test_a_missing_field_names_file_and_field(broken: Callable[..., str]) -> None:
    message = broken("techniques.yaml", lambda d: _technique(d, "knee_friction").pop("purpose"))
    assert message.startswith("en/techniques.yaml: ")
    assert "knee_friction.purpose" in message and "missing" in message


def test_a_missing_step_text_names_the_step(broken: Callable[..., str]) -> None:
    message = broken(
        "techniques.yaml", lambda d: _technique(d, "inner_thigh_glide")["steps"][2].pop("say")
    )
    assert "techniques.yaml" in message and "inner_thigh_glide.steps[2].say" in message


def test_an_unknown_technique_in_a_routine(broken: Callable[..., str]) -> None:
    def change(data: Any) -> None:
        data["routines"][1]["techniques"][0]["technique"] = "moonwalk"

    message = broken("routines.yaml", change)
    assert "routines.yaml" in message and "quick.techniques[0].technique" in message
    assert "moonwalk" in message


@pytest.mark.parametrize("value", [-5, "thirty", True, None, [30]])
def test_a_hold_that_is_not_a_positive_number(value: Any, broken: Callable[..., str]) -> None:
    def change(data: Any) -> None:
        _technique(data, "knee_friction")["steps"][2]["hold"] = value

    message = broken("techniques.yaml", change)
    assert "techniques.yaml" in message and "knee_friction.steps[2].hold" in message
    assert "positive number of seconds" in message


@pytest.mark.parametrize("value", [0, -60, "sixty", None])
def test_routine_seconds_that_are_not_a_positive_number(
    value: Any, broken: Callable[..., str]
) -> None:
    def change(data: Any) -> None:
        data["routines"][0]["techniques"][4]["seconds"] = value

    message = broken("routines.yaml", change)
    assert "full.techniques[4].seconds" in message and "positive number" in message


@pytest.mark.parametrize("bad", ["Knees < hips", "Rest & relax", "Say <break time='60s'/>"])
def test_ssml_breaking_text_in_a_step(bad: str, broken: Callable[..., str]) -> None:
    def change(data: Any) -> None:
        _technique(data, "front_thigh_glide")["steps"][0]["say"] = bad

    message = broken("techniques.yaml", change)
    assert "front_thigh_glide.steps[0].say" in message and "speech markup" in message


def test_ssml_breaking_text_in_a_topic_card_and_a_prompt(broken: Callable[..., str]) -> None:
    def card(data: Any) -> None:
        data["topics"][2]["card"] = "Circulation & pain relief"

    message = broken("topics.yaml", card)
    assert "topics.yaml" in message and "benefits.card" in message

    def prompt(data: Any) -> None:
        data["goodbye"] = "Bye <3"

    assert "prompts.yaml: goodbye" in broken("prompts.yaml", prompt)


def test_a_safety_question_without_its_reason(broken: Callable[..., str]) -> None:
    message = broken("safety.yaml", lambda d: d["questions"][1].pop("on_yes"))
    assert "safety.yaml" in message and "questions[1].on_yes" in message


def test_a_lasting_question_asks_one_more_thing_instead_of_holding_off(
    broken: Callable[..., str],
) -> None:
    message = broken("safety.yaml", lambda d: d["questions"][4].update(on_yes="Not today."))
    assert "questions[4].on_yes" in message and "provider" in message
    message = broken("safety.yaml", lambda d: d["questions"][0].update(kind="warning"))
    assert "questions[0].kind" in message and "condition, acute, lasting" in message


def test_the_follow_up_and_the_named_kinds_are_checked(broken: Callable[..., str]) -> None:
    message = broken("safety.yaml", lambda d: d["provider"].pop("on_go"))
    assert "safety.yaml: provider.on_go" in message and "missing" in message
    message = broken("safety.yaml", lambda d: d["named"].update(arthritis="Go gently."))
    assert "named.arthritis" in message and "condition, surgery, acute, lasting" in message
    message = broken("safety.yaml", lambda d: d["named"].pop("surgery"))
    assert "named.surgery" in message


def test_an_unknown_safety_style_or_a_missing_statement(broken: Callable[..., str]) -> None:
    message = broken("safety.yaml", lambda d: d.update(style="quiz"))
    assert "safety.yaml: style:" in message and "questions, statements" in message
    message = broken("safety.yaml", lambda d: d["statement"].pop("on_no"))
    assert "statement.on_no" in message


def test_prompt_wordings_must_agree_on_their_placeholders(broken: Callable[..., str]) -> None:
    def change(data: Any) -> None:
        data["next_step"] = ["Say next for step {number}.", "Say next when you're ready."]

    assert "prompts.yaml: next_step: every wording" in broken("prompts.yaml", change)


def test_suggestions_name_real_topics(broken: Callable[..., str]) -> None:
    def weather(data: Any) -> None:
        data["suggestions"].append({"topic": "weather", "say": "about the weather"})

    message = broken("prompts.yaml", weather)
    assert "suggestions[3].topic" in message and "not a topic" in message
    message = broken("prompts.yaml", lambda d: d.update(suggestions=d["suggestions"][:2]))
    assert "suggestions" in message and "at least three" in message


def test_frequent_cues_have_several_wordings_chosen_by_position(content: Content) -> None:
    for key in ("hold_start", "hold_ten", "hold_end", "next_step", "step_label"):
        wordings = content.variants[key]
        assert len(wordings) >= 2, key
        said = [
            content.variant(key, n, seconds=30, part="the second part")
            for n in range(len(wordings) * 2)
        ]
        assert said[: len(wordings)] == said[len(wordings) :]  # the same place, the same words
        assert len(set(said)) == len(wordings)


def test_step_wording_is_plain_and_keeps_its_promise(content: Content) -> None:
    """No jargon or "the article" read aloud; gentle means no "firm"; cross-fiber's rub is
    across the spot and back, not "in one direction, back and forth"."""
    spoken = [
        text.lower()
        for t in content.techniques
        for text in (t.name, t.purpose, *(step.say for step in t.steps))
    ]
    spoken += [q.ask.lower() for q in content.safety.questions]
    for text in spoken:
        assert "the article" not in text and "anterior" not in text, text
        assert "firm" not in text, text
        assert "in one direction" not in text, text
    safety = content.safety
    said = [safety.compact.explain, safety.statement.explain, safety.compact_statement.explain]
    assert not any("the article" in text.lower() for text in said)


def test_every_movement_of_a_technique_has_a_name_for_its_place(content: Content) -> None:
    """Parts are named by their place ("the second part"), one wording per movement, never
    cycling back to "the start": a later movement is never called the first."""
    most = max(sum(1 for step in t.steps if step.hold) for t in content.techniques)
    assert len(content.variants["parts"]) >= most
    assert len(set(content.variants["parts"])) == len(content.variants["parts"])


def test_a_missing_content_file(tmp_path: Path) -> None:
    directory = tmp_path / "content"
    shutil.copytree(Settings().content_dir, directory)
    (directory / "en" / "topics.yaml").unlink()
    with pytest.raises(ContentError, match=r"topics\.yaml"):
        load_content(directory)


def test_content_ids_are_usable_as_slot_ids(content: Content) -> None:
    ids = [i.id for i in content.techniques] + [i.id for i in content.routines]
    for item_id in ids + [t.id for t in content.topics]:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", item_id), item_id
