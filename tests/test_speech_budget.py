"""The spoken experience, counted: seconds to the first hold, repetition, honest lengths.

Everything here is measured on the real responses, driven through the Lambda entry point by
a simulated person (:class:`~skill.local.simulator.Conversation` over the interaction model), with
the simulated Alexa clock: each response plays to its end, words at the speaking rate plus
every break and sound, and the person answers two seconds later ("next" at once).

- a new user hears at most 60 s of speech before the first timed hold starts, a returning
  user (has done at least one step before) at most 25 s, in both safety-check styles; the
  one more question about lasting knee pain costs time only for those who said yes to it.
  Speech is words at the speaking rate; the budget does not count the silences of a step's
  set-up (a moment after each instruction to get into position,
  :data:`~skill.coach.routine.SETTLE_SECONDS`), which are measured and printed beside it, and
  the hold is found as the first silence longer than those;
- over one full routine no sentence is said more than 6 times, and no step number at all;
- every length the skill announces ("about N minutes") is within 20 % of what the routine
  then really takes, and "how much is left" is too.

``python -m pytest tests/test_speech_budget.py -s`` prints the measured numbers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from skill.alexa.builder import build_skill
from skill.alexa.lambda_function import make_handler
from skill.coach.routine import SETTLE_SECONDS
from skill.content.records import Content
from skill.local.envelopes import Session
from skill.local.simulator import THINK_SECONDS, Conversation, SimulatedClock, Turn
from skill.local.ssml_text import ssml_seconds
from skill.settings import Settings
from skill.store.factory import make_persistence_adapter
from skill.voice.timing import WORDS_PER_SECOND

NEW_USER_BUDGET_S = 60.0
RETURNING_USER_BUDGET_S = 25.0
MAX_SAME_SENTENCE = 6
LENGTH_TOLERANCE = 0.20
SAFETY_ANSWERS = ["no"] * 5
STYLES = ("questions", "statements")
PASS = {"questions": SAFETY_ANSWERS, "statements": ["yes"]}
"""The common path through each style's check: nothing applies ("no" to each question, or
"yes" to "okay to go ahead?"); a returning person answers the first of them."""
MAX_TURNS = 80

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}  # fmt: skip
_ABOUT = re.compile(
    r"(less than a minute|about a minute|about (\w+) minutes)( for one knee| for each knee)?"
)
_MARKERS = re.compile(r"\[(?:pause [\d.]+s|chime)\]")
_SILENCE = re.compile(r'(?:<break time="([\d.]+)(m?s)"/>\s*)+')
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


# --------------------------------------------------------------------------- measuring


def _silence_seconds(chain: str) -> float:
    return sum(
        float(value) / (1000 if unit == "ms" else 1)
        for value, unit in re.findall(r'<break time="([\d.]+)(m?s)"/>', chain)
    )


def first_hold_at(ssml: str) -> int | None:
    """Where a response's first timed hold begins: its first silence longer than a moment to
    get into position (a hold lasts 5 s at least); None if it has none."""
    for found in _SILENCE.finditer(ssml):
        if _silence_seconds(found.group(0)) > SETTLE_SECONDS:
            return found.start()
    return None


def speech_and_silence(ssml: str, wps: float = WORDS_PER_SECOND) -> tuple[float, float]:
    """(seconds of speech, seconds of silence) in some SSML: words at their rate (``wps``: the
    language's words a second, a turn's own :attr:`Turn.wps`), and sounds, apart from the
    breaks."""
    silence = sum(_silence_seconds(found.group(0)) for found in _SILENCE.finditer(ssml))
    return ssml_seconds(_SILENCE.sub(" ", ssml), wps), silence


def seconds_before_first_break(ssml: str, wps: float = WORDS_PER_SECOND) -> float | None:
    """Seconds of speech in a response before its first timed hold (pauses to get into
    position not counted), None if it has no hold."""
    cut = first_hold_at(ssml)
    return None if cut is None else speech_and_silence(ssml[:cut], wps)[0]


def to_first_hold(person: Conversation, lines: Iterable[str]) -> tuple[float, float, list[Turn]]:
    """Say ``lines`` in turn until a response starts a timed hold: the seconds of speech heard
    until then, the seconds of silence (pauses to get into position), and the turns."""
    speech, silence, turns = 0.0, 0.0, []
    for line in lines:
        turn = person.say(line)
        turns.append(turn)
        cut = first_hold_at(turn.ssml)
        said, quiet = speech_and_silence(turn.ssml if cut is None else turn.ssml[:cut], turn.wps)
        speech, silence = speech + said, silence + quiet
        if cut is not None:
            return speech, silence, turns
    heard = "\n".join(f"  {t.heard}: {t.text}" for t in turns)
    raise AssertionError(f"no timed hold started after {list(lines)}:\n{heard}")


def seconds_to_first_hold(person: Conversation, lines: Iterable[str]) -> tuple[float, list[Turn]]:
    """Say ``lines`` in turn until a response starts a timed hold; the speech heard until then."""
    speech, _, turns = to_first_hold(person, lines)
    return speech, turns


def sentences(turns: Iterable[Turn]) -> Counter[str]:
    """Every sentence spoken in these turns (case and spacing ignored), counted."""
    counted: Counter[str] = Counter()
    for turn in turns:
        text = _MARKERS.sub(" ", turn.text)
        for sentence in _SENTENCE_END.split(text):
            sentence = " ".join(sentence.lower().split())
            if sentence:
                counted[sentence] += 1
    return counted


def announced(text: str) -> list[tuple[float, bool]]:
    """Every duration a text announces: (minutes, whether it is for one knee only).

    "less than a minute" counts as half a minute, "about a minute" as one.
    """
    found = []
    for phrase, number, per_knee in _ABOUT.findall(text.lower()):
        if phrase == "less than a minute":
            minutes = 0.5
        elif phrase == "about a minute":
            minutes = 1.0
        else:
            minutes = float(number) if number.isdigit() else float(NUMBER_WORDS[number])
        found.append((minutes, bool(per_knee)))
    return found


def announced_minutes(text: str) -> list[float]:
    return [minutes for minutes, _ in announced(text)]


def within(announced: float, measured_s: float) -> bool:
    return abs(announced * 60 - measured_s) <= LENGTH_TOLERANCE * measured_s


def turn_seconds(turn: Turn) -> float:
    """A turn as the person lives it: the whole response, then two seconds to answer."""
    return ssml_seconds(turn.ssml, turn.wps) + THINK_SECONDS


def run_routine(
    person: Conversation,
    side: str,
    routine: str | None = None,
    *,
    late: bool = False,
    answers: list[str] = SAFETY_ANSWERS,
) -> list[Turn]:
    """A new user through the check to the end of a routine, saying "next" at once each time.

    ``routine`` is asked for in the opening words ("ask knee coach to start the quick
    routine"), or with ``late`` only at the knee question. Returns every turn from the launch
    on; the routine's own turns start at the first one that holds (:func:`first_step_index`).
    """
    opening = f"ask knee coach to start the {routine} routine" if routine and not late else None
    turns = [person.say(opening or "open knee coach")]
    for answer in answers:
        turns.append(person.say(answer))
    if routine and late:
        turns.append(person.say(f"start the {routine} routine"))
    turns.append(person.say(side))
    for _ in range(MAX_TURNS):
        if not turns[-1].open or "remind you" in turns[-1].text:  # the end, or its reminder offer
            return turns
        turns.append(person.say("next"))
    raise AssertionError("the routine did not end")


def first_step_index(turns: list[Turn]) -> int:
    return next(i for i, t in enumerate(turns) if first_hold_at(t.ssml) is not None)


# --------------------------------------------------------------------------- fixtures


People = Callable[[str], Callable[[], Conversation]]


@pytest.fixture
def remembered(tmp_path: Path, content: Content, statements: Any) -> People:
    """``remembered(style)``: sessions of one person whose progress is kept (SQLite in tmp)
    across them, on one simulated clock, with that safety style's content and model."""

    def person(style: str) -> Callable[[], Conversation]:
        said, model = (statements[0], statements[1]) if style == "statements" else (content, None)
        settings = Settings(persistence="sqlite", sqlite_path=tmp_path / f"{style}.db")
        clock = SimulatedClock()
        handler = make_handler(build_skill(settings, make_persistence_adapter(settings), said))
        return lambda: Conversation(handler, model, clock=clock)

    return person


@pytest.fixture
def newcomer(content: Content, statements: Any, handler: Any) -> Callable[[str], Conversation]:
    """``newcomer(style)``: a new person (nothing kept) meeting that safety style."""

    def person(style: str) -> Conversation:
        if style == "statements":
            return Conversation(statements[2], statements[1])
        return Conversation(handler)

    return person


# --------------------------------------------------------------------------- 1. first hold


@pytest.mark.parametrize("style", STYLES)
def test_a_new_user_hears_at_most_a_minute_before_the_first_hold(
    newcomer: Callable[[str], Conversation], style: str
) -> None:
    seconds, silence, turns = to_first_hold(
        newcomer(style), ["open knee coach", *PASS[style], "my right knee"]
    )
    print(
        f"\nnew user ({style}): {seconds:.1f} s of speech (and {silence:.1f} s to get into"
        f" position) over {len(turns)} turns to the first hold"
    )
    assert seconds <= NEW_USER_BUDGET_S, "\n".join(t.text for t in turns)
    # The set-up leaves time to get into position before the hold starts: about 3 s.
    assert 2.5 <= silence <= 4.0, silence


def finish_quick_routine(person: Conversation, style: str = "questions") -> None:
    turns = run_routine(person, "my right knee", routine="quick", answers=PASS[style])
    if turns[-1].open:  # the offer of a daily reminder: not now
        person.say("no")


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    ("history", "greeting"),
    [
        ("stopped", "welcome back"),
        ("finished", "welcome back"),
        ("two days running", "2 days in a row"),
        ("after a gap", "good to have you back"),
        ("after a lapse", "start from the beginning"),
    ],
)
def test_a_returning_user_hears_at_most_25_seconds_before_the_first_hold(
    remembered: People, history: str, greeting: str, style: str
) -> None:
    """Whatever the greeting says about them (where they stopped, a run of days, a welcome
    after a gap), it fits in the same 25 seconds."""
    again = remembered(style)
    first = again()
    if history in ("stopped", "after a lapse"):
        first.say("open knee coach")
        for answer in [*PASS[style], "my right knee", "next", "next"]:
            first.say(answer)
        first.say("stop")
    else:
        finish_quick_routine(first, style)
    if history == "two days running":
        first.wait(24 * 3600 - 600)  # the next morning, again
        finish_quick_routine(again(), style)
    gap = {"after a gap": 5 * 24 * 3600, "after a lapse": 8 * 24 * 3600}
    first.wait(gap.get(history, 24 * 3600 - 600))
    seconds, silence, turns = to_first_hold(again(), ["open knee coach", PASS[style][0], "yes"])
    print(
        f"\nreturning user ({history}, {style}): {seconds:.1f} s of speech (and {silence:.1f} s"
        f" to get into position) over {len(turns)} turns to the first hold"
    )
    assert greeting in turns[0].text.lower(), turns[0].text
    assert seconds <= RETURNING_USER_BUDGET_S, "\n".join(t.text for t in turns)


