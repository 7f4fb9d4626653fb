"""Every spoken response the conversations produce passes Alexa's SSML rules (ssml-check-core).

``tests/alexa_rules.py`` checks responses with our own reading of the SSML reference; this
test asks an independent validator, ``ssml-check-core`` from npm (tags, attributes and their
values, ``<break>`` at most 10 s, at most five ``<audio>``, stray ``&``), for the Amazon
platform. It replays every dialog in ``tests/dialogs/`` plus conversations that walk every
phase (full and quick routines, keep-going, both knees, every topic, help and fallback in each
phase, every safety "yes"), on voice-only devices and on screens, collects each outputSpeech,
reprompt and any SSML inside APL directives, and validates them all in one node process.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from alexa_rules import ssml_in
from node_tools import NODE, run_node_tool

from skill.alexa import intents
from skill.content.records import Content
from skill.local.nlu import Match, SlotValue, default_model
from skill.local.simulator import Conversation, Turn
from skill.local.walkthrough import pass_safety_check

DIALOGS = sorted((Path(__file__).parent / "dialogs").rglob("*.yaml"))
"""Every dialog, of every language (each run in its locales, through their models)."""

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def run_checker(ssml: list[str]) -> list[list[dict[str, Any]]]:
    """ssml-check-core's errors for each string, in order (one node process for the batch)."""
    results: list[list[dict[str, Any]]] = run_node_tool("ssml_check.js", "ssml-check-core", ssml)
    assert len(results) == len(ssml)
    return results


