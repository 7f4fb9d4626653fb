"""One design for every language: the same schema and validator, locales that fall back to
their language, CLDR's plurals, lists and times, and nothing left in English."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_dialogs import speaks_no_english

from skill.alexa.builder import build_skill
from skill.alexa.lambda_function import make_handler
from skill.coach.reminder_plans import Listed
from skill.coach.reminders import listed_words, time_words
from skill.content.load import compile_content, default_content, load_content, read_document
from skill.content.records import Content, Language, Plural
from skill.content.validate import ContentError, check_against
from skill.local.nlu import default_model
from skill.local.simulator import Conversation
from skill.settings import Settings

CONTENT = Settings().content_dir
LANGUAGES = ("de", "es")


def _texts(content: Content) -> list[str]:
    """Everything the person hears or reads, but names and single words (labels, cues)."""
    texts = [w for wordings in content.variants.values() for w in wordings]
    texts += [t.purpose for t in content.techniques]
    texts += [s.say for t in content.techniques for s in t.steps]
    texts += [x for t in content.topics for x in (t.title, t.say, t.card)]
    safety = content.safety
    for q in (*safety.questions, safety.compact):
        texts += [q.ask, q.explain, q.on_yes]
    for s in (safety.statement, safety.compact_statement):
        texts += [s.say, s.ask, s.explain, s.on_no]
    texts += [getattr(safety.provider, f) for f in safety.provider._fields]  # the follow-up
    texts += list(safety.named.values())  # what is said when a kind is named
    texts += list(content.labels.values())
    return [t for t in texts if len(t.split()) >= 2]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_is_left_in_english(language: str, content: Content) -> None:
    """No German or Spanish text is the English one, and none is in English at all."""
    english = {" ".join(t.lower().split()) for t in _texts(content)}
    other = default_content(locale=f"{language}-{'DE' if language == 'de' else 'ES'}")
    same = [t for t in _texts(other) if " ".join(t.lower().split()) in english]
    assert not same, same
    words = re.compile(r"\b(the|and|your|you|with|this|that|please|is|of|to|it|say)\b")
    english_words = [t for t in _texts(other) if words.search(t.lower())]
    assert not english_words, english_words


def _with(language: str, key: str, value: Any) -> Content:
    return default_content(locale=language)._replace(
        prompts={**default_content(locale=language).prompts, key: value}
    )


def test_a_german_session_that_speaks_an_english_prompt_fails(content: Content) -> None:
    """The check every German and Spanish dialog runs on every response: left untranslated,
    one prompt is enough to fail it."""
    english_welcome = content.prompts["welcome_new"]
    tampered = _with("de-DE", "welcome_new", english_welcome)
    handler = make_handler(build_skill(Settings(persistence="none"), content=tampered))
    turn = Conversation(handler, default_model("de-DE")).launch()
    assert "Welcome to Knee Coach" in turn.text
    with pytest.raises(AssertionError, match="English in a de-DE response"):
        speaks_no_english(turn, "de-DE", content)
    honest = make_handler(build_skill(Settings(persistence="none")))
    speaks_no_english(Conversation(honest, default_model("de-DE")).launch(), "de-DE", content)


def test_an_english_sentence_without_marker_words_is_still_caught(content: Content) -> None:
    tampered = _with("es-ES", "all_clear", "Thanks, all clear.")
    tampered = tampered._replace(safety=tampered.safety._replace(all_clear="Thanks, all clear."))
    handler = make_handler(build_skill(Settings(persistence="none"), content=tampered))
    person = Conversation(handler, default_model("es-ES"))
    person.launch()
    turns = [person.say("no") for _ in range(5)]
    with pytest.raises(AssertionError, match=r"untranslated in es-ES: 'thanks, all clear\.'"):
        speaks_no_english(turns[-1], "es-ES", content)


# --------------------------------------------------------------------------- locales


def test_a_locale_falls_back_to_its_language_and_differs_only_where_it_must() -> None:
    spain, mexico, us = (default_content(locale=f"es-{c}") for c in ("ES", "MX", "US"))
    assert spain.language.code == mexico.language.code == us.language.code == "es"
    assert mexico.language.locale == "es-MX"
    different = {k for k in spain.prompts if spain.prompts[k] != mexico.prompts[k]}
    # each country's time zones, and Mexico's "no le entendí" for Spain's "no le he entendido"
    assert different == {"reminder_ask_zone", "answers_zone", "fallback"}
    assert mexico.prompt("fallback") == us.prompt("fallback") == "Perdone, no le entendí."
    assert spain.prompt("fallback") == "Perdone, no le he entendido."
    assert "del Pacífico" in mexico.prompt("reminder_ask_zone")
    assert "del Pacífico" in mexico.prompt("answers_zone")
    assert "del este" in us.prompt("answers_zone")
    assert "Canarias" in spain.prompt("reminder_ask_zone")
    assert mexico.techniques == spain.techniques
    assert default_content(locale="en-GB").spellings == {"fiber": "fibre", "aging": "ageing"}


@pytest.mark.parametrize("locale", ["en-NZ", "fr-FR", "it-IT", "xx"])
def test_a_locale_the_skill_does_not_speak_gets_english(locale: str, content: Content) -> None:
    other = default_content(locale=locale)
    assert other.language.code == "en" and other.prompts == content.prompts


def test_a_new_language_is_content_only(tmp_path: Path) -> None:
    """French (say) is a folder of content and its CLDR data: no code. Here German content
    stands in for the French words; make generate would write French CLDR data."""
    directory = tmp_path / "content"
    shutil.copytree(CONTENT, directory)
    shutil.copytree(directory / "de", directory / "fr")
    path = directory / "fr" / "language.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(language="fr", locales=["fr-FR", "fr-CA"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (directory / "fr" / "compiled.json").unlink()
    french = load_content(directory, "fr-CA")
    assert french.language.code == "fr" and french.language.locale == "fr-CA"
    assert french.techniques == default_content(locale="de-DE").techniques
    (directory / "fr" / "compiled.json").write_text(compile_content(directory / "fr"))
    assert load_content(directory, "fr-FR").language.code == "fr"


# --------------------------------------------------------------------------- validation


@pytest.fixture
def broken(tmp_path: Path) -> Callable[[str, Callable[[Any], None]], str]:
    """Copy the content, edit one German or Spanish file, load it: the error message."""

    def edit(file: str, change: Callable[[Any], None]) -> str:
        directory = tmp_path / "content"
        if directory.exists():
            shutil.rmtree(directory)
        shutil.copytree(CONTENT, directory)
        path = directory / file
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        with pytest.raises(ContentError) as caught:
            locale = {"de": "de-DE", "es": "es-ES"}.get(file.split("/")[0], file.split("/")[0])
            document = read_document(directory / locale.split("-")[0])
            check_against(document["content"], read_document(directory / "en")["content"], "x")
        return str(caught.value)

    return edit


def test_a_missing_prompt_in_a_language_is_named(broken: Callable[..., str]) -> None:
    message = broken("de/prompts.yaml", lambda d: d.pop("paused_prompt"))
    assert message.startswith("de/prompts.yaml: paused_prompt: is missing"), message
    message = broken("es/screen.yaml", lambda d: d["labels"].pop("resume"))
    assert "es/screen.yaml: labels.resume: is missing" in message


def test_a_plural_needs_every_form_its_language_uses(broken: Callable[..., str]) -> None:
    message = broken("de/prompts.yaml", lambda d: d["minutes_many"].pop("one"))
    assert "minutes_many.one: is missing: the language says 1 is 'one'" in message
    message = broken("es/prompts.yaml", lambda d: d["routines_many"].update(dual="{count} x"))
    assert "routines_many.dual: is not a CLDR plural category" in message
    message = broken("es/prompts.yaml", lambda d: d["routines_many"].pop("plural"))
    assert "routines_many: a mapping must name its number" in message


def test_a_translation_changes_words_never_what_the_routine_does(
    broken: Callable[..., str],
) -> None:
    def longer(data: Any) -> None:
        data["techniques"][0]["steps"][2]["hold"] = 45

    assert "techniques differ from English" in broken("de/techniques.yaml", longer)
    message = broken("es/prompts.yaml", lambda d: d.update(goodbye="Adiós, {name}."))
    assert "goodbye: uses {name}, which the skill never fills" in message


def test_a_locale_may_replace_prompts_but_only_real_ones(broken: Callable[..., str]) -> None:
    message = broken("es-MX/locale.yaml", lambda d: d["prompts"].update(adios="Adiós."))
    assert "prompts.adios: is not a prompt the skill uses" in message
    message = broken("es-MX/locale.yaml", lambda d: d["prompts"].update(goodbye="Adiós {x}."))
    assert "prompts.goodbye: uses {x}" in message


# --------------------------------------------------------------------------- CLDR


def test_plural_forms_come_from_the_languages_rule() -> None:
    german = default_content(locale="de-DE")
    assert german.prompt("minutes_many", minutes=1) == "etwa 1 Minute"
    assert german.prompt("minutes_many", minutes=21) == "etwa 21 Minuten"
    spanish = default_content(locale="es-US")
    assert spanish.prompt("routines_many", count=1) == "1 rutina"
    assert spanish.prompt("routines_many", count=2) == "2 rutinas"
    slavic = Language(plural_runs=((0, "many"), (1, "one"), (2, "few"), (5, "many"), (21, "one")))
    forms = Plural("n", {"one": "{n} минута", "few": "{n} минуты", "many": "{n} минут"})
    said = [forms.pick(slavic, {"n": n}).format(n=n) for n in (1, 3, 7, 21)]
    assert said == ["1 минута", "3 минуты", "7 минут", "21 минута"]
    exact = Plural("n", {"=1": "about a minute", "one": "{n} minute", "other": "{n} minutes"})
    assert exact.pick(Language(), {"n": 1}) == "about a minute"


def test_times_of_day_are_said_the_languages_way(content: Content) -> None:
    german, spanish = default_content(locale="de-DE"), default_content(locale="es-MX")
    assert time_words(content, (19, 30)) == "7:30 PM"
    assert time_words(german, (19, 30)) == "19:30 Uhr"
    assert time_words(german, (9, 0)) == "9 Uhr"
    assert time_words(german, (0, 0)) == "Mitternacht"
    assert time_words(spanish, (13, 0)) == "la 1 de la tarde"
    assert time_words(spanish, (21, 15)) == "las 9:15 de la noche"
    assert time_words(spanish, (7, 0)) == "las 7 de la mañana"
    assert time_words(spanish, (12, 0)) == "las 12 del mediodía"


def test_lists_are_joined_the_languages_way(content: Content) -> None:
    items = [Listed(True, (9, 0)), Listed(False, (19, 0)), Listed(True, None)]
    english = listed_words(content, items)
    assert english.endswith("every day at 9 AM, just once at 7 PM, and one set in the Alexa app.")
    german = listed_words(default_content(locale="de-DE"), items)
    assert german.endswith("einmalig um 19 Uhr und eine, die in der Alexa-App eingestellt ist.")
    spanish = listed_words(default_content(locale="es-ES"), items[:2])
    assert spanish.endswith("a las 9 de la mañana y solo una vez, a las 7 de la tarde.")


def test_ordinals_are_words_of_the_language_and_then_a_count() -> None:
    """ "Your third routine this week" in words; past the language's ordinal words, a count."""
    from datetime import date

    from skill.coach.encouragement import finish_line
    from skill.coach.habits import Habits

    spanish = default_content(locale="es-ES")
    assert spanish.language.ordinal(3) == "tercera" and spanish.language.ordinal(11) is None
    monday = date(2026, 1, 5).toordinal()
    habits = Habits()
    for _ in range(3):
        habits = habits.after(monday)
    assert finish_line(spanish, habits, monday) == "Es su tercera rutina esta semana."
    for _ in range(9):
        habits = habits.after(monday)
    assert finish_line(spanish, habits, monday) == "Lleva 12 rutinas esta semana."