def _words(text: str) -> int:
    return len(text.split())


def test_the_extra_question_costs_time_only_for_those_with_lasting_pain(
    newcomer: Callable[[str], Conversation], remembered: People, content: Content
) -> None:
    """A yes to lasting knee pain adds whether a healthcare provider knows about it, and what
    that answer leads to; nobody else hears a word of it. Measured to the first hold."""
    follow_up, safety = content.safety.provider, content.safety
    paths = {
        "no to everything": ["no"],
        "lasting pain a provider knows about": ["yes", "yes"],
        "lasting pain not checked, goes ahead": ["yes", "no", "yes"],
    }
    new: dict[str, tuple[float, int]] = {}
    for path, last in paths.items():
        lines = ["open knee coach", *SAFETY_ANSWERS[:-1], *last, "my right knee"]
        seconds, turns = seconds_to_first_hold(newcomer("questions"), lines)
        new[path] = (seconds, len(turns))
        print(f"\nnew user, {path}: {seconds:.1f} s over {len(turns)} turns to the first hold")
    common, known = new["no to everything"], new["lasting pain a provider knows about"]
    extra = _words(follow_up.ask) + _words(follow_up.on_yes) - _words(safety.all_clear)
    assert known[0] - common[0] == pytest.approx(extra / WORDS_PER_SECOND)
    assert known[1] == common[1] + 1
    unchecked = new["lasting pain not checked, goes ahead"]
    said = (follow_up.ask, follow_up.on_no, follow_up.choice, follow_up.on_go)
    extra = sum(map(_words, said)) - _words(safety.all_clear)
    assert unchecked[0] - common[0] == pytest.approx(extra / WORDS_PER_SECOND)
    assert unchecked[1] == common[1] + 2
    # A returning person who names it hears the follow-up, then the short question again.
    again = remembered("questions")
    finish_quick_routine(again())
    returning = {}
    for path, lines in {
        "no to everything": ["open knee coach", "no"],
        "names lasting pain a provider knows about": [
            "open knee coach",
            "just the usual arthritis",
            "yes",
            "no",
        ],
    }.items():
        seconds, turns = seconds_to_first_hold(again(), lines)
        returning[path] = (seconds, len(turns))
        print(f"\nreturning user, {path}: {seconds:.1f} s over {len(turns)} turns")
    assert returning["no to everything"][0] <= RETURNING_USER_BUDGET_S
    assert returning["names lasting pain a provider knows about"][1] == 4


