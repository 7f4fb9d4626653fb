"""The speech budgets in German and Spanish: the same limits as English, in each language's time.

German and Spanish take their own words per minute (``content/<language>/language.yaml``), so
the seconds counted here are that language's, and the lengths the skill announces ("etwa
13 Minuten für ein Knie", "unos 12 minutos por rodilla") are measured against the routine as it
really runs in that language, on the simulated clock, as ``tests/test_speech_budget.py`` does
for English:

- a new user hears at most 60 s of speech before the first timed hold, a returning one 25 s;
- over one full routine no sentence is said more than 6 times;
- every announced length is within 20 % of what the routine then takes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import _model_builder
from test_speech_budget import (
    LENGTH_TOLERANCE,
    MAX_SAME_SENTENCE,
    MAX_TURNS,
    NEW_USER_BUDGET_S,
    RETURNING_USER_BUDGET_S,
    first_step_index,
    seconds_to_first_hold,
    sentences,
    turn_seconds,
)

from skill.alexa.builder import build_skill
from skill.alexa.intents import SIDE_TYPE
from skill.alexa.lambda_function import make_handler
from skill.content.load import default_content
from skill.content.records import Content
from skill.local.nlu import InteractionModel, default_model
from skill.local.simulator import Conversation, SimulatedClock, Turn
from skill.settings import Settings
from skill.store.factory import make_persistence_adapter

LOCALES = ("de-DE", "es-ES", "es-MX", "es-US")


class Way:
    """How a person talks to the skill in a locale: typed the way its model hears them."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        model = default_model(locale)
        typing = model.typing
        self.open = f"{typing.open} {model.invocation_name}"
        self.no, self.yes = typing.no, typing.yes
        self.right = model.value_name(SIDE_TYPE, "right")
        self.left = model.value_name(SIDE_TYPE, "left")
        self.both = model.value_name(SIDE_TYPE, "both")
        self.content = default_content(locale=locale)
        self.next = self.content.labels["next"].lower()
        self.quick = self.content.routine("quick").name.lower()
        prompts = self.content.prompts
        self.offers = (prompts["offer_reprompt"].split("{")[0], prompts["offer_reprompt_any_time"])
        """How the reminder offer's reprompt begins, with or without a known time zone."""

    def durations(self, text: str) -> list[float]:
        """Every duration the text announces, in minutes, by the language's own wordings."""
        p = self.content
        found = [0.5] * text.count(p.prompt("minutes_under_one"))
        found += [1.0] * text.count(p.prompt("minutes_one"))
        forms = p.plurals.get("minutes_many")
        wordings = list(forms[0].forms.values()) if forms else [p.prompts["minutes_many"]]
        patterns = [re.escape(w).replace(r"\{minutes\}", r"(\d+)") + r"\b" for w in wordings]
        for number in re.findall("|".join(patterns), text, flags=re.IGNORECASE):
            found.append(float(next(n for n in number if n)) if isinstance(number, tuple) else 0)
        return found


def routine(person: Conversation, way: Way, side: str, quick: bool = False) -> list[Turn]:
    """A new user through the check to the end of the routine, saying next at once."""
    turns = [person.say(way.open)]
    turns += [person.say(way.no) for _ in range(5)]
    if quick:
        turns.append(person.say(way.quick))
    turns.append(person.say(side))
    for _ in range(MAX_TURNS):
        if not turns[-1].open or any(offer in turns[-1].reprompt for offer in way.offers):
            return turns
        turns.append(person.say(way.next))
    raise AssertionError("the routine did not end")


def routine_seconds(turns: list[Turn]) -> float:
    return sum(turn_seconds(t) for t in turns[first_step_index(turns) :])


def within(minutes: float, measured_s: float) -> bool:
    return abs(minutes * 60 - measured_s) <= LENGTH_TOLERANCE * measured_s


