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

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_speech_budget import (
    LENGTH_TOLERANCE,
    MAX_SAME_SENTENCE,
    MAX_TURNS,
    NEW_USER_BUDGET_S,
    RETURNING_USER_BUDGET_S,
    STYLES,
    first_step_index,
    seconds_to_first_hold,
    sentences,
    turn_seconds,
)

from skill.alexa.builder import build_skill
from skill.alexa.intents import SIDE_TYPE, START_ROUTINE
from skill.alexa.lambda_function import make_handler
from skill.content.load import default_content
from skill.content.records import Content
from skill.local.nlu import default_model
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
        self.quick = carried(locale, self.content.routine("quick").name.lower())

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


def carried(locale: str, routine: str) -> str:
    """A routine's name as the model takes it: with a word before it ("die Kurzroutine"),
    where the model has no bare routine name (a routine is never a bare name in English or
    German, whose names are also other intents' words)."""
    path = Settings().models_dir / f"{locale}.json"
    model = json.loads(path.read_text(encoding="utf-8"))["interactionModel"]["languageModel"]
    samples = next(i["samples"] for i in model["intents"] if i["name"] == START_ROUTINE)
    if "{routine}" in samples:
        return routine
    shapes = sorted(s for s in samples if re.fullmatch(r"[^{} ]+ \{routine\}", s))
    return shapes[0].format(routine=routine) if shapes else routine


def routine(person: Conversation, way: Way, side: str, quick: bool = False) -> list[Turn]:
    """A new user through the check to the end of the routine, saying next at once."""
    turns = [person.say(way.open)]
    turns += [person.say(way.no) for _ in range(5)]
    if quick:
        turns.append(person.say(way.quick))
    turns.append(person.say(side))
    for _ in range(MAX_TURNS):
        if not turns[-1].open or offered(way, turns[-1]):
            return turns
        turns.append(person.say(way.next))
    raise AssertionError("the routine did not end")


def offered(way: Way, turn: Turn) -> bool:
    """The routine has ended with the offer of a daily reminder (at a time, or any time)."""
    at_a_time = way.content.prompts["offer_reprompt"].split("{time}")[0]
    any_time = way.content.prompt("offer_reprompt_any_time")
    return at_a_time in turn.reprompt or any_time in turn.reprompt


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


# --------------------------------------------------------------------------- both styles

STYLED_LOCALES = ("de-DE", "es-ES", "es-MX", "es-US")
"""Locales held to the budgets in both safety styles and after every kind of return, as
tests/test_speech_budget.py holds English."""


def _answers(way: Way, style: str) -> list[str]:
    """The common path through the style's check: "no" to each question, or "yes" to go on."""
    return [way.no] * 5 if style == "questions" else [way.yes]


def _handler(locale: str, style: str, statements_in: Callable[..., Any], settings: Settings) -> Any:
    said, model, _ = statements_in(locale) if style == "statements" else (None, None, None)
    adapter = make_persistence_adapter(settings) if settings.persistence != "none" else None
    return make_handler(build_skill(settings, adapter, content=said)), model


@pytest.mark.parametrize("locale", STYLED_LOCALES)
@pytest.mark.parametrize("style", STYLES)
def test_a_new_user_hears_at_most_a_minute_in_either_style(
    locale: str, style: str, statements_in: Callable[..., Any]
) -> None:
    way = Way(locale)
    handler, model = _handler(locale, style, statements_in, Settings(persistence="none"))
    person = Conversation(handler, model or default_model(locale))
    seconds, turns = seconds_to_first_hold(person, [way.open, *_answers(way, style), way.right])
    print(f"\n{locale} new user ({style}): {seconds:.1f} s of speech to the first hold")
    assert seconds <= NEW_USER_BUDGET_S, "\n".join(t.text for t in turns)


RETURNS = {
    "stopped": lambda c: c.prompt("hello_back"),
    "finished": lambda c: c.prompt("hello_back"),
    "two days running": lambda c: c.prompt("launch_streak", days=2),
    "after a gap": lambda c: c.prompt("welcome_gap"),
    "after a lapse": lambda c: c.prompt("welcome_lapsed", hello="", days=7).strip(),
}
"""How a person comes back, and the greeting the language says for it."""


@pytest.mark.parametrize("locale", STYLED_LOCALES)
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("history", sorted(RETURNS))
def test_a_returning_user_hears_at_most_25_seconds_after_any_return(
    locale: str, style: str, history: str, statements_in: Callable[..., Any], tmp_path: Path
) -> None:
    """Whatever the greeting says (where they stopped, days running, a gap, a lapsed place),
    it fits in the same 25 seconds, in the language's own time."""
    way = Way(locale)
    settings = Settings(persistence="sqlite", sqlite_path=tmp_path / "progress.db")
    handler, model = _handler(locale, style, statements_in, settings)
    clock = SimulatedClock()

    def person() -> Conversation:
        return Conversation(handler, model or default_model(locale), clock)

    def finish_quick_routine(someone: Conversation) -> None:
        turns = [someone.say(line) for line in [way.open, *_answers(way, style), way.quick]]
        turns.append(someone.say(way.right))
        for _ in range(MAX_TURNS):
            if not turns[-1].open or offered(way, turns[-1]):
                break
            turns.append(someone.say(way.next))
        if turns[-1].open:  # the offer of a daily reminder: not now
            someone.say(way.no)

    first = person()
    if history in ("stopped", "after a lapse"):
        for line in [way.open, *_answers(way, style), way.right, way.next, way.next]:
            first.say(line)
        first.say(way.content.labels["pause"].lower())
        first.say(default_model(locale).typing.stop)
    else:
        finish_quick_routine(first)
    if history == "two days running":
        first.wait(24 * 3600 - 600)
        finish_quick_routine(person())
    first.wait({"after a gap": 5 * 24 * 3600, "after a lapse": 8 * 24 * 3600}.get(history, 86_000))
    answer = _answers(way, style)[0]
    seconds, turns = seconds_to_first_hold(person(), [way.open, answer, way.yes])
    print(f"\n{locale} returning user ({history}, {style}): {seconds:.1f} s to the first hold")
    assert RETURNS[history](way.content) in turns[0].text, turns[0].text
    assert seconds <= RETURNING_USER_BUDGET_S, "\n".join(t.text for t in turns)
