"""The certification testing instructions, written from a real conversation with the skill.

A tester follows them word for word, so they must say what the skill says today. Instead of
prose that drifts, ``scripts/build_skill_package.py`` runs this conversation through the
skill's own code (the simulated Alexa of ``skill/simulator.py``, the real interaction model,
the real handler) and quotes it: each question the skill asks, the answer that gets a tester
to the routine (found by asking the skill, see ``skill/walkthrough.py``), the knee question,
the first step, a pause and resume, a topic, the advice after a "yes", and stop.

    python scripts/testing_instructions.py     # print them
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # runnable with any interpreter from a plain checkout
    sys.path.insert(0, str(REPO_ROOT))

from skill.coach.state import SAFETY, SIDE  # noqa: E402
from skill.local.simulator import Conversation, Turn  # noqa: E402
from skill.local.walkthrough import safety_answer, to_first_step  # noqa: E402

SOURCE_TITLE = "Benefits of Massage For Knee Pain Relief"
"""The article every spoken word comes from, named where testers and readers can see it."""
MAX_CHARS = 4000
"""The manifest's limit for testingInstructions."""

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class InstructionsError(RuntimeError):
    """The conversation did not go as a tester's would; the message says where."""


def default_handler() -> Handler:
    """The skill as deployed, with no persistence (a tester's first session)."""
    from skill.alexa.builder import build_skill
    from skill.alexa.lambda_function import make_handler
    from skill.settings import Settings

    return make_handler(build_skill(Settings.from_env().with_(persistence="none")))


def _quote(text: str, words: int = 0) -> str:
    """``text`` in quotes; with ``words``, cut to that many words and marked with "..."."""
    said = text.split()
    if words and len(said) > words:
        said = [*said[:words], "..."]
    return '"' + " ".join(said) + '"'


def _first_sentence(text: str) -> str:
    first = text.split(". ", 1)[0].strip()
    return first if first.endswith((".", "?", "!")) else first + "."


def _before_hold(turn: Turn) -> str:
    """What is said before the first timed silence."""
    return turn.text.split("[pause", 1)[0].strip()


def _after_hold(turn: Turn) -> str:
    """What is said after the last timed silence and chime."""
    tail = re.split(r"\[pause [\d.]+s\]|\[chime\]", turn.text)[-1]
    return tail.strip()


def _hold_seconds(turn: Turn) -> int:
    return round(sum(float(s) for s in re.findall(r"\[pause ([\d.]+)s\]", turn.text)))


def _asked(turn: Turn) -> str:
    """The question on the card (the screen and the Alexa app show it too)."""
    return str(turn.card.get("content") or turn.text)