# --------------------------------------------------------------------------- 2. repetition


@pytest.mark.parametrize(
    ("side", "routine"),
    [("my right knee", None), ("my left knee", "quick"), ("both knees", None)],
    ids=["full", "quick", "full-both-knees"],
)
def test_no_sentence_is_said_more_than_six_times_in_a_routine(
    conversation: Callable[..., Conversation], side: str, routine: str | None
) -> None:
    counted = sentences(run_routine(conversation(), side, routine))
    most = counted.most_common(5)
    print(f"\nmost repeated ({routine or 'full'}, {side}): {most}")
    over = [(s, n) for s, n in counted.items() if n > MAX_SAME_SENTENCE]
    assert not over, f"said more than {MAX_SAME_SENTENCE} times: {over}"


@pytest.mark.parametrize(
    ("side", "routine"),
    [("both knees", None), ("my left knee", "quick")],
    ids=["full-both", "quick"],
)
def test_no_step_number_is_said_in_a_routine(
    conversation: Callable[..., Conversation], side: str, routine: str | None
) -> None:
    """A technique's set-up is never numbered aloud, so no step number is either: a later
    movement is "the second part" ("step 4" was said 24 times in a both-knees routine)."""
    turns = run_routine(conversation(), side, routine)
    numbers = re.findall(
        r"\bstep (?:\d+|one|two|three|four)\b", " ".join(t.text for t in turns).lower()
    )
    parts = sum(t.text.lower().count("the second part") for t in turns)
    print(
        f"\nstep numbers said ({routine or 'full'}, {side}): {len(numbers)};"
        f" 'the second part': {parts}"
    )
    assert not numbers, numbers


