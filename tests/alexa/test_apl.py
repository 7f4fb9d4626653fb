"""Echo Show screens: the APL document as data, its datasource, the countdown, and touch.

Three promises are checked here. The document and datasource fit together (every binding
the document reads exists). The countdown on screen agrees with the spoken cues, for every
timed step of the full routine. Touch and voice are one code path: each button leaves the
conversation exactly where the matching intent does, and a device without APL never sees
an APL directive.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from alexa_rules import response_problems, ssml_problems, walk_json
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.interfaces.alexa.presentation.apl.set_value_command import SetValueCommand
from ask_sdk_model.interfaces.alexa.presentation.apl.speak_item_command import SpeakItemCommand
from ask_sdk_model.request_envelope import RequestEnvelope

from skill.alexa import apl, device, intents
from skill.coach import machine as coach
from skill.coach.events import Event, On
from skill.coach.position import hold_number
from skill.coach.routine import HOLD_END_SOUND, hold_parts, routine_sets
from skill.coach.state import DONE, ROUTINE, SAFETY, SIDE, State
from skill.content.records import Content
from skill.local.envelopes import Session
from skill.local.nlu import Match
from skill.local.simulator import Conversation, Turn
from skill.local.ssml_text import plain_text
from skill.voice import speech
from skill.voice.reply import Pause, Reply, Say, Sound, View

RENDER = "Alexa.Presentation.APL.RenderDocument"
EXECUTE = "Alexa.Presentation.APL.ExecuteCommands"
PRIMITIVES = {
    "Container", "Text", "Frame", "TouchWrapper", "ScrollView", "Image", "Sequence",
    "Pager", "VectorGraphic", "Video", "EditText", "GridSequence",
}  # fmt: skip
VOICE_FOR = {
    "pause": intents.PAUSE,
    "resume": intents.RESUME,
    "repeat": intents.REPEAT,
    "once_more": intents.REPEAT_STEP,
    "previous": intents.PREVIOUS,
    "next": intents.NEXT,
    "yes": intents.YES,
    "no": intents.NO,
}


@pytest.fixture(scope="module")
def screens() -> apl.Screens:
    return apl.default_screens()


# --------------------------------------------------------------------------- helpers


def _strings(node: Any) -> list[str]:
    return [value for value in walk_json(node) if isinstance(value, str)]


def _components(items: Any) -> Iterator[dict[str, Any]]:
    """Components only: what sits under ``item``/``items``, not bind entries or commands."""
    for component in items if isinstance(items, list) else [items]:
        yield component
        for key in ("item", "items", "firstItem", "lastItem"):
            if key in component:
                yield from _components(component[key])


def _serialize(value: Any) -> Any:
    """What the SDK would send: the same serializer the skill's responses go through."""
    return json.loads(json.dumps(DefaultSerializer().serialize(value)))


def _full_routine(content: Content, side: str = "right") -> Iterator[tuple[State, Reply]]:
    """Drive the coach from launch through the whole full routine, step by step."""
    state = State()
    state, reply = coach.handle(content, state, Event(On.LAUNCH))
    while state.phase == SAFETY:
        state, reply = coach.handle(content, state, Event(On.NO))
    if state.phase == SIDE:
        state, reply = coach.handle(content, state, Event(On.SIDE, side))
    assert state.phase == ROUTINE
    yield state, reply
    while state.phase == ROUTINE:
        state, reply = coach.handle(content, state, Event(On.NEXT))
        yield state, reply
    assert state.phase == DONE


def _played(plan: apl.Timeline) -> list[tuple[str, int | None, bool]]:
    """Run the commands as a device would: (cue text, countdown shown, holding) per SpeakItem.

    Also checks the timing contract on the way: only countdown ticks wait, one second each.
    """
    countdown: int | None = None
    holding = False
    heard: list[tuple[str, int | None, bool]] = []
    for command in plan.commands:
        if isinstance(command, SpeakItemCommand):
            index = int(str(command.component_id).removeprefix(apl.CUE_PREFIX))
            text = " ".join(p.text for p in plan.cues[index] if isinstance(p, Say))
            heard.append((text, countdown, holding))
        elif isinstance(command, SetValueCommand):
            if command.object_property == "countdown":
                countdown = int(command.value)
            else:
                holding = bool(command.value)
    return heard


