"""Property tests: any well-typed request, in any order, gets a valid answer and keeps state sane.

Hypothesis sends random sequences of what Alexa can really send (every intent of the
interaction model with plausible or unresolvable slot values, LaunchRequest,
SessionEndedRequest, APL touch events, on voice-only and screen devices), in orders nobody
designs for: Resume before Launch, Next after Stop, Previous at step one, Yes with no question.
Sessions behave as on a device: session attributes come back each turn, a response that ends
the session (or a SessionEndedRequest) means the next request opens a new session.

For every response: it is a valid Alexa response; the catch-all error text never appears (it
would mean an unhandled exception); the coach state in the session attributes is one
``State.from_dict`` accepts as it is (the phase is kept, nothing silently reset).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from alexa_rules import ask_for, ask_for_problems, ssml_in, ssml_problems
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from skill.alexa import intents
from skill.alexa.intents import REMINDERS_SCOPE
from skill.coach.state import SIDES, State
from skill.content.records import Content
from skill.local.envelopes import Session, slot_payload
from skill.local.nlu import Match, SlotValue, default_model
from skill.settings import Settings

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
Action = tuple[Any, ...]

ERROR_TEXT = "something went wrong"
"""What the catch-all exception handler says; seeing it means some request was not handled."""
MODEL = default_model()
LANGUAGE_MODEL = json.loads((Settings().models_dir / "en-US.json").read_text(encoding="utf-8"))[
    "interactionModel"
]["languageModel"]
INTENT_SLOTS: dict[str, dict[str, str]] = {
    i["name"]: {s["name"]: s["type"] for s in i.get("slots", [])} for i in LANGUAGE_MODEL["intents"]
}
SLOT_VALUES: dict[str, list[tuple[str, str]]] = {
    t["name"]: [(v["name"]["value"], v.get("id") or v["name"]["value"]) for v in t["values"]]
    for t in LANGUAGE_MODEL["types"]
}
SLOT_VALUES["AMAZON.TIME"] = [("nine", "09:00"), ("seven pm", "19:00"), ("in the evening", "EV")]
TOUCH_ACTIONS = ["start", "pause", "resume", "repeat", "previous", "next", "yes", "no", "side"]
EVIL_WORDS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30
)


# --------------------------------------------------------------------------- strategies


@st.composite
def slot_value(draw: st.DrawFn, slot_type: str) -> SlotValue | None:
    """A resolved value, a value Alexa heard but could not resolve, or no value at all."""
    kind = draw(st.sampled_from(["resolved", "unresolved", "empty"]))
    if kind == "empty":
        return None
    if kind == "resolved":
        spoken, value_id = draw(st.sampled_from(SLOT_VALUES[slot_type]))
        return SlotValue(spoken=spoken, id=value_id, name=spoken)
    return SlotValue(spoken=draw(EVIL_WORDS.filter(str.strip)), id=None)


@st.composite
def intent_action(draw: st.DrawFn) -> Action:
    name = draw(st.sampled_from(sorted(INTENT_SLOTS)))
    slots = {}
    for slot, slot_type in INTENT_SLOTS[name].items():
        value = draw(slot_value(slot_type))
        if value is not None:
            slots[slot] = value
    strip_resolutions = draw(st.booleans()) if slots else False
    return ("intent", Match(name, slots), strip_resolutions)


touch_arguments = st.one_of(
    st.tuples(st.sampled_from(TOUCH_ACTIONS)),
    st.tuples(st.just("side"), st.sampled_from(["left", "right", "both", "up", ""])),
    st.lists(st.one_of(st.none(), st.integers(), EVIL_WORDS, st.booleans()), max_size=3),
)

NO = ("intent", Match(intents.NO), False)
NEXT = ("intent", Match(intents.NEXT), False)
SAFETY_CLEARED = ("launch",), NO, NO, NO, NO, NO
"""Random sequences rarely answer five safety questions in a row, so this macro does it,
letting Hypothesis reach the routine, its pauses, its last step and the done phase."""

one_request = st.one_of(
    intent_action(),
    intent_action(),
    intent_action(),
    st.just(NEXT),
    st.just(("launch",)),
    st.tuples(
        st.just("ended"), st.sampled_from(["USER_INITIATED", "EXCEEDED_MAX_REPROMPTS", "ERROR"])
    ),
    st.tuples(st.just("touch"), touch_arguments),
    # Alexa's answer to its own permission question, expected or not, with or without a token
    st.tuples(
        st.just("permission"),
        st.sampled_from(["ACCEPTED", "DENIED", "NOT_ANSWERED", "500"]),
        st.sampled_from([None, "daily 09:00", "once 19:30", "daily now", "nonsense"]),
    ),
)


def side(value: str) -> Action:
    return ("intent", Match(intents.CHOOSE_SIDE, {"side": SlotValue(value, value)}), False)


actions = st.one_of(
    one_request,
    st.just(("macro", SAFETY_CLEARED)),
    st.sampled_from(SIDES).map(lambda value: ("macro", (*SAFETY_CLEARED, side(value)))),
    st.just(("macro", (NEXT,) * 6)),
    st.just(("macro", (NEXT,) * 40)),
)


# --------------------------------------------------------------------------- the device


class Device:
    """Carries sessions like Alexa: attributes round-trip, a closed session starts anew."""

    def __init__(self, handler: Handler, apl: bool, locale: str) -> None:
        self.handler = handler
        self.options: dict[str, Any] = {"apl": apl, "locale": locale}
        self.session = Session(**self.options)
        self.open = False

    def envelope(self, action: Action) -> dict[str, Any]:
        kind = action[0]
        if kind == "launch" or not self.open:
            self.session = Session(**self.options)
        if kind == "launch":
            return self.session.launch()
        if kind == "ended":
            return self.session.ended(action[1])
        if kind == "touch":
            return self.session.user_event(*action[1])
        if kind == "permission":
            status, token = action[1], action[2]
            if status == "ACCEPTED":
                self.session.granted.add(REMINDERS_SCOPE)
            code = "500" if status == "500" else "200"
            return self.session.permission_answer(status, token, code=code)
        match, strip = action[1], action[2]
        slots = slot_payload(MODEL, match)
        if strip:
            for slot in slots.values():
                slot.pop("resolutions", None)
        return self.session.intent(match.intent, slots)

    def send(self, action: Action) -> tuple[dict[str, Any], dict[str, Any]]:
        envelope = self.envelope(action)
        response = self.handler(envelope, None)
        json.dumps(response)  # what Lambda returns must serialise
        ends = response.get("response", {}).get("shouldEndSession")
        self.session.new = False
        self.session.attributes = dict(response.get("sessionAttributes") or {})
        self.open = action[0] != "ended" and ends is not True
        return envelope, response


# --------------------------------------------------------------------------- checks


def error_text(ssml: str, content: Content) -> list[str]:
    """The catch-all exception handler's words mean some request was not handled."""
    texts = [ERROR_TEXT, content.prompts.get("error", ERROR_TEXT).lower()]
    return (
        ["the catch-all exception handler answered"]
        if any(t in ssml.lower() for t in texts)
        else []
    )