@pytest.mark.parametrize("locale", LOCALES)
def test_a_new_user_hears_at_most_a_minute_before_the_first_hold(
    locale: str, conversation: Callable[..., Conversation]
) -> None:
    way = Way(locale)
    lines = [way.open, *[way.no] * 5, way.right]
    seconds, turns = seconds_to_first_hold(conversation(locale=locale), lines)
    print(f"\n{locale} new user: {seconds:.1f} s of speech to the first hold")
    assert seconds <= NEW_USER_BUDGET_S, "\n".join(t.text for t in turns)
    assert turns[-1].wps == default_content(locale=locale).language.words_per_second


@pytest.mark.parametrize("locale", LOCALES)
def test_a_returning_user_hears_at_most_25_seconds_before_the_first_hold(
    locale: str, tmp_path: Path
) -> None:
    way = Way(locale)
    settings = Settings(persistence="sqlite", sqlite_path=tmp_path / "progress.db")
    handler = make_handler(build_skill(settings, make_persistence_adapter(settings)))
    clock = SimulatedClock()
    first = Conversation(handler, default_model(locale), clock)
    for line in [way.open, *[way.no] * 5, way.right, way.next, way.next]:
        first.say(line)
    first.say(way.content.labels["pause"].lower())
    first.end_session()
    first.wait(24 * 3600)
    again = Conversation(handler, default_model(locale), clock)
    seconds, turns = seconds_to_first_hold(again, [way.open, way.no])
    print(f"\n{locale} returning user: {seconds:.1f} s of speech to the first hold")
    assert way.content.prompt("hello_back") in turns[0].text, turns[0].text
    assert seconds <= RETURNING_USER_BUDGET_S, "\n".join(t.text for t in turns)


@pytest.mark.parametrize("locale", LOCALES)
def test_no_sentence_is_said_more_than_six_times_in_a_routine(
    locale: str, conversation: Callable[..., Conversation]
) -> None:
    way = Way(locale)
    counted = sentences(routine(conversation(locale=locale), way, way.both))
    over = [(s, n) for s, n in counted.items() if n > MAX_SAME_SENTENCE]
    assert not over, f"said more than {MAX_SAME_SENTENCE} times: {over}"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("quick", [False, True], ids=["full", "quick"])
def test_every_announced_length_is_within_a_fifth_of_the_real_one(
    locale: str, quick: bool, conversation: Callable[..., Conversation], content: Content
) -> None:
    """The launch's length for one knee, and the quick routine's when it is asked for, against
    the routine as it runs in the language (its own words per minute)."""
    way = Way(locale)
    turns = routine(conversation(locale=locale), way, way.right, quick)
    measured = routine_seconds(turns)
    first = first_step_index(turns)
    said = [m for t in turns[: first + 1] for m in way.durations(t.text)]
    print(f"\n{locale} {'quick' if quick else 'full'}: announced {said}, ran {measured / 60:.1f}")
    assert said, "no length was announced before the routine started"
    assert within(said[-1], measured), f"announced {said[-1]} min, took {measured / 60:.1f}"
    english = routine_seconds(routine_in_english(conversation, quick))
    assert measured != english, "the language's own speed counts, not English's"


def routine_in_english(conversation: Callable[..., Conversation], quick: bool) -> list[Turn]:
    person = conversation(locale="en-US")
    turns = [person.say("open knee coach"), *(person.say("no") for _ in range(5))]
    if quick:
        turns.append(person.say("quick"))
    turns.append(person.say("right"))
    while turns[-1].open and "remind you" not in turns[-1].text:
        turns.append(person.say("next"))
    return turns


# --------------------------------------------------------------------------- Spanish, both styles

SPANISH = ("es-ES", "es-MX", "es-US")
"""Spanish carries the safety check and the coaching words of issues 20 and 21 (German joins
these tests when its phase 2 lands): the budgets hold in both styles and for every greeting,
as tests/test_speech_budget.py holds them in English."""
STYLES = ("questions", "statements")