# --------------------------------------------------------------------------- 3. lengths


def routine_seconds(turns: list[Turn]) -> float:
    """How long a routine took, from its first step's response to its last."""
    return sum(turn_seconds(t) for t in turns[first_step_index(turns) :])


@pytest.mark.parametrize("routine", [None, "quick"], ids=["full", "quick"])
@pytest.mark.parametrize("side", ["my right knee", "both knees"], ids=["one-knee", "both-knees"])
def test_every_announced_length_is_within_a_fifth_of_the_real_one(
    conversation: Callable[..., Conversation], side: str, routine: str | None
) -> None:
    """What is said before the first hold ("about 12 minutes for one knee", "about 23 minutes
    in all") against the routine as it then really runs, "next" said at once."""
    turns = run_routine(conversation(), side, routine)
    one_knee = routine_seconds(run_routine(conversation(), "my left knee", routine))
    measured = routine_seconds(turns)
    first = first_step_index(turns)
    said = [a for t in turns[: first + 1] for a in announced(t.text)]
    print(
        f"\n{routine or 'full'} routine, {side}: announced {said},"
        f" measured {measured / 60:.1f} min (one knee {one_knee / 60:.1f} min)"
    )
    assert said, "the routine's length is never announced before it starts"
    wrong = [
        (m, per_knee) for m, per_knee in said if not within(m, one_knee if per_knee else measured)
    ]
    assert not wrong, f"announced {wrong}, but it takes {measured / 60:.1f} min"
    # The length of the routine that runs is said.
    assert any(within(m, one_knee if per_knee else measured) for m, per_knee in said)


def test_a_routine_picked_after_launch_is_named_with_its_true_length(
    conversation: Callable[..., Conversation],
) -> None:
    turns = run_routine(conversation(), "my right knee", "quick", late=True)
    first = first_step_index(turns)
    assert "quick routine" in turns[first].text.lower()
    (minutes,) = announced_minutes(turns[first].text)
    assert within(minutes, routine_seconds(turns)), turns[first].text


def ask_aside(handler: Any, session: Session, text: str, person: Conversation) -> Turn:
    """Ask something in a copy of the session, leaving the real conversation untouched."""
    aside = Conversation(handler, person.model, clock=lambda: person.clock())
    aside.session = Session(
        user_id=session.user_id, attributes=dict(session.attributes), new=False, clock=person.clock
    )
    return aside.say(text)


def test_how_much_is_left_leads_with_the_time_and_is_right(
    conversation: Callable[..., Conversation], handler: Any
) -> None:
    person = conversation()
    turns = [person.say("open knee coach"), *(person.say(a) for a in SAFETY_ANSWERS)]
    turns.append(person.say("my right knee"))
    asked: list[tuple[float, Turn, int]] = []
    while turns[-1].open:
        # After each step the person asks, in a copy of the session, how much is left.
        answer = ask_aside(handler, person.session, "how much is left", person)
        asked.append((0.0, answer, len(turns)))
        turns.append(person.say("next"))
    first = first_step_index(turns)
    checked = 0
    for _, answer, after in asked:
        remaining = sum(turn_seconds(t) for t in turns[after:])
        (minutes,) = announced_minutes(answer.text) or [None]
        assert minutes is not None, answer.text
        assert re.match(r"(about|less)", answer.text.lower()), f"not led by the time: {answer.text}"
        if remaining >= 150 and after > first:
            checked += 1
            assert within(minutes, remaining), (
                f"{answer.text!r}: {remaining / 60:.1f} min really left"
            )
    assert checked >= 5
