"""Reading the skill's SSML back as a person hears it: plain text and seconds.

The simulator and the chat print what Alexa would say (breaks as pauses, the chime as a
sound) and advance the simulated clock by how long it takes, including what a screen's APL
document speaks itself.
"""

from __future__ import annotations

import re
from typing import Any

from skill.voice.timing import SOUND_SECONDS, WORDS_PER_SECOND

RENDER_DOCUMENT = "Alexa.Presentation.APL.RenderDocument"


EXECUTE_COMMANDS = "Alexa.Presentation.APL.ExecuteCommands"


def directive(directives: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    return next((d for d in directives if d.get("type") == kind), None)


def screen_ssml(directives: list[dict[str, Any]]) -> str:
    """What a screen's document speaks, in order, as one SSML string (silences as breaks).

    Replays the ExecuteCommands the way a device runs them: each SpeakItem plays its cue
    (APL for audio: speech and the chime), each delayed SetValue waits its delay first.
    """
    render = directive(directives, RENDER_DOCUMENT)
    execute = directive(directives, EXECUTE_COMMANDS)
    if render is None or execute is None:
        return ""
    sources = render.get("sources") or {}
    pieces: list[str] = []
    for command in execute.get("commands") or []:
        delay_ms = int(command.get("delay") or 0)
        while delay_ms > 0:
            chunk = min(delay_ms, 10_000)
            pieces.append(f'<break time="{chunk / 1000:g}s"/>')
            delay_ms -= chunk
        if command.get("type") != "SpeakItem":
            continue
        cue = sources.get(command.get("componentId")) or {}
        for item in ((cue.get("mainTemplate") or {}).get("item") or {}).get("items") or []:
            if item.get("type") == "Speech":
                content = str(item.get("content") or "")
                pieces.append(content.removeprefix("<speak>").removesuffix("</speak>"))
            elif item.get("type") == "Audio":
                pieces.append(f'<audio src="{item.get("source", "")}"/>')
    return f"<speak>{' '.join(pieces)}</speak>" if pieces else ""


def ssml_seconds(ssml: str, wps: float = WORDS_PER_SECOND) -> float:
    """How long Alexa takes to play some SSML: words at the speaking rate, breaks, sounds.

    Words inside ``<prosody rate="N%">`` are spoken at N % of the normal rate; ``wps`` is the
    language's words a second at the normal rate (English by default).
    """
    breaks = sum(
        float(value) / (1000 if unit == "ms" else 1) for value, unit in _BREAK.findall(ssml)
    )
    sounds = len(_AUDIO.findall(ssml)) * SOUND_SECONDS
    slowed = sum(
        len(_TAG.sub(" ", text).split()) / (wps * int(percent) / 100)
        for percent, text in _PROSODY.findall(ssml)
    )
    words = len(_TAG.sub(" ", _PROSODY.sub(" ", ssml)).split())
    return words / wps + slowed + breaks + sounds


_TAG = re.compile(r"<[^>]+>")


_BREAK = re.compile(r'<break time="([\d.]+)(m?s)"/>')


_AUDIO = re.compile(r"<audio [^>]*/>")


_PROSODY = re.compile(r'<prosody rate="(\d+)%">(.*?)</prosody>', re.DOTALL)


def plain_text(ssml: str) -> str:
    """SSML as a reader sees it: pauses as ``[pause 20s]``, sounds as ``[chime]``."""

    def pause(seconds: float) -> str:
        return f" [pause {seconds:g}s] "

    text = ssml
    text = re.sub(
        r'(?:<break time="[\d.]+m?s"/>\s*)+',
        lambda m: pause(
            sum(float(v) / (1000 if unit == "ms" else 1) for v, unit in _BREAK.findall(m.group(0)))
        ),
        text,
    )
    text = _AUDIO.sub(" [chime] ", text)
    text = _TAG.sub("", text)
    text = (
        text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    )
    return " ".join(text.split())
