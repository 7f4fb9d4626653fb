"""Screens for Echo Show and other APL devices: the coach's reply as an APL document.

The document and the audio cue template are data in ``content/apl/`` and are loaded once;
the words on buttons and labels are each language's (``content/<language>/screen.yaml``).
This module only fills a datasource from the reply's :class:`~skill.voice.reply.View` and
plans the commands that keep the screen in step with speech.

Why timed steps are spoken *by the screen*: a hold is spoken as cues separated by silence
("30 seconds." … "Halfway." … "Ten more seconds." … chime … "And relax."). A countdown that
merely starts with the response would drift by however long the step took to read, and
Alexa gives no timing for ``outputSpeech``. So on APL devices a reply that contains a hold
has no ``outputSpeech``: each stretch of speech between silences becomes one APL-for-audio
cue played by ``SpeakItem``, and each silence becomes one ``SetValue`` per second on the
countdown. The number on screen is then exactly what the voice says when it says it, by
construction. Every other reply (questions, answers, untimed steps) keeps its normal
``outputSpeech`` and only gains a ``RenderDocument``.

When the last cue and the countdown are over, the same command sequence ends with a
``SendEvent`` (``["holdDone", position]``): the skill answers it with the closing prompt and
an open microphone, or, in keep-going mode, with the next technique. The closing prompt is
therefore not among the cues (see :func:`screen_parts`).

Touch buttons send ``SendEvent`` with an action name (see :data:`TOUCH_EVENTS`); the handlers
map it to the same coach event the matching voice intent produces. Which buttons a screen
shows is the coach's call (``View.actions``): only what can be done next.

A device gets the document only if its APL runtime is at least the version the document
declares (:func:`renders_on`); any other device hears the reply as a voice-only device does.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Importing any APL model class runs the package __init__, which loads ~70 modules
    # (~10 ms at cold start); only screen devices need them, so the builders import lazily.
    from ask_sdk_model.directive import Directive
    from ask_sdk_model.interfaces.alexa.presentation.apl.command import Command
    from ask_sdk_model.interfaces.alexa.presentation.apl.send_event_command import (
        SendEventCommand,
    )
    from ask_sdk_model.interfaces.alexa.presentation.apl.set_value_command import (
        SetValueCommand,
    )

from skill.coach.events import Event, On
from skill.content.records import Content
from skill.settings import Settings
from skill.voice import speech
from skill.voice.reply import Part, Pause, Reply, Say, Sound, View

TOKEN = "kneeCoach"
"""One token for the document and its commands: ExecuteCommands only reaches a matching one."""
ROOT_ID = "coachRoot"
"""The component holding the ``countdown`` and ``holding`` bound values."""
DATASOURCE = "coach"
CUE_PREFIX = "cue"
APL_PREFIX = "Alexa.Presentation.APL"

TOUCH_EVENTS: dict[str, str] = {
    "start": On.START,
    "start_over": On.START_OVER,
    "pause": On.PAUSE,
    "resume": On.RESUME,
    "repeat": On.REPEAT,
    "once_more": On.REPEAT_STEP,
    "previous": On.PREVIOUS,
    "next": On.NEXT,
    "yes": On.YES,
    "no": On.NO,
    "side": On.SIDE,
}
"""Button action (first SendEvent argument) to the coach event its voice intent produces."""
HOLD_DONE_ACTION = "holdDone"
"""First argument of the event a timed step's document sends once its speech and countdown end."""
SIDE_CHOICES = ("left", "right", "both")
MAX_SECOND_TICKS = 90
"""Seconds of silence one response can count down second by second (see tick_seconds)."""
COARSE_TICK = 5


def touch_event(arguments: Any) -> Event:
    """The coach event for a button press; anything unexpected is a fallback, never an error.

    Arguments come from the device, so they are treated as untrusted: only known action
    names and side values get through.
    """
    args = list(arguments) if isinstance(arguments, (list, tuple)) else []
    action = args[0] if args and isinstance(args[0], str) else ""
    if action == HOLD_DONE_ACTION:
        position = args[1] if len(args) > 1 and isinstance(args[1], str) else None
        return Event(On.HOLD_DONE, position)
    kind = TOUCH_EVENTS.get(action)
    if kind is None:
        return Event(On.FALLBACK)
    if kind == On.SIDE:
        value = args[1] if len(args) > 1 and args[1] in SIDE_CHOICES else None
        return Event(On.SIDE, value)
    return Event(kind)