def problems_with(envelope: dict[str, Any], answer: dict[str, Any], content: Content) -> list[str]:
    """Why this answer is not one Alexa would accept and speak (empty when it is)."""
    request_type = envelope["request"]["type"]
    problems: list[str] = []
    if answer.get("version") != "1.0":
        problems.append(f"version {answer.get('version')!r}")
    response = answer.get("response")
    if not isinstance(response, dict):
        return [*problems, "no response object"]
    speech = response.get("outputSpeech")
    if request_type == "SessionEndedRequest":
        if speech or response.get("reprompt") or response.get("card"):
            problems.append("a SessionEndedRequest answer carries speech, reprompt or card")
        return problems
    if ask_for(response) is not None:
        return problems + ask_for_problems(response)
    directives = response.get("directives") or []
    screen = any(str(d.get("type", "")).startswith("Alexa.Presentation.APL") for d in directives)
    ends = response.get("shouldEndSession")
    if speech is None and screen:
        # A timed step on a screen is spoken by the APL document (docs/screens.md): no
        # outputSpeech, no reprompt, shouldEndSession unset; the cues must still be valid.
        cues = list(ssml_in(directives))
        if not cues or ends is not None or response.get("reprompt"):
            problems.append("a screen-spoken answer needs cues, no reprompt, no shouldEndSession")
        for cue in cues:
            problems += ssml_problems(cue, "APL cue")
            problems += error_text(cue, content)
    else:
        ssml = (speech or {}).get("ssml") if (speech or {}).get("type") == "SSML" else None
        if not ssml or not ssml.startswith("<speak>") or not ssml.endswith("</speak>"):
            problems.append(f"outputSpeech is not SSML inside <speak>: {speech!r:.120}")
        else:
            problems += ssml_problems(ssml) + error_text(ssml, content)
        if ends is None and not screen:
            problems.append("shouldEndSession unset on a voice-only answer")
        reprompt = ((response.get("reprompt") or {}).get("outputSpeech") or {}).get("ssml")
        if ends is False:
            if not reprompt:
                problems.append("the microphone stays open without a reprompt")
            else:
                problems += ssml_problems(reprompt, "reprompt")
    card = response.get("card") or {}
    if card.get("type") == "AskForPermissionsConsent":
        problems += [] if card.get("permissions") else ["consent card without permissions"]
    elif not card.get("title") or not (card.get("content") or card.get("text")):
        problems.append(f"no card with a title and text: {card!r:.120}")
    return problems


