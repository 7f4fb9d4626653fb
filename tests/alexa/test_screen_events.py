"""Hands-free on screens, honest buttons, and requests the skill does not serve.

The YAML dialogs show the behaviour as a person meets it (``screen_end_of_hold``,
``keep_going_on_a_screen``, ``unserved_requests``, ``can_fulfill``...); these tests pin the
contracts underneath: what the end-of-hold event carries and when it is late, that nothing
spoken is lost or said twice on a screen, that every button shown does something, and that
asking (CanFulfill) or failing (device errors) never touches stored progress or logs an error.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_model import RequestEnvelope

from skill.alexa import apl, intents
from skill.alexa.builder import build_skill
from skill.alexa.lambda_function import make_handler
from skill.coach import machine as coach
from skill.coach.events import Event, On
from skill.coach.position import position_key
from skill.coach.routine import routine_sets
from skill.coach.state import ROUTINE, SAFETY, State
from skill.content.records import Content
from skill.local.envelopes import Session
from skill.local.nlu import Match, SlotValue
from skill.local.simulator import Conversation, Turn
from skill.local.walkthrough import pass_safety_check
from skill.settings import Settings
from skill.voice.reply import Pause, Say, View

EXECUTE = "Alexa.Presentation.APL.ExecuteCommands"


def _routine(content: Content, *, keep_going: bool = False) -> tuple[State, Any]:
    state = State()
    state, reply = coach.handle(content, state, Event(On.LAUNCH))
    while state.phase == SAFETY:
        state, reply = coach.handle(content, state, Event(On.NO))
    if keep_going:
        state, reply = coach.handle(content, state, Event(On.KEEP_GOING))
    state, reply = coach.handle(content, state, Event(On.SIDE, "right"))
    assert state.phase == ROUTINE
    return state, reply


# --------------------------------------------------------------------------- end of hold


def test_the_end_of_hold_event_says_the_closing_prompt_the_screen_left_out(
    content: Content,
) -> None:
    state, reply = _routine(content)
    assert reply.closing and reply.parts[-1] == Say(reply.closing)
    plan = apl.timeline(apl.screen_parts(reply))
    spoken = [p for cue in plan.cues for p in cue if isinstance(p, Say)]
    assert Say(reply.closing) not in spoken, "the screen must not say the prompt mic-closed"
    after, answer = coach.handle(content, state, Event(On.HOLD_DONE, position_key(state)))
    moved = ("phase", "routine", "side", "index", "step", "run", "paused", "last")
    assert [getattr(after, k) for k in moved] == [getattr(state, k) for k in moved]
    # ...and it says the steps were heard to their end: "resume" would go on from the next one
    assert after.next_at == (state.index, state.step + state.run)
    # "say that again": the prompt, never the hold just done; "once more" does the part again
    words = coach.handle(content, after, Event(On.REPEAT))[1]
    assert reply.closing in words.text and not any(isinstance(p, Pause) for p in words.parts)
    again = coach.handle(content, after, Event(On.REPEAT_STEP))[1]
    assert reply.view.text in again.text and again.closing == reply.closing
    assert answer.text == reply.closing and answer.reprompt and not answer.end_session
    # nothing is lost or said twice: the screen's cues and the event's answer are the reply
    assert " ".join(p.text for p in [*spoken, *answer.parts] if isinstance(p, Say)) == reply.text


def test_in_keep_going_mode_the_end_of_hold_event_plays_the_next_technique(
    content: Content,
) -> None:
    state, _ = _routine(content, keep_going=True)
    sets = routine_sets(content.routine(state.routine), state.side)
    seen = [sets[state.index].technique.id]
    for _ in range(len(sets) * 2):
        state, reply = coach.handle(content, state, Event(On.HOLD_DONE, position_key(state)))
        if reply.end_session:
            break
        seen.append(sets[state.index].technique.id)
        assert apl.speaks(reply), "each technique is a timed reply the screen speaks"
    assert reply.end_session and "completed" in reply.effects
    assert seen == [s.technique.id for s in sets]


@pytest.mark.parametrize(
    "then",
    [
        *(Event(kind) for kind in (On.NEXT, On.PREVIOUS, On.PAUSE, On.FORGET)),
        *(Event(On.SIDE, "both"), Event(On.TOPIC, "causes"), Event(On.GO_TO, "knee_friction")),
    ],
)
def test_an_end_of_hold_event_for_a_step_already_left_changes_nothing(
    content: Content, then: Event
) -> None:
    state, _ = _routine(content)
    state, _ = coach.handle(content, state, Event(On.NEXT))  # the second timed step
    old = position_key(state)
    state, _ = coach.handle(content, state, then)
    after, reply = coach.handle(content, state, Event(On.HOLD_DONE, old))
    assert reply.silent and after == state


def test_the_screen_sends_the_event_last_with_the_position_it_played(content: Content) -> None:
    state, reply = _routine(content)
    _, execute = apl.directives(reply, content)
    *_, last = execute.commands
    assert last.object_type == "SendEvent"
    assert last.arguments == [apl.HOLD_DONE_ACTION, position_key(state)]
    assert apl.touch_event(last.arguments) == Event(On.HOLD_DONE, position_key(state))
    assert apl.touch_event([apl.HOLD_DONE_ACTION, 7]) == Event(On.HOLD_DONE, None)


@pytest.mark.parametrize(
    ("device", "expected"),
    [("2023.3", True), ("2024.2", True), ("2023.2", False), ("1.9", False), (None, False)],
)
def test_the_document_goes_only_to_runtimes_that_have_its_version(
    device: str | None, expected: bool
) -> None:
    assert apl.renders_on(device) is expected


def test_the_chat_runs_a_whole_routine_on_a_screen_in_keep_going_mode(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from skill import cli

    script = tmp_path / "said.txt"
    script.write_text("open knee coach\n" + "no\n" * 5 + "keep going\nright\nquit\n")
    assert cli.main(["chat", "--fast", "--screen", "--script", str(script)]) == 0
    out = capsys.readouterr().out
    assert out.count("(heard: EndOfHold") >= 6
    assert "(mic closed while the screen speaks" in out
    after_right = out.split("you> right", 1)[1]
    assert "you>" not in after_right, "after 'right', not a word until the end"
    assert "(mic open)" not in after_right
    assert after_right.rstrip().endswith("(session ended)")


# --------------------------------------------------------------------------- buttons


CANNOT = (
    "nothing_to_resume",
    "nothing_to_repeat",
    "not_in_routine",
    "no_question",
    "fallback",
    "fallback_again",
    "advised_no_routine",
)
"""What the skill says when asked for something it cannot do right now."""


def _screens(conversation: Callable[..., Conversation]) -> Iterator[tuple[str, Conversation]]:
    """A person at many different screens, one after another."""
    person = conversation(apl=True)
    person.launch()
    yield "safety question", person
    pass_safety_check(person)
    yield "which knee", person
    person.say("right")
    yield "timed step", person
    person.say("what causes knee pain")
    yield "topic mid-routine", person
    person.say("where am i")
    yield "where am I", person
    person.say("resume")
    person.say("help")
    yield "help mid-routine", person
    person.say("stop")
    one_shot = conversation(apl=True)
    one_shot.say("ask knee coach what causes knee pain")
    yield "topic in a one-shot", one_shot
    advised = conversation(apl=True)
    advised.launch()
    advised.say("yes")
    yield "hold-off advice", advised
    advised.say("when should i see a doctor")
    yield "topic after advice", advised


def _buttons(turn: Turn) -> list[dict[str, str]]:
    (render,) = [d for d in turn.directives if d["type"].endswith("RenderDocument")]
    buttons: list[dict[str, str]] = render["datasources"][apl.DATASOURCE]["properties"]["buttons"]
    return buttons


def test_every_button_on_every_screen_does_something(
    conversation: Callable[..., Conversation], content: Content
) -> None:
    cannot = [content.prompt(key).lower() for key in CANNOT]
    checked = 0
    for where, person in _screens(conversation):
        assert person._last is not None
        for button in _buttons(person._last):
            probe = copy.deepcopy(person.session)
            saved = person.session
            person.session = probe
            turn = person.touch(button["action"], button["value"])
            person.session = saved
            said = turn.text.lower()
            assert not any(c in said for c in cannot), f"{where}: {button['label']}: {said}"
            checked += 1
    assert checked >= 20


def test_info_screens_offer_no_yes_no_or_next_that_would_do_nothing(
    conversation: Callable[..., Conversation],
) -> None:
    shown = {where: [b["action"] for b in _buttons(p._last)] for where, p in _screens(conversation)}
    assert shown["topic in a one-shot"] == ["start", "repeat"]  # nothing paused: no Resume
    assert shown["topic mid-routine"][0] == "resume"
    assert shown["hold-off advice"] == ["repeat"]
    assert shown["which knee"] == ["side", "side", "side"]
    for where, actions in shown.items():
        if where not in ("safety question",):
            assert "yes" not in actions and "no" not in actions, where


def test_goodbye_shows_no_buttons(conversation: Callable[..., Conversation]) -> None:
    person = conversation(apl=True)
    person.launch()
    assert _buttons(person.say("stop")) == []


def test_views_without_actions_keep_the_usual_buttons(content: Content) -> None:
    labels = content.labels
    assert [b["action"] for b in apl.buttons(View("info", "t", "x"), labels, False)] == []
    both = View("question", "t", "x", actions=("side:left", "side:both"))
    assert [(b["action"], b["value"]) for b in apl.buttons(both, labels, False)] == [
        ("side", "left"),
        ("side", "both"),
    ]


# --------------------------------------------------------------------------- unserved


class CountingStore(AbstractPersistenceAdapter):
    """A store that only counts: any call during a CanFulfill would be a failure."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, object]:
        self.calls.append("get")
        return {}

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: Any) -> None:
        self.calls.append("save")

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self.calls.append("delete")