def write(handler: Handler | None = None) -> str:
    """The testing instructions, from a fresh simulated conversation (en-US, no screen)."""
    handler = handler or default_handler()
    person = Conversation(handler)
    exchanges = to_first_step(person, side="right")
    lines: list[str] = [
        "Knee Coach is voice-first: a short spoken safety self-check, then a knee self-massage"
        " narrated step by step with timed holds. Everything it says comes from the article"
        f" {_quote(SOURCE_TITLE)}. The steps below were produced by running this conversation"
        " through the skill's own code when this package was built, so the quotes are what the"
        " skill says.",
    ]
    step = 0

    def add(text: str) -> None:
        nonlocal step
        step += 1
        lines.append(f"{step}. {text}")

    launch, *middle, first = exchanges
    if launch.phase != SAFETY:
        raise InstructionsError(f"launch went to {launch.phase!r}, not the safety check")
    intro = launch.turn.text.replace(_asked(launch.turn), "").strip()
    add(
        f'Say "Alexa, open Knee Coach". It says: {_quote(intro, 90)} Then it asks the first'
        f' safety question: {_quote(_asked(launch.turn))} Say "{launch.answer}".'
    )
    for exchange in middle:
        if exchange.phase == SAFETY:
            add(f'It asks: {_quote(_asked(exchange.turn))} Say "{exchange.answer}".')
        elif exchange.phase == SIDE:
            lead = exchange.turn.text.replace(_asked(exchange.turn), "").strip()
            said = f"It says {_quote(lead)} and asks" if lead else "It asks"
            add(
                f"{said} which knee: {_quote(_asked(exchange.turn))} Say"
                f' "{exchange.answer}" (or "left", or "both": then every technique is done on'
                " the right leg, then the left)."
            )
        else:
            raise InstructionsError(f"unexpected phase {exchange.phase!r} before the routine")
    hold = _hold_seconds(first.turn)
    add(
        f"The routine starts: {_quote(_before_hold(first.turn), 60)} Then it times a {hold}-second"
        " hold, with spoken cues and a chime, and ends with"
        f' {_quote(_after_hold(first.turn))} Say "next" for the next step.'
    )
    step_two = person.say("next")
    person.cut_after(max(5.0, step_two.seconds / 2))
    paused = person.say("pause")
    resumed = person.say("resume")
    add(
        'During the next hold say "Alexa, pause". It says:'
        f' {_quote(paused.text)} Say "resume"; it goes on with'
        f" {_quote(_before_hold(resumed), 12)} and that step's hold."
    )
    topic = person.say("what causes knee pain")
    answer = _first_sentence(topic.text)
    add(
        'Ask "what causes knee pain" (or "when should I see a doctor", "can massage help").'
        f" It answers from the article ({_quote(answer)} ...) and then says what you can"
        " say next; the routine stays paused until you say resume."
    )
    add(
        'Also try "where am I", "how much is left", "slower", "faster", "go to knee'
        ' friction", "keep going without stopping" and "help".'
    )
    stop = person.say("stop")
    add(f'Say "stop". It says: {_quote(stop.text)} and the session ends.')
    lines.append(_advice(handler))
    lines.append(
        "On a device with a screen (Echo Show): each timed step is spoken by the screen with"
        " the microphone closed while a countdown shows the seconds left; when the hold ends the"
        " screen tells the skill, which asks what next with the microphone open. Buttons do"
        ' what the voice commands do. After "keep going without stopping" the whole routine'
        " runs on a screen without a word."
    )
    lines.append(
        "Progress (routine position, knee, pace, completion times) is kept per user so that a"
        ' later session can pick up where it stopped; "forget me" deletes it. Answers to the'
        " safety check are never stored. No account linking or purchases. One optional"
        ' permission, reminders: say "remind me every day at nine"; Alexa asks for it by voice'
        ' ("I approve"), then the skill sets a daily reminder through the Reminders API and says'
        ' when. "List my reminders" and "stop reminding me" list and delete them.'
    )
    lines.append(_other_languages(handler))
    text = "\n".join(lines)
    if len(text) > MAX_CHARS:
        raise InstructionsError(f"testing instructions are {len(text)} characters, over 4000")
    return text


def _other_languages(handler: Handler) -> str:
    """The same way in for every other language, each walked through to its first step."""
    from skill.alexa.intents import SIDE_TYPE
    from skill.content.load import default_content
    from skill.local.nlu import default_model

    ways = []
    for locales in _language_locales():
        model = default_model(locales[0])
        person = Conversation(handler, model)
        exchanges = to_first_step(person, side="right")
        if exchanges[-1].phase != "routine":
            raise InstructionsError(f"{locales[0]}: the routine did not start")
        typing, labels = model.typing, default_content(locale=locales[0]).labels
        said = [
            f"Alexa, {typing.open} {model.invocation_name}",
            typing.no,
            model.value_name(SIDE_TYPE, "right"),
            *(labels[key].lower() for key in ("next", "pause", "resume")),
            typing.stop,
        ]
        ways.append(f"{'/'.join(locales)}: " + ", ".join(f'"{s}"' for s in said))
    return (
        "Other languages, the same steps (open, answer the safety questions, the right knee,"
        " then next, pause, resume, stop): " + "; ".join(ways) + "."
    )


def _language_locales() -> list[list[str]]:
    """The locales of each language but English, from the committed interaction models."""
    from skill.settings import Settings

    by_language: dict[str, list[str]] = {}
    for path in sorted(Settings.from_env().models_dir.glob("*.json")):
        by_language.setdefault(path.stem.split("-")[0], []).append(path.stem)
    return [locales for language, locales in sorted(by_language.items()) if language != "en"]


def _advice(handler: Handler) -> str:
    """What happens when a tester answers the first safety question the other way."""
    person = Conversation(handler)
    person.launch()
    word = "yes" if safety_answer(person) == "no" else "no"
    advice = person.say(word)
    return (
        f'To check the safety path, open Knee Coach again and say "{word}" to the first'
        f" question. It says {_quote(_first_sentence(advice.text))} and more, and does not"
        " start the routine in that session."
    )


if __name__ == "__main__":
    print(write())