@dataclass(frozen=True)
class Screens:
    """The APL document and the audio cue template, as loaded from disk (every language's)."""

    document: dict[str, Any]
    cue: dict[str, Any]


def load_screens(directory: Path) -> Screens:
    """Read ``document.json`` and ``cue.json`` from ``directory``."""

    def read(name: str) -> Any:
        with (directory / name).open(encoding="utf-8") as handle:
            return json.load(handle)

    return Screens(read("document.json"), read("cue.json"))


@lru_cache(maxsize=4)
def default_screens(directory: Path | None = None) -> Screens:
    """The screens the running skill shows, loaded once per process."""
    return load_screens(directory or Settings.from_env().content_dir / "apl")


# --------------------------------------------------------------------------- timeline


@dataclass
class Timeline:
    """A reply split for the screen: spoken cues, and the commands that play them in step."""

    cues: list[list[Part]] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)


def _set(name: str, value: Any, delay: int = 0) -> SetValueCommand:
    from ask_sdk_model.interfaces.alexa.presentation.apl.set_value_command import (
        SetValueCommand,
    )

    return SetValueCommand(
        component_id=ROOT_ID, object_property=name, value=value, delay=delay or None
    )


def _hold_length(parts: list[Part], start: int) -> float:
    """Seconds of silence from ``start`` up to the hold's closing sound (the whole hold)."""
    total = 0.0
    for part in parts[start:]:
        if isinstance(part, Sound):
            break
        if isinstance(part, Pause):
            total += part.seconds
    return total


def tick_seconds(parts: tuple[Part, ...] | list[Part]) -> int:
    """One tick a second, or every five seconds when a reply holds for longer than that allows.

    Each tick is one command in the response, and Alexa refuses responses over 24 KB. Only a
    long keep-going reply at a slow pace gets near that; its countdown then moves in
    five-second steps, still landing exactly on every spoken cue (each silence ends on one).
    """
    silence = sum(part.seconds for part in parts if isinstance(part, Pause))
    return 1 if silence <= MAX_SECOND_TICKS else COARSE_TICK


def timeline(parts: tuple[Part, ...] | list[Part]) -> Timeline:
    """Speech between silences becomes cues; each silence a countdown, ticking each second.

    A hold (see :func:`skill.coach.routine.hold_parts`) is the silences from its first pause up to
    its closing sound, so a countdown starts at the hold's full length and reaches 0 on the
    chime; the cues inside it ("Halfway.", "Ten more seconds.") are spoken while the number
    they name is on screen.
    """
    from ask_sdk_model.interfaces.alexa.presentation.apl.speak_item_command import (
        SpeakItemCommand,
    )

    parts = list(parts)
    step = tick_seconds(parts)
    plan = Timeline()
    pending: list[Part] = []
    remaining: float | None = None
    closing = False

    def flush() -> None:
        nonlocal closing
        if pending:
            index = len(plan.cues)
            plan.cues.append(list(pending))
            plan.commands.append(SpeakItemCommand(component_id=f"{CUE_PREFIX}{index}"))
            pending.clear()
        if closing:
            # The 0 stays up through the chime and "And relax.", then the countdown goes.
            plan.commands.append(_set("holding", False))
            closing = False

    for i, part in enumerate(parts):
        if not isinstance(part, Pause) or part.settle:  # a moment to get ready stays in a cue
            if isinstance(part, Sound) and remaining is not None:
                remaining, closing = None, True
            pending.append(part)
            continue
        flush()
        if remaining is None:
            remaining = _hold_length(parts, i)
            plan.commands += [_set("countdown", _whole(remaining)), _set("holding", True)]
        remaining = _tick(plan, remaining, part.seconds, step)
    flush()
    return plan