def spoken_by(locale: str, style: str, settings: Settings) -> tuple[Any, InteractionModel]:
    """A skill answering in the locale's language and safety style, and that style's model."""
    if style == "questions":
        handler = make_handler(build_skill(settings, make_persistence_adapter(settings)))
        return handler, default_model(locale)
    said = default_content(locale=locale)
    said = said._replace(safety=said.safety._replace(style=style))
    builder = _model_builder()
    source = builder.ROOT / "models" / f"utterances.{locale.split('-')[0]}.yaml"
    model = InteractionModel(locale, builder.build_language(builder.ROOT, source, style)[locale])
    skill = build_skill(settings, make_persistence_adapter(settings), said)
    return make_handler(skill), model


def passes(way: Way, style: str) -> list[str]:
    """The common path through the style's check: "no" to each question, or "yes" to go on."""
    return [way.no] * 5 if style == "questions" else [way.yes]


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("locale", SPANISH)
def test_a_new_spanish_user_hears_at_most_a_minute_in_either_style(
    locale: str, style: str, tmp_path: Path
) -> None:
    way = Way(locale)
    handler, model = spoken_by(locale, style, Settings(persistence="none"))
    lines = [way.open, *passes(way, style), way.right]
    seconds, turns = seconds_to_first_hold(Conversation(handler, model), lines)
    print(f"\n{locale} new user ({style}): {seconds:.1f} s of speech to the first hold")
    assert seconds <= NEW_USER_BUDGET_S, "\n".join(t.text for t in turns)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("history", ["stopped", "finished", "two days running", "after a gap",
                                     "after a lapse"])  # fmt: skip
@pytest.mark.parametrize("locale", SPANISH)
def test_a_returning_spanish_user_hears_at_most_25_seconds_whatever_the_greeting(
    locale: str, history: str, style: str, tmp_path: Path
) -> None:
    """Where they stopped, a run of days, a welcome after a gap, or a place kept too long: the
    same 25 seconds, in both styles."""
    way = Way(locale)
    settings = Settings(persistence="sqlite", sqlite_path=tmp_path / "progress.db")
    handler, model = spoken_by(locale, style, settings)
    clock = SimulatedClock()

    def session() -> Conversation:
        return Conversation(handler, model, clock)

    def finish_quick() -> None:
        person = session()
        turns = [person.say(way.open), *(person.say(a) for a in passes(way, style))]
        turns += [person.say(f"la {way.quick}"), person.say(way.right)]
        for _ in range(MAX_TURNS):
            if not turns[-1].open or "le recuerde" in turns[-1].text:  # the reminder offer
                break
            turns.append(person.say(way.next))
        if turns[-1].open:
            person.say(way.no)

    if history in ("stopped", "after a lapse"):
        first = session()
        for line in [way.open, *passes(way, style), way.right, way.next, way.next]:
            first.say(line)
        first.say(way.content.labels["pause"].lower())
        first.end_session()
    else:
        finish_quick()
    if history == "two days running":
        clock.advance(24 * 3600 - 600)
        finish_quick()
    gap = {"after a gap": 5 * 24 * 3600, "after a lapse": 8 * 24 * 3600}
    clock.advance(gap.get(history, 24 * 3600 - 600))
    seconds, turns = seconds_to_first_hold(session(), [way.open, passes(way, style)[0], way.yes])
    print(f"\n{locale} returning user ({history}, {style}): {seconds:.1f} s to the first hold")
    assert seconds <= RETURNING_USER_BUDGET_S, "\n".join(t.text for t in turns)


@pytest.mark.parametrize("locale", SPANISH)
def test_no_step_number_is_said_in_a_spanish_routine(
    locale: str, conversation: Callable[..., Conversation]
) -> None:
    """A later movement is "la segunda parte", never "el paso 4" (issue 21)."""
    way = Way(locale)
    turns = routine(conversation(locale=locale), way, way.both)
    said = " ".join(t.text for t in turns).lower()
    assert not re.findall(r"\bpaso \d+\b", said)
    assert "la segunda parte" in said