def _waited_ms(plan: apl.Timeline) -> int:
    return sum(int(c.delay or 0) for c in plan.commands)


def _expected_cues(content: Content, hold: int, number: int = 0) -> list[tuple[str, int]]:
    """From the coach's own hold cues: each cue spoken after silence, and the seconds left.

    ``number`` is the hold's place in the routine, which picks each cue's wording.
    """
    remaining = hold
    cues: list[tuple[str, int]] = []
    after_pause = False
    for part in hold_parts(content, hold, number):
        if isinstance(part, Pause):
            remaining -= int(part.seconds)
            after_pause = True
        elif isinstance(part, Say) and after_pause:
            cues.append((part.text, remaining))
            after_pause = False
    return cues


def _apl_directives(turn: Turn) -> list[dict[str, Any]]:
    return [d for d in turn.directives if apl.is_apl_directive(d)]


def _properties(turn: Turn) -> dict[str, Any]:
    (render,) = [d for d in turn.directives if d["type"] == RENDER]
    properties: dict[str, Any] = render["datasources"][apl.DATASOURCE]["properties"]
    return properties


def _outcome(turn: Turn, session: Session) -> tuple[Any, ...]:
    """Everything a person sees and hears from a turn, plus where the coach now is."""
    response = turn.response["response"]
    return (
        response.get("outputSpeech"),
        response.get("reprompt"),
        response.get("card"),
        response.get("shouldEndSession"),
        response.get("directives"),
        session.attributes.get("coach"),
    )


# --------------------------------------------------------------------------- document


def test_document_has_the_structure_apl_requires(screens: apl.Screens) -> None:
    document = screens.document
    assert document["type"] == "APL"
    assert re.fullmatch(r"20\d\d\.\d", document["version"])
    template = document["mainTemplate"]
    assert template["parameters"] == ["payload"]
    assert isinstance(template["items"], list) and template["items"]
    layouts = [layout["item"] for layout in document["layouts"].values()]
    for component in _components([*template["items"], *layouts]):
        kind = component["type"]
        assert kind in PRIMITIVES or kind in document["layouts"], f"unknown component {kind}"


def test_every_resource_the_document_uses_is_defined_for_every_viewport(
    screens: apl.Screens,
) -> None:
    document = screens.document
    default, *conditional = document["resources"]
    assert "when" not in default, "the first resource block is the fallback for any screen"
    defined = {name for group in default.values() if isinstance(group, dict) for name in group}
    used = {
        name
        for text in _strings({k: v for k, v in document.items() if k != "resources"})
        for name in re.findall(r"@(\w+)", text)
    }
    assert used <= defined, f"undefined resources: {sorted(used - defined)}"
    for block in conditional:
        names = {n for group in block.values() if isinstance(group, dict) for n in group}
        assert names <= defined, f"{block['description']}: overrides unknown {names - defined}"
    conditions = " ".join(block["when"] for block in conditional)
    assert "viewport.shape == 'round'" in conditions and "viewport.height" in conditions


def test_every_binding_the_document_reads_is_in_the_datasource(
    screens: apl.Screens, content: Content
) -> None:
    view = View("step", "Knee Friction", "Make small circles.", 3, 6, 2, 4, 30)
    data = apl.datasource(view, content.labels, cues=2)
    properties = data[apl.DATASOURCE]["properties"]
    text = " ".join(_strings(screens.document["mainTemplate"]))
    read = set(re.findall(r"(?<![.\w])coach\.(\w+)", text))
    read |= set(re.findall(r"payload\.coach\.properties\.(\w+)", text))
    assert read, "the document binds nothing from the datasource?"
    assert read <= set(properties), f"bound but missing: {sorted(read - set(properties))}"
    binds = {b["name"] for b in screens.document["mainTemplate"]["items"][0]["bind"]}
    assert {"countdown", "holding"} <= binds
    layout = screens.document["layouts"]["CoachButton"]
    params = {p["name"] for p in layout["parameters"]}
    assert all(set(button) == params for button in properties["buttons"])
    # every cue a SpeakItem targets has an aplAudioToSpeech transformer writing its speech
    outputs = {t["outputName"] for t in data[apl.DATASOURCE]["transformers"]}
    assert outputs == {cue["id"] for cue in properties["cues"]} == {"cue0", "cue1"}