def _whole(seconds: float) -> int:
    return round(seconds)


def _tick(plan: Timeline, remaining: float, seconds: float, step: int) -> float:
    """Count ``seconds`` down on screen, one SetValue per ``step`` seconds (a remainder last)."""
    left_ms = round(seconds * 1000)
    while left_ms > 0:
        wait = min(step * 1000, left_ms)
        left_ms -= wait
        remaining -= wait / 1000
        plan.commands.append(_set("countdown", _whole(remaining), delay=wait))
    return remaining


def speaks(reply: Reply) -> bool:
    """Whether the screen speaks this reply itself (it holds a timed silence)."""
    return any(isinstance(part, Pause) for part in reply.parts)


def screen_parts(reply: Reply) -> list[Part]:
    """What the document speaks: the reply without its closing prompt.

    The prompt ("say next for step 4") is the skill's answer to the end-of-hold event, said
    with the microphone open; spoken by the document it would be heard with the mic closed.
    """
    parts = list(reply.parts)
    if reply.closing and parts and isinstance(parts[-1], Say) and parts[-1].text == reply.closing:
        parts.pop()
    return parts


def end_of_hold(position: str) -> SendEventCommand:
    """The last command of a timed step: tell the skill the speech and countdown are over."""
    from ask_sdk_model.interfaces.alexa.presentation.apl.send_event_command import (
        SendEventCommand,
    )

    return SendEventCommand(arguments=[HOLD_DONE_ACTION, position])


def version_number(text: object) -> tuple[int, ...] | None:
    """An APL version ("1.8", "2023.3") as numbers that compare in release order."""
    if not isinstance(text, str):
        return None
    try:
        return tuple(int(piece) for piece in text.strip().split("."))
    except ValueError:
        return None


def renders_on(max_version: str | None, screens: Screens | None = None) -> bool:
    """Whether a device whose APL runtime goes up to ``max_version`` can show the document.

    Alexa asks skills not to send a document declaring a newer APL version than the device
    supports; an unknown or older runtime gets no screen (and so hears every reply, timed
    steps included, as a voice-only device does).
    """
    device = version_number(max_version)
    needed = version_number((screens or default_screens()).document.get("version"))
    return device is not None and needed is not None and device >= needed


# --------------------------------------------------------------------------- datasource


def buttons(view: View, labels: Mapping[str, str], side_question: bool) -> list[dict[str, str]]:
    """The touch buttons for a screen; each sends ``[action, value]`` (value may be empty)."""

    def button(action: str, value: str = "") -> dict[str, str]:
        return {"label": labels[value or action], "action": action, "value": value}

    if view.actions is not None:
        return [button(*action.split(":", 1)) for action in view.actions]
    if view.kind == "step":
        return [
            button("resume" if view.paused else "pause"),
            button("once_more"),
            button("previous"),
            button("next"),
        ]
    if view.kind == "question":
        if side_question:
            return [button("side", side) for side in SIDE_CHOICES]
        return [button("yes"), button("no"), button("repeat")]
    return []


def progress(view: View) -> float:
    """How far through the routine this step is, 0..1 (steps count within their technique)."""
    if view.kind != "step" or view.technique_count <= 0 or view.step_count <= 0:
        return 0.0
    done = view.technique_number - 1 + view.step_number / view.step_count
    return max(0.0, min(1.0, done / view.technique_count))


def progress_label(view: View, labels: Mapping[str, str]) -> str:
    if view.kind != "step" or view.technique_count <= 0:
        return ""
    return labels["progress"].format(
        number=view.technique_number,
        count=view.technique_count,
        step=view.step_number,
        steps=view.step_count,
    )