def state_problems(answer: dict[str, Any], content: Content) -> list[str]:
    """The coach state in the session attributes must survive its own reader unchanged."""
    raw = (answer.get("sessionAttributes") or {}).get("coach")
    if raw is None:
        return []
    state = State.from_dict(raw, content)
    if state.phase != raw.get("phase"):
        return [f"State.from_dict reset phase {raw.get('phase')!r} to {state.phase!r}"]
    if state.to_dict() != raw:
        return [f"state does not round-trip: {raw!r} became {state.to_dict()!r}"]
    return []


@contextmanager
def error_logs() -> Iterator[list[logging.LogRecord]]:
    """ERROR records from the skill's loggers while the block runs (unhandled exceptions)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep(logging.ERROR)
    logger = logging.getLogger("skill")
    logger.addHandler(keep)
    try:
        yield records
    finally:
        logger.removeHandler(keep)


def describe(envelope: dict[str, Any]) -> str:
    request = envelope["request"]
    return str((request.get("intent") or {}).get("name") or request["type"])


# --------------------------------------------------------------------------- properties


def resume_before_launch() -> list[Action]:
    return [("intent", Match(intents.RESUME), False), ("launch",)]


def next_after_stop() -> list[Action]:
    return [
        ("launch",),
        ("intent", Match(intents.STOP), False),
        ("intent", Match(intents.NEXT), False),
    ]


def previous_at_step_one() -> list[Action]:
    return [*SAFETY_CLEARED, side("left"), ("intent", Match(intents.PREVIOUS), False)]


def slots_without_resolutions() -> list[Action]:
    """As from a test console: slot values with no entity resolution at all."""

    def raw(name: str, slot: str, spoken: str) -> Action:
        return ("intent", Match(name, {slot: SlotValue(spoken, spoken)}), True)

    return [
        ("launch",),
        raw(intents.START_ROUTINE, "routine", "quick"),
        *[NO] * 5,
        raw(intents.CHOOSE_SIDE, "side", "left knee"),
        raw(intents.GO_TO_TECHNIQUE, "technique", "knee friction"),
        raw(intents.GO_TO_TECHNIQUE, "technique", "moonwalk"),
    ]


@settings(
    deadline=None,
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    sequence=st.lists(actions, min_size=1, max_size=30),
    apl=st.booleans(),
    locale=st.sampled_from(["en-US", "en-GB", "en-IN"]),
)
@example(sequence=resume_before_launch(), apl=False, locale="en-US")
@example(sequence=next_after_stop(), apl=False, locale="en-US")
@example(sequence=previous_at_step_one(), apl=True, locale="en-US")
@example(sequence=slots_without_resolutions(), apl=False, locale="en-GB")
def test_any_request_sequence_gets_valid_answers(
    handler: Handler, content: Content, sequence: list[Action], apl: bool, locale: str
) -> None:
    device = Device(handler, apl, locale)
    expanded = [a for action in sequence for a in (action[1] if action[0] == "macro" else [action])]
    with error_logs() as errors:
        for turn, action in enumerate(expanded, start=1):
            envelope, answer = device.send(action)
            found = problems_with(envelope, answer, content) + state_problems(answer, content)
            assert not found, f"turn {turn} ({describe(envelope)}): {found}"
    assert not errors, [record.getMessage() for record in errors]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | EVIL_WORDS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(EVIL_WORDS, inner, max_size=4),
    max_leaves=12,
)


@st.composite
def tampered_state(draw: st.DrawFn, content: Content) -> dict[str, Any]:
    """A real state dict with some fields replaced by arbitrary JSON."""
    base = State(phase=draw(st.sampled_from(["new", "safety", "routine", "done"]))).to_dict()
    for key in draw(st.lists(st.sampled_from(sorted(base)), max_size=4)):
        base[key] = draw(JSON)
    return base


@settings(deadline=None, max_examples=60)
@given(data=st.data(), action=one_request)
def test_garbage_session_attributes_never_break_a_turn(
    handler: Handler, content: Content, data: st.DataObject, action: Action
) -> None:
    """Attributes come back from the device; whatever they hold, the answer stays valid."""
    attributes = data.draw(
        st.one_of(
            st.dictionaries(EVIL_WORDS, JSON, max_size=3),
            st.builds(lambda s: {"coach": s}, tampered_state(content)),
            st.builds(lambda s: {"coach": s, "memory": s}, JSON),
        )
    )
    device = Device(handler, apl=False, locale="en-US")
    device.open = True
    device.session.new = False
    device.session.attributes = attributes
    with error_logs() as errors:
        envelope, answer = device.send(action)
    assert not problems_with(envelope, answer, content)
    if envelope["request"]["type"] != "SessionEndedRequest":  # that answer echoes attributes
        assert not state_problems(answer, content)
    assert not errors, [record.getMessage() for record in errors]