def test_cue_template_is_apl_for_audio(screens: apl.Screens) -> None:
    cue = apl.cue_document(screens.cue, [Say("And relax & rest."), Sound(HOLD_END_SOUND)])
    assert cue["type"] == "APLA" and cue["mainTemplate"]["parameters"] == ["payload"]
    speech_item, audio = cue["mainTemplate"]["item"]["items"]
    assert speech_item == {
        "type": "Speech",
        "contentType": "SSML",
        "content": "<speak>And relax &amp; rest.</speak>",
    }
    assert audio == {"type": "Audio", "source": HOLD_END_SOUND}
    assert screens.cue["mainTemplate"]["item"]["items"] == [], "the template stays untouched"


def test_buttons_send_actions_the_skill_understands(screens: apl.Screens, content: Content) -> None:
    layout = screens.document["layouts"]["CoachButton"]["item"]
    (send,) = layout["onPress"]
    assert send == {"type": "SendEvent", "arguments": ["${action}", "${value}"]}
    for kind in ("step", "question", "topic", "info"):
        for paused in (False, True):
            for button in apl.buttons(View(kind, "t", "x", paused=paused), content.labels, False):
                event = apl.touch_event([button["action"], button["value"]])
                assert event.kind != On.FALLBACK, button
    step = [b["action"] for b in apl.buttons(View("step", "t", "x"), content.labels, False)]
    assert step == ["pause", "once_more", "previous", "next"]
    paused = apl.buttons(View("step", "t", "x", paused=True), content.labels, False)
    assert paused[0]["action"] == "resume"
    assert [b["action"] for b in apl.buttons(View("done", "t", "x"), content.labels, False)] == []


# --------------------------------------------------------------------------- datasource


def test_datasource_for_every_step_of_the_full_routine(
    screens: apl.Screens, content: Content
) -> None:
    sets = routine_sets(content.routine("full"), "right")
    seen_progress: list[float] = []
    screened_steps: set[tuple[int, int]] = set()
    for state, reply in _full_routine(content):
        view = reply.view
        data = _serialize(apl.datasource(view, content.labels))
        properties = data[apl.DATASOURCE]["properties"]
        if state.phase == DONE:
            assert properties["kind"] == "done" and properties["buttons"] == []
            continue
        current = sets[state.index]
        step = state.step + state.run - 1  # the last step this reply spoke
        technique = current.technique
        assert properties["kind"] == "step"
        assert properties["title"].startswith(technique.name)
        assert properties["text"] == technique.steps[step].say
        assert properties["techniqueNumber"] == current.number
        assert properties["techniqueCount"] == len(content.routine("full").items) == 6
        assert properties["stepNumber"] == step + 1
        assert properties["stepCount"] == len(technique.steps)
        assert properties["holdSeconds"] == current.holds[step]
        expected = (current.number - 1 + (step + 1) / len(technique.steps)) / 6
        assert properties["progress"] == pytest.approx(expected, abs=1e-4)
        assert properties["progressPercent"] == round(expected * 100)
        assert properties["progressLabel"] == (
            f"Technique {current.number} of 6 \u00b7 Step {step + 1} of {len(technique.steps)}"
        )
        seen_progress.append(properties["progress"])
        screened_steps.add((current.number, step))
    assert seen_progress == sorted(seen_progress), "progress never goes backwards"
    assert seen_progress[-1] == 1.0
    timed = {
        (s.number, i) for s in sets for i, hold in enumerate(s.holds) if hold > 0
    }  # every timed step gets its own screen
    assert timed <= screened_steps


# --------------------------------------------------------------------------- countdown