def datasource(
    view: View, labels: Mapping[str, str], *, side_question: bool = False, cues: int = 0
) -> dict[str, Any]:
    """Everything the document binds, under ``payload.coach.properties``.

    ``cues`` is how many spoken cues the screen plays; each gets an ``aplAudioToSpeech``
    transformer whose output (``cueN.url``) the hidden speaker ``cueN`` binds as its speech.
    """
    value = progress(view)
    properties: dict[str, Any] = {
        "kind": view.kind,
        "title": view.title,
        "text": view.text,
        "paused": view.paused,
        "pausedLabel": labels["paused"] if view.paused else "",
        "techniqueNumber": view.technique_number,
        "techniqueCount": view.technique_count,
        "stepNumber": view.step_number,
        "stepCount": view.step_count,
        "holdSeconds": view.hold_seconds,
        "progress": round(value, 4),
        "progressPercent": round(value * 100),
        "progressLabel": progress_label(view, labels),
        "secondsLabel": labels["seconds"],
        "buttons": buttons(view, labels, side_question),
        "cues": [{"id": f"{CUE_PREFIX}{i}"} for i in range(cues)],
    }
    transformers = [
        {
            "transformer": "aplAudioToSpeech",
            "template": f"{CUE_PREFIX}{i}",
            "outputName": f"{CUE_PREFIX}{i}",
        }
        for i in range(cues)
    ]
    return {
        DATASOURCE: {
            "type": "object",
            "objectId": DATASOURCE,
            "properties": properties,
            "transformers": transformers,
        }
    }


def cue_document(template: dict[str, Any], parts: list[Part], rate: float = 1.0) -> dict[str, Any]:
    """One spoken cue as an APL-for-audio document: speech as SSML, the chime as audio.

    APL-for-audio, not the ``ssmlToSpeech`` transformer, because that one refuses
    ``<audio>`` and the end-of-hold chime must sound exactly where the voice expects it.
    """
    document = copy.deepcopy(template)
    document.pop("description", None)  # sent once per cue; the file keeps it for people
    items: list[dict[str, Any]] = []
    said: list[Part] = []

    def speak() -> None:
        if said:
            ssml = speech.to_ssml(said, rate)
            items.append(
                {"type": "Speech", "contentType": "SSML", "content": f"<speak>{ssml}</speak>"}
            )
            said.clear()

    for part in parts:
        if isinstance(part, Sound):
            speak()
            items.append({"type": "Audio", "source": part.url})
        else:
            said.append(part)
    speak()
    document["mainTemplate"]["item"]["items"] = items
    return document


# --------------------------------------------------------------------------- directives


def is_side_question(view: View, content: Content | None) -> bool:
    """The "which knee?" question, answered by Left / Right / Both rather than Yes / No."""
    return (
        content is not None
        and view.kind == "question"
        and (view.title == content.prompt("side_title"))
    )


def directives(
    reply: Reply, content: Content | None = None, screens: Screens | None = None
) -> list[Directive]:
    """The APL directives for a reply: always a RenderDocument; commands when it speaks.

    The commands of a timed step end with the end-of-hold event (:func:`end_of_hold`).
    The buttons and labels are in the content's language (English when none is given).
    """
    from ask_sdk_model.interfaces.alexa.presentation.apl.execute_commands_directive import (
        ExecuteCommandsDirective,
    )
    from ask_sdk_model.interfaces.alexa.presentation.apl.render_document_directive import (
        RenderDocumentDirective,
    )

    screens = screens or default_screens()
    if content is None:
        from skill.content.load import default_content

        content = default_content()
    side_question = is_side_question(reply.view, content)
    plan = Timeline()
    if speaks(reply):
        plan = timeline(screen_parts(reply))
        plan.commands.append(end_of_hold(reply.view.position))
    sources: dict[str, object] = {
        f"{CUE_PREFIX}{i}": cue_document(screens.cue, cue, reply.rate)
        for i, cue in enumerate(plan.cues)
    }
    render = RenderDocumentDirective(
        token=TOKEN,
        document=screens.document,
        datasources=datasource(
            reply.view, content.labels, side_question=side_question, cues=len(plan.cues)
        ),
        sources=sources or None,
    )
    if not plan.commands:
        return [render]
    return [render, ExecuteCommandsDirective(token=TOKEN, commands=plan.commands)]


def is_apl_directive(directive: dict[str, Any]) -> bool:
    """For tests and checks: a serialized directive belonging to the APL interface."""
    return str(directive.get("type", "")).startswith(APL_PREFIX)
