"""Alexa's rules for a custom-skill response, checked the way the service would.

Used by the dialog runner on every response and by any test that wants a response to be one
Alexa would accept and speak. Each rule comes from the Alexa Skills Kit references (SSML
reference, response format, request and response JSON): a response that breaks one is
rejected or misread on a real device, so a test failing here is a real defect.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

MAX_SPEECH_CHARS = 8000
MAX_BREAK_SECONDS = 10.0
MAX_AUDIO_TAGS = 5
SUPPORTED_TAGS = frozenset(
    {"speak", "break", "audio", "say-as", "p", "s", "prosody", "emphasis", "sub", "phoneme"}
)
"""SSML elements Alexa supports; anything in the ``amazon:`` namespace is allowed too."""
AMAZON_NS = "urn:alexa:amazon-ssml"

_TAG = re.compile(r"<[^<>]*>")
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);")
_TIME = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$")


class AlexaRuleError(AssertionError):
    """A response breaks one of Alexa's rules; the message lists every broken rule."""


def break_seconds(value: str) -> float:
    """``"10s"`` → 10.0, ``"500ms"`` → 0.5; anything else is not a time Alexa accepts."""
    found = _TIME.match(value)
    if not found:
        raise ValueError(f"not an SSML time: {value!r}")
    number, unit = float(found.group(1)), found.group(2)
    return number / 1000 if unit == "ms" else number


def ssml_problems(ssml: str, where: str = "outputSpeech") -> list[str]:
    """Everything wrong with one SSML string (an empty list when Alexa would accept it)."""
    problems: list[str] = []
    if len(ssml) > MAX_SPEECH_CHARS:
        problems.append(f"{where}: {len(ssml)} characters, over Alexa's {MAX_SPEECH_CHARS}")
    text_only = _TAG.sub("", ssml)
    for char in "<>":
        if char in text_only:
            problems.append(f"{where}: unescaped {char!r} in spoken text")
    stray = _ENTITY.sub("", text_only)
    if "&" in stray:
        problems.append(f"{where}: unescaped '&' in spoken text")
    stripped = ssml.strip()
    if not (stripped.startswith("<speak>") and stripped.endswith("</speak>")):
        problems.append(f"{where}: SSML must be wrapped in one <speak> element")
        return problems
    declared = stripped.replace("<speak>", f'<speak xmlns:amazon="{AMAZON_NS}">', 1)
    try:
        root = ET.fromstring(declared)
    except ET.ParseError as error:
        problems.append(f"{where}: SSML is not well-formed XML: {error}")
        return problems
    problems += _element_problems(root, where)
    return problems


def _element_problems(root: ET.Element, where: str) -> list[str]:
    problems: list[str] = []
    audio = 0
    for element in root.iter():
        tag = element.tag
        if tag.startswith("{"):
            namespace, _, local = tag[1:].partition("}")
            if namespace != AMAZON_NS:
                problems.append(f"{where}: element {local!r} in unknown namespace {namespace}")
            continue
        if tag not in SUPPORTED_TAGS:
            problems.append(f"{where}: <{tag}> is not an SSML tag Alexa supports")
        if tag == "speak" and element is not root:
            problems.append(f"{where}: nested <speak>")
        if tag == "break":
            problems += _break_problems(element, where)
        if tag == "audio":
            audio += 1
            src = element.get("src", "")
            if not src.startswith(("https://", "soundbank://")):
                problems.append(f"{where}: audio src {src!r} is neither https nor soundbank")
    if audio > MAX_AUDIO_TAGS:
        problems.append(f"{where}: {audio} <audio> tags, over Alexa's {MAX_AUDIO_TAGS}")
    return problems


def _break_problems(element: ET.Element, where: str) -> list[str]:
    time = element.get("time")
    if time is None:
        return []
    try:
        seconds = break_seconds(time)
    except ValueError as error:
        return [f"{where}: {error}"]
    if seconds > MAX_BREAK_SECONDS:
        return [f"{where}: <break time={time!r}> is longer than {MAX_BREAK_SECONDS:g} s"]
    return []


def _speech(block: Any) -> tuple[str | None, str | None]:
    """(type, text) of an outputSpeech block, or (None, None) when absent."""
    if not isinstance(block, dict):
        return None, None
    kind = block.get("type")
    if kind == "SSML":
        return kind, block.get("ssml")
    return kind, block.get("text")


EXECUTE_COMMANDS = "Alexa.Presentation.APL.ExecuteCommands"


def response_problems(
    envelope: dict[str, Any], *, session_ended: bool = False, quiet: bool = False
) -> list[str]:
    """Everything wrong with one serialised response envelope.

    ``session_ended``: the request was a SessionEndedRequest, to which Alexa accepts no
    speech, reprompt or card at all. ``quiet``: the answer must say and show nothing at all
    (``System.ExceptionEncountered``, ``CanFulfillIntentRequest``, a late screen event).

    A timed step on a screen is spoken by its APL document (docs/screens.md): no
    outputSpeech, no reprompt, ``shouldEndSession`` unset, and the document's commands end
    with the event that brings the skill back when the hold is over (the mic then reopens).
    """
    problems: list[str] = []
    response = envelope.get("response")
    if envelope.get("version") != "1.0":
        problems.append(f"version must be '1.0', got {envelope.get('version')!r}")
    if not isinstance(response, dict):
        return [*problems, "no response object"]
    if session_ended or quiet:
        what = "a SessionEndedRequest answer" if session_ended else "this answer"
        keys = ("outputSpeech", "reprompt", "card", *(() if session_ended else ("directives",)))
        for key in keys:
            if response.get(key):
                problems.append(f"{what} must not carry {key}")
        if quiet and response.get("shouldEndSession") is not None:
            problems.append("a quiet answer must leave the session as it is")
        return problems
    if ask_for(response) is not None:
        return problems + ask_for_problems(response)
    if "outputSpeech" not in response and _screen_speaks(response):
        problems += _screen_problems(response)
    else:
        problems += _speech_problems(response)
    problems += _card_problems(response.get("card"))
    return problems