def test_countdown_matches_the_spoken_cues_for_every_timed_step(content: Content) -> None:
    timed = 0
    for state, reply in _full_routine(content):
        if not apl.speaks(reply):
            assert reply.view.hold_seconds == 0
            continue
        timed += 1
        hold = reply.view.hold_seconds
        plan = apl.timeline(reply.parts)
        assert _waited_ms(plan) == hold * 1000
        heard = _played(plan)
        first, *during = heard
        sets = routine_sets(content.routine(state.routine), state.side)
        number = hold_number(sets, state.index, state.step + state.run - 1)
        assert first[0].endswith(content.variant("hold_start", number, seconds=hold))
        assert first[2] is False, "no countdown while the step is read"
        expected = _expected_cues(content, hold, number)
        assert [(text.split(" ")[0], shown) for text, shown, _ in during] == [
            (cue.split(" ")[0], left) for cue, left in expected
        ]
        assert all(holding for _, _, holding in during), "countdown stays up through relax"
        assert during[-1][1] == 0
        assert during[-1][0].startswith(content.variant("hold_end", number))
        # nothing said is lost: the cues are the voice reply, silences apart
        assert " ".join(text for text, _, _ in heard) == reply.text
        cue_sounds = [p for cue in plan.cues for p in cue if isinstance(p, Sound)]
        assert cue_sounds == [p for p in reply.parts if isinstance(p, Sound)]
        for cue in plan.cues:
            assert not ssml_problems(f"<speak>{speech.to_ssml(cue)}</speak>")
    assert timed >= 12


def test_countdown_for_a_sixty_second_hold_has_all_three_cues(content: Content) -> None:
    plan = apl.timeline(hold_parts(content, 60))
    assert _waited_ms(plan) == 60_000
    shown = [(text, left) for text, left, _ in _played(plan)]
    assert shown == [("60 seconds, starting now.", None), ("Halfway.", 30),
                     ("Ten more seconds.", 10), ("And relax.", 0)]  # fmt: skip
    assert plan.commands[-1].object_property == "holding" and plan.commands[-1].value is False


def test_keep_going_mode_counts_each_hold_from_its_own_length(content: Content) -> None:
    parts = [*hold_parts(content, 30), Say("Step 2."), *hold_parts(content, 15)]
    plan = apl.timeline(parts)
    assert _waited_ms(plan) == 45_000
    starts = [
        c.value
        for i, c in enumerate(plan.commands)
        if isinstance(c, SetValueCommand) and c.object_property == "countdown" and not c.delay
    ]
    assert starts == [30, 15]


def test_fractional_silence_still_adds_up() -> None:
    plan = apl.timeline([Say("Hold."), Pause(2.5), Sound(HOLD_END_SOUND), Say("Done.")])
    assert _waited_ms(plan) == 2500
    assert [left for _, left, _ in _played(plan)] == [None, 0]


# --------------------------------------------------------------------------- devices


def test_supports_apl_only_when_the_device_says_so() -> None:
    def envelope(apl_on: bool) -> RequestEnvelope:
        raw = Session(apl=apl_on).launch()
        result: RequestEnvelope = DefaultSerializer().deserialize(json.dumps(raw), RequestEnvelope)
        return result

    assert device.supports_apl(envelope(True))
    assert not device.supports_apl(envelope(False))
    assert not device.supports_apl(None)
    assert not device.supports_apl(RequestEnvelope())


def test_a_whole_routine_without_apl_never_gets_an_apl_directive(
    conversation: Callable[..., Conversation],
) -> None:
    person = conversation()
    turns = [person.launch()]
    while "Which knee" not in turns[-1].text and turns[-1].open:
        turns.append(person.send_intent(Match(intents.NO)))
    turns.append(person.say("both knees"))
    while turns[-1].open:
        turns.append(person.send_intent(Match(intents.NEXT)))
        assert len(turns) < 200
    assert "complete" in turns[-1].card["title"].lower()
    turns.append(person.launch())
    turns.append(person.send_intent(Match(intents.HELP)))
    for turn in turns:
        assert not _apl_directives(turn), turn.heard
        assert turn.ssml, "voice-only devices always hear the reply"
        card = turn.card.get("content") or turn.card.get("text")  # Simple or Standard
        assert card, "the Alexa app always gets a card"
        assert not response_problems(turn.response)


