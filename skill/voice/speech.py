"""Turns a :class:`~skill.voice.reply.Reply` into Alexa SSML, within Alexa's limits.

This is the only module that writes markup. Rules it enforces, from the Alexa SSML reference:
every text is escaped (``&``, ``<``, ``>``, quotes); a ``<break>`` lasts at most 10 s, so longer
silences become a chain of breaks; at most five ``<audio>`` tags per response; output speech
at most 8000 characters (if a reply would pass that, trailing parts are dropped and a warning
logged, so the person still hears a valid response).

The person's speaking rate ("speak slower") wraps each spoken text in ``<prosody rate>``;
silences and sounds stay outside it, so a hold lasts exactly as long at any speaking rate.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from skill.voice.reply import Part, Pause, Reply, Say, Sound

MAX_BREAK_SECONDS = 10
MAX_AUDIO_TAGS = 5
MAX_SPEECH_CHARS = 8000
_SPEAK_TAGS = len("<speak></speak>")

log = logging.getLogger(__name__)

# Escaping by hand, not with xml.sax.saxutils: that module imports urllib.request (and with it
# http.client, email and ssl), which cost a cold start ~25 ms and ~4 MB (docs/performance.md).
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_ATTRIBUTE = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\n": "&#10;",
        "\r": "&#13;",
        "\t": "&#9;",
    }
)


def breaks(seconds: float) -> str:
    """Silence as chained ``<break>`` tags of at most 10 s each."""
    tags = []
    remaining = round(seconds * 1000)
    while remaining > 0:
        chunk = min(remaining, MAX_BREAK_SECONDS * 1000)
        tags.append(f'<break time="{chunk / 1000:g}s"/>')
        remaining -= chunk
    return "".join(tags)


def prosody_rate(rate: float) -> str:
    """A speaking rate as SSML wants it: a whole percentage of the normal rate."""
    return f"{round(rate * 100)}%"


def _render_part(part: Part, rate: float = 1.0) -> str:
    if isinstance(part, Say):
        text = part.text.translate(_TEXT)
        if rate == 1.0:
            return text
        return f'<prosody rate="{prosody_rate(rate)}">{text}</prosody>'
    if isinstance(part, Pause):
        return breaks(part.seconds)
    return f'<audio src="{part.url.translate(_ATTRIBUTE)}"/>'


def to_ssml(parts: Iterable[Part], rate: float = 1.0) -> str:
    """The inner SSML for some parts (the SDK adds ``<speak>``), always within the limits.

    ``rate`` is the speaking rate for the spoken text (1.0: Alexa's normal speed).
    """
    rendered: list[str] = []
    audio = 0
    length = _SPEAK_TAGS
    for part in parts:
        if isinstance(part, Sound):
            audio += 1
            if audio > MAX_AUDIO_TAGS:
                continue
        piece = _render_part(part, rate)
        if length + len(piece) + 1 > MAX_SPEECH_CHARS:
            log.warning("speech over %d characters; dropping the rest", MAX_SPEECH_CHARS)
            break
        rendered.append(piece)
        length += len(piece) + 1
    return " ".join(rendered)


def speech(reply: Reply) -> str:
    return to_ssml(reply.parts, reply.rate)


def reprompt(reply: Reply) -> str | None:
    return to_ssml([Say(reply.reprompt)], reply.rate) if reply.reprompt else None


def card_text(reply: Reply) -> str:
    """Card text for the Alexa app: the step or answer as the screen shows it."""
    return reply.view.text