def test_can_fulfill_reads_and_writes_no_progress_and_says_nothing(content: Content) -> None:
    store = CountingStore()
    skill = build_skill(Settings(persistence="none"), store, content=content)
    person = Conversation(make_handler(skill))
    asks = [
        Match(intents.START_ROUTINE, {"routine": SlotValue("quick", "quick")}),
        Match(intents.GO_TO_TECHNIQUE, {"technique": SlotValue("moonwalk", None)}),
        Match(intents.FORGET_ME),
        Match("AMAZON.PlaybackAction<object@MusicCreativeWork>"),
    ]
    for match in asks:
        response = person.can_fulfill(match).response
        assert set(response["response"]) == {"canFulfillIntent"}, response
        assert not response.get("sessionAttributes")
    assert store.calls == []
    person.launch()
    assert store.calls, "the same store is used by a real turn (the spy works)"


def test_unserved_requests_log_no_error(
    handler: Any, caplog: pytest.LogCaptureFixture, content: Content
) -> None:
    session = Session(apl=True)
    requests = [
        session.exception_encountered(),
        session.apl_runtime_error(),
        session.envelope({"type": "Messaging.MessageReceived", "message": {}}),
        session.envelope(
            {
                "type": "Alexa.Presentation.APL.RuntimeError",
                "token": "kneeCoach",
                "errors": [{"type": "SOME_NEW_ERROR", "message": "not in the SDK's models"}],
            }
        ),
        session.intent("AMAZON.ShuffleOnIntent"),
    ]
    with caplog.at_level(logging.DEBUG):
        answers = [handler(envelope, None)["response"] for envelope in requests]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    exception, runtime_error, unknown_type, unreadable, unknown_intent = answers
    assert exception == {} and unknown_type == {} and unreadable == {}
    for answer in (runtime_error, unknown_intent):
        ssml = answer["outputSpeech"]["ssml"]
        assert content.prompt("error") not in ssml and "went wrong" not in ssml
        assert answer["shouldEndSession"] is False and answer["reprompt"]
    assert "directives" not in runtime_error, "no document after a document failed"