def test_screen_devices_get_the_screen_and_still_the_card(
    conversation: Callable[..., Conversation],
) -> None:
    person = conversation(apl=True)
    launch = person.launch()
    assert [d["type"] for d in launch.directives] == [RENDER]
    assert launch.ssml and launch.open, "untimed replies are spoken as usual"
    assert _properties(launch)["kind"] == "question"
    assert launch.card["content"] == _properties(launch)["text"]
    assert not response_problems(launch.response)


def _to_first_step(person: Conversation) -> Turn:
    turn = person.launch()
    while (
        _properties(turn)["kind"] == "question"
        and _properties(turn)["buttons"][0]["action"] == "yes"
    ):
        turn = person.touch("no")
    return person.touch("side", "right")


def test_a_timed_step_on_a_screen_is_spoken_by_the_screen(
    conversation: Callable[..., Conversation], content: Content
) -> None:
    person = conversation(apl=True)
    turn = _to_first_step(person)
    response = turn.response["response"]
    assert [d["type"] for d in turn.directives] == [RENDER, EXECUTE]
    assert "outputSpeech" not in response and "reprompt" not in response
    assert "shouldEndSession" not in response, "the screen keeps the session; no open mic"
    render, execute = turn.directives
    assert render["token"] == execute["token"] == apl.TOKEN
    cues = render["datasources"][apl.DATASOURCE]["properties"]["cues"]
    assert set(render["sources"]) == {cue["id"] for cue in cues}
    spoken = [
        item["content"]
        for source in render["sources"].values()
        for item in source["mainTemplate"]["item"]["items"]
        if item["type"] == "Speech"
    ]
    said = plain_text(" ".join(s.removeprefix("<speak>").removesuffix("</speak>") for s in spoken))
    assert any(half in said for half in content.variants["hold_half"])
    assert any(end in said for end in content.variants["hold_end"])
    assert turn.card["content"] == _properties(turn)["text"]
    assert len(json.dumps(turn.response)) < 24_000
    again = person.touch("once_more")  # the step again (not the technique's intro or purpose)
    commands = again.directives[1]["commands"]
    assert commands[:-1] == execute["commands"][:-1], "the same countdown and cues, again"
    assert commands[-1]["arguments"][1] != execute["commands"][-1]["arguments"][1]  # its movement
    _, *during, _ = sorted(render["sources"])
    assert [again.directives[0]["sources"][k] for k in during] == [
        render["sources"][k] for k in during
    ]


# --------------------------------------------------------------------------- touch


def _fork(person: Conversation) -> Session:
    return copy.deepcopy(person.session)


@pytest.mark.parametrize(
    ("setup", "actions"),
    [
        ("question", ["yes", "no", "repeat"]),
        ("step", ["pause", "once_more", "repeat", "previous", "next", "resume"]),
        ("paused", ["resume", "once_more", "repeat", "next", "previous"]),
        ("second_step", ["previous", "next", "once_more", "repeat"]),
    ],
)
def test_each_button_does_what_its_voice_intent_does(
    conversation: Callable[..., Conversation], setup: str, actions: list[str]
) -> None:
    person = conversation(apl=True)
    if setup == "question":
        person.launch()
    else:
        _to_first_step(person)
        if setup == "paused":
            person.touch("pause")
        if setup == "second_step":
            person.touch("next")
    start = _fork(person)
    for action in actions:
        person.session = copy.deepcopy(start)
        touched = person.touch(action)
        by_touch = _outcome(touched, person.session)
        person.session = copy.deepcopy(start)
        spoken = person.send_intent(Match(VOICE_FOR[action]))
        assert by_touch == _outcome(spoken, person.session), action