def spoken(envelope: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, ssml) for everything this response would make a device say."""
    response = envelope.get("response", {})
    found = []
    for where, block in (
        ("outputSpeech", response.get("outputSpeech")),
        ("reprompt", (response.get("reprompt") or {}).get("outputSpeech")),
    ):
        if block and block.get("type") == "SSML":
            found.append((where, str(block["ssml"])))
    found += [("directive", ssml) for ssml in ssml_in(response.get("directives") or [])]
    return found


# --------------------------------------------------------------------------- conversations


def replay_dialog(chat: Conversation, path: Path) -> None:
    """The turns of one ``tests/dialogs`` file (their expectations are test_dialogs' job)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for turn in data["turns"]:
        for _ in range(int(turn.get("times", 1))):
            if "launch" in turn:
                chat.launch()
            elif "end_session" in turn:
                chat.end_session()
            elif "pass_safety_check" in turn:
                pass_safety_check(chat)
            elif "screen_done" in turn:
                chat.screen_finishes(late=turn["screen_done"] == "late")  # None on a speaker
            elif "intent" in turn:
                chat.send_intent(Match(str(turn["intent"])))
            elif "can_fulfill" in turn:
                chat.can_fulfill(Match(str(turn["can_fulfill"])))
            elif "device" in turn:
                chat.device_request(str(turn["device"]))
            else:
                chat.say(str(turn["say"]))


def intent(chat: Conversation, name: str, **slots: str) -> Turn:
    values = {k: SlotValue(spoken=v.replace("_", " "), id=v) for k, v in slots.items()}
    return chat.send_intent(Match(name, values))


def phase(chat: Conversation) -> str:
    return str((chat.session.attributes.get("coach") or {}).get("phase", "new"))


def through_safety(chat: Conversation) -> None:
    chat.launch()
    for _ in range(10):
        if phase(chat) != "safety":
            return
        intent(chat, intents.NO)
    raise AssertionError("the safety check never ended")


def to_the_end(chat: Conversation, extras: dict[int, list[str]]) -> None:
    for step in range(200):
        for name in extras.get(step, []):
            intent(chat, name)
        intent(chat, intents.NEXT)
        if phase(chat) == "done":
            return
    raise AssertionError("the routine never ended")


def full_routine_both_knees(chat: Conversation, content: Content) -> None:
    through_safety(chat)
    intent(chat, intents.CHOOSE_SIDE, side="both")
    extras = {
        1: [intents.PAUSE, intents.HELP, intents.FALLBACK, intents.RESUME],
        2: [intents.REPEAT, intents.WHERE_AM_I, intents.EXPLAIN],
        3: [intents.SLOWER, intents.SLOWER, intents.FASTER, intents.PREVIOUS],
        5: [intents.READ_DISCLAIMER, intents.NO, intents.YES],
    }
    to_the_end(chat, extras)
    for name in (intents.REPEAT, intents.HELP, intents.FALLBACK, intents.WHERE_AM_I, intents.YES):
        intent(chat, name)
    intent(chat, intents.STOP)


def quick_keep_going(chat: Conversation, content: Content) -> None:
    chat.launch()
    intent(chat, intents.START_ROUTINE, routine="quick")
    while phase(chat) == "safety":
        intent(chat, intents.NO)
    intent(chat, intents.KEEP_GOING)
    intent(chat, intents.CHOOSE_SIDE, side="left")
    to_the_end(chat, {1: [intents.PAUSE, intents.REPEAT, intents.RESUME, intents.STEP_BY_STEP]})
    intent(chat, intents.START_OVER)
    intent(chat, intents.CANCEL)


def jumps_and_topics(chat: Conversation, content: Content) -> None:
    for topic in content.topics:  # one-shots before any launch
        chat.send_intent(Match(topic.intent))
        chat.end_session()
    through_safety(chat)
    intent(chat, intents.CHOOSE_SIDE, side="right")
    for technique in content.techniques:
        intent(chat, intents.GO_TO_TECHNIQUE, technique=technique.id)
        intent(chat, intents.NEXT)
    chat.send_intent(Match(intents.GO_TO_TECHNIQUE, {"technique": SlotValue("moonwalk", None)}))
    for topic in content.topics:
        chat.send_intent(Match(topic.intent))
        intent(chat, intents.REPEAT)
    intent(chat, intents.PREVIOUS)
    intent(chat, intents.NAVIGATE_HOME)


def help_and_fallback_everywhere(chat: Conversation, content: Content) -> None:
    def ask_around() -> None:
        for name in (intents.HELP, intents.FALLBACK, intents.REPEAT, intents.WHERE_AM_I):
            intent(chat, name)
        intent(chat, intents.EXPLAIN)

    ask_around()  # a new session, before any launch
    chat.end_session()
    chat.launch()  # safety
    ask_around()
    intent(chat, intents.NEXT)
    intent(chat, intents.PAUSE)
    while phase(chat) == "safety":
        intent(chat, intents.NO)
    ask_around()  # side
    intent(chat, intents.CHOOSE_SIDE, side="right")
    ask_around()  # routine
    intent(chat, intents.PAUSE)
    ask_around()  # paused
    intent(chat, intents.FORGET_ME)
    intent(chat, intents.NO)
    intent(chat, intents.FORGET_ME)
    intent(chat, intents.YES)
    intent(chat, intents.STOP)


def every_safety_yes(chat: Conversation, content: Content) -> None:
    for question in range(len(content.safety.questions)):
        chat.launch()
        for _ in range(question):
            intent(chat, intents.NO)
        intent(chat, intents.YES)
        if content.safety.questions[question].kind == "lasting":
            intent(chat, intents.NO)  # no healthcare provider knows about it
            intent(chat, intents.NO)  # and not today after all
        assert phase(chat) == "advised"
        for name in (intents.START_ROUTINE, intents.NEXT, intents.HELP, intents.FALLBACK):
            intent(chat, name)
        intent(chat, intents.REPEAT)
        intent(chat, intents.STOP)


def own_words_in_every_phase(chat: Conversation, content: Content) -> None:
    """The check's kinds named in a person's own words, before, during and after the check."""
    intent(chat, intents.LASTING_PAIN)  # a new session: a word of care, no check started
    chat.end_session()
    chat.launch()
    for name in (intents.PROVIDER_KNOWS, intents.LASTING_PAIN, intents.EXPLAIN):
        intent(chat, name)
    intent(chat, intents.NOT_SURE)  # as good as no: best to have it checked, and a choice
    for name in (intents.EXPLAIN, intents.REPEAT, intents.PREVIOUS, intents.PREVIOUS):
        intent(chat, name)
    intent(chat, intents.KNEE_SOUNDS)
    intent(chat, intents.PROVIDER_KNOWS)  # back to the question that was waiting
    while phase(chat) == "safety":
        intent(chat, intents.NO)
    for name in (intents.LASTING_PAIN, intents.PROVIDER_KNOWS, intents.PREVIOUS):
        intent(chat, name)
    intent(chat, intents.NO)
    intent(chat, intents.CHOOSE_SIDE, side="left")
    for name in (intents.KNEE_SOUNDS, intents.PROVIDER_KNOWS, intents.ACUTE_SIGN):
        intent(chat, name)
    for name in (intents.RECENT_SURGERY, intents.LASTING_PAIN, intents.REPEAT):
        intent(chat, name)
    intent(chat, intents.STOP)


SCRIPTS = [
    full_routine_both_knees,
    quick_keep_going,
    jumps_and_topics,
    help_and_fallback_everywhere,
    every_safety_yes,
    own_words_in_every_phase,
]


# --------------------------------------------------------------------------- the test


def heard(envelope: dict[str, Any]) -> str:
    request = envelope["request"]
    return str((request.get("intent") or {}).get("name") or request["type"])


@pytest.mark.skipif(NODE is None, reason="node is not installed, so ssml-check-core cannot run")
def test_every_spoken_response_passes_ssml_check_core(handler: Handler, content: Content) -> None:
    collected: list[tuple[str, str]] = []

    def talk(label: str, apl: bool, locale: str = "en-US") -> Conversation:
        def invoke(envelope: dict[str, Any], context: Any) -> dict[str, Any]:
            response = handler(envelope, context)
            where = f"{label}: {heard(envelope)}"
            collected.extend((f"{where}: {part}", ssml) for part, ssml in spoken(response))
            return response

        return Conversation(invoke, default_model(locale), apl=apl)

    for apl in (False, True):
        device = "screen" if apl else "voice"
        for path in DIALOGS:
            locales = yaml.safe_load(path.read_text(encoding="utf-8")).get("locales")
            for locale in locales or ["en-US"]:
                replay_dialog(talk(f"{device} {path.stem} {locale}", apl, locale), path)
        for script in SCRIPTS:
            script(talk(f"{device} {script.__name__}", apl), content)

    distinct = sorted({ssml for _, ssml in collected})
    assert len(distinct) > 200, f"only {len(distinct)} distinct SSML strings collected"
    first_seen = {ssml: where for where, ssml in reversed(collected)}
    failures = [
        f"{first_seen[ssml]}: {errors}\n    {ssml[:300]}"
        for ssml, errors in zip(distinct, run_checker(distinct), strict=True)
        if errors
    ]
    assert not failures, f"{len(failures)} SSML strings fail ssml-check-core:\n" + "\n".join(
        failures[:20]
    )


@pytest.mark.skipif(NODE is None, reason="node is not installed, so ssml-check-core cannot run")
def test_the_checker_reports_what_alexa_rejects() -> None:
    """The validator bridge works: clean SSML passes, each kind of breakage is caught."""
    audio = '<audio src="soundbank://soundlibrary/musical/amzn_sfx_bell_short_chime_01"/>'
    results = run_checker(
        [
            '<speak>Breathe. <break time="10s"/> Again.</speak>',
            '<speak>Hold. <break time="11s"/></speak>',
            "<speak>Salt & pepper</speak>",
            "<speak><blink>no</blink></speak>",
            f"<speak>{audio * 6}</speak>",
        ]
    )
    assert results[0] == []
    assert all(results[1:]), results