def _screen_speaks(response: dict[str, Any]) -> bool:
    return any(d.get("type") == EXECUTE_COMMANDS for d in response.get("directives") or [])


def _screen_problems(response: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if "shouldEndSession" in response or response.get("reprompt"):
        problems.append("a screen-spoken answer has no reprompt and leaves shouldEndSession unset")
    execute = next(d for d in response["directives"] if d.get("type") == EXECUTE_COMMANDS)
    commands = execute.get("commands") or []
    if not any(c.get("type") == "SpeakItem" for c in commands):
        problems.append("a screen-spoken answer speaks nothing")
    if not commands or commands[-1].get("type") != "SendEvent":
        problems.append("nothing reopens the microphone: the commands must end with SendEvent")
    for cue in ssml_in(response.get("directives")):
        problems += ssml_problems(cue, "APL cue")
    return problems


def _speech_problems(response: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    kind, text = _speech(response.get("outputSpeech"))
    if kind != "SSML" or not text:
        problems.append(f"outputSpeech must be non-empty SSML, got type {kind!r}")
    else:
        problems += ssml_problems(text)
    ends = response.get("shouldEndSession")
    if ends is not False and ends is not True:
        problems.append(f"shouldEndSession must be true or false, got {ends!r}")
    reprompt = response.get("reprompt")
    if ends is False:
        r_kind, r_text = _speech((reprompt or {}).get("outputSpeech"))
        if r_kind != "SSML" or not r_text or not _TAG.sub("", r_text).strip():
            problems.append("the session stays open but there is no spoken reprompt")
        else:
            problems += ssml_problems(r_text, "reprompt")
    elif reprompt:
        problems.append("a reprompt on a response that ends the session is never heard")
    return problems


REMINDERS_SCOPE = "alexa::alerts:reminders:skill:readwrite"


def ask_for(response: dict[str, Any]) -> dict[str, Any] | None:
    """The ``Connections.SendRequest`` AskFor directive of a response, if it has one."""
    for directive in response.get("directives") or []:
        if directive.get("type") == "Connections.SendRequest" and directive.get("name") == "AskFor":
            return dict(directive)
    return None


def ask_for_problems(response: dict[str, Any]) -> list[str]:
    """A turn handed to Alexa's permission question (voice permissions for reminders).

    Alexa speaks its own question and answers with ``Connections.Response``; the skill's
    response carries only the directive: the AskFor payload for a scope the skill declares,
    no speech, reprompt or card of its own, and ``shouldEndSession`` left unset.
    """
    directive = ask_for(response) or {}
    payload = directive.get("payload") or {}
    problems = []
    if payload.get("@type") != "AskForPermissionsConsentRequest" or payload.get("@version") != "1":
        problems.append(f"AskFor payload is not an AskForPermissionsConsentRequest v1: {payload}")
    if payload.get("permissionScope") != REMINDERS_SCOPE:
        problems.append(f"AskFor asks for {payload.get('permissionScope')!r}")
    for key in ("outputSpeech", "reprompt", "card", "shouldEndSession"):
        if response.get(key) is not None:
            problems.append(f"an AskFor response must not carry {key}")
    if len(response.get("directives") or []) != 1:
        problems.append("an AskFor response carries other directives")
    return problems


def _card_problems(card: Any) -> list[str]:
    if not isinstance(card, dict):
        return ["no card for the Alexa app"]
    kind = card.get("type")
    if kind == "AskForPermissionsConsent":
        scopes = card.get("permissions") or []
        return [] if scopes == [REMINDERS_SCOPE] else [f"consent card asks for {scopes}"]
    body = str(card.get("content" if kind == "Simple" else "text") or "")
    problems = []
    if kind not in ("Simple", "Standard"):
        problems.append(f"card type {kind!r} is not Simple or Standard")
    if not (card.get("title") or "").strip():
        problems.append("card has no title")
    if not body.strip():
        problems.append("card has no content")
    elif _TAG.search(body) or _ENTITY.search(body):
        problems.append(f"card text carries markup, which the app shows literally: {body[:60]!r}")
    return problems


def check_response(
    envelope: dict[str, Any], *, session_ended: bool = False, quiet: bool = False
) -> None:
    """Raise :class:`AlexaRuleError` listing every rule the response breaks."""
    problems = response_problems(envelope, session_ended=session_ended, quiet=quiet)
    if problems:
        raise AlexaRuleError("response breaks Alexa's rules:\n  " + "\n  ".join(problems))


def walk_json(node: Any) -> Iterator[Any]:
    """Every value in a JSON document, depth first, the document itself included."""
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk_json(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk_json(value)


def ssml_in(value: Any) -> Iterator[str]:
    """Every SSML string anywhere in a JSON value (APL datasources carry spoken cues)."""
    for node in walk_json(value):
        if isinstance(node, str) and node.lstrip().startswith("<speak>"):
            yield node