def test_side_buttons_match_saying_the_side(conversation: Callable[..., Conversation]) -> None:
    person = conversation(apl=True)
    turn = person.launch()
    while _properties(turn)["buttons"][0]["action"] == "yes":
        turn = person.touch("no")
    assert [b["value"] for b in _properties(turn)["buttons"]] == ["left", "right", "both"]
    start = _fork(person)
    for side in ("left", "right", "both"):
        person.session = copy.deepcopy(start)
        touched = person.touch("side", side)
        by_touch = _outcome(touched, person.session)
        person.session = copy.deepcopy(start)
        spoken = person.say(f"my {side} knee" if side != "both" else "both knees")
        assert spoken.heard.startswith(intents.CHOOSE_SIDE)
        assert by_touch == _outcome(spoken, person.session), side


@pytest.mark.parametrize(
    "arguments",
    [("dance",), (), (42,), ({"x": 1},), ("side", "middle"), ("side",), (None, "next")],
)
def test_unknown_touches_are_a_fallback_never_an_error(
    conversation: Callable[..., Conversation], arguments: tuple[Any, ...]
) -> None:
    person = conversation(apl=True)
    person.launch()
    start = _fork(person)
    turn = person.touch(*arguments)
    assert turn.ssml and turn.open, "a spoken answer with the mic open"
    assert "went wrong" not in turn.text
    if arguments and arguments[0] == "side":
        return  # a side without a value asks which knee, as "choose a side" would
    person.session = start
    assert (
        _outcome(turn, person.session)[:3]
        == _outcome(person.send_intent(Match(intents.FALLBACK)), person.session)[:3]
    )


def test_a_full_routine_by_touch_alone_after_launch(
    conversation: Callable[..., Conversation], content: Content
) -> None:
    person = conversation(apl=True)
    turn = person.launch()
    touches = 0
    timed = 0
    while True:
        buttons = _properties(turn)["buttons"]
        actions = [b["action"] for b in buttons]
        if not buttons:
            break
        if actions[:2] == ["yes", "no"] and _properties(turn)["kind"] == "question":
            turn = person.touch("no")
        elif actions[0] == "side":
            turn = person.touch("side", "both")
        else:
            assert "next" in actions
            turn = person.touch("next")
        touches += 1
        timed += EXECUTE in [d["type"] for d in turn.directives]
        assert any(d["type"] == RENDER for d in turn.directives)
        assert turn.card.get("content") or turn.card.get("text")
        assert touches < 200
    assert _properties(turn)["kind"] == "done"
    assert turn.response["response"]["shouldEndSession"] is True
    assert content.prompt("finished") in turn.text
    assert timed >= 24, "both knees: every timed step, twice, counted down on screen"


def test_long_replies_tick_coarser_but_still_land_on_every_cue(content: Content) -> None:
    parts = [*hold_parts(content, 80), Say("Step 2."), *hold_parts(content, 45)]
    plan = apl.timeline(parts)
    assert apl.tick_seconds(parts) == apl.COARSE_TICK
    assert _waited_ms(plan) == 125_000
    shown = [left for _, left, _ in _played(plan)]
    expected = [left for _, left in _expected_cues(content, 80)]
    expected += [left for _, left in _expected_cues(content, 45)]
    assert shown == [None, *expected] == [None, 40, 10, 0, 22, 10, 0]
    ticks = [c for c in plan.commands if isinstance(c, SetValueCommand) and c.delay]
    assert len(ticks) <= 125 / apl.COARSE_TICK + 4


@pytest.mark.parametrize(("keep_going", "slower"), [(False, 0), (True, 0), (True, 3), (False, 3)])
def test_every_screen_response_stays_within_alexas_24_kb(
    conversation: Callable[..., Conversation], keep_going: bool, slower: int
) -> None:
    person = conversation(apl=True)
    turn = person.launch()
    while _properties(turn)["buttons"][0]["action"] == "yes":
        turn = person.touch("no")
    for _ in range(slower):
        person.send_intent(Match(intents.SLOWER))
    if keep_going:
        person.send_intent(Match(intents.KEEP_GOING))
    turns = [person.touch("side", "both")]
    while turns[-1].response["response"].get("shouldEndSession") is not True:
        turns.append(person.touch("next"))
        assert len(turns) < 100
    assert max(len(json.dumps(t.response)) for t in turns) < 24_000
    assert sum(EXECUTE in [d["type"] for d in t.directives] for t in turns) >= 2
