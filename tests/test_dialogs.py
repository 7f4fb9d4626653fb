"""Conversation tests written as data: each ``tests/dialogs/*.yaml`` is one test.

Every turn goes through the real path: typed words → the interaction model's matcher →
a real request envelope → the ASK SDK skill → a serialised response, exactly as
``knee-coach chat`` does. Every response is also held to Alexa's rules
(``tests/alexa_rules.py``), so a dialog can pass only if a device would accept each answer.

A dialog file::

    name: what the dialog shows
    turns:
      - launch: true                  # "open knee coach" as a LaunchRequest
        expect: {says: [not medical advice], open: true}
      - say: "no"                     # typed as a person would say it
        times: 3                      # optional: the same words, several turns in a row
      - end_session: true             # the person went quiet; Alexa closes the session
      - say: ask knee coach what causes knee pain   # a one-shot: a new session
      - say: pause
        after: 12                     # said 12 s after the last response began (cut it short)
      - say: resume
        wait: 600                     # ten minutes of silence after the last response ended
      - pass_safety_check: true       # answer the safety check so the routine may start
      - screen_done: true             # the screen finished speaking the step: its event
      - screen_done: late             # the event of the screen response before the last
      - intent: AMAZON.ShuffleOnIntent          # an intent sent as is, even one not modelled
      - can_fulfill: StartRoutineIntent         # Alexa asks whether the skill could serve it
        slots: {routine: quick}                 # (for intent and can_fulfill) words heard
      - device: exception             # System.ExceptionEncountered; apl_error: APL RuntimeError

Top level, besides ``name`` and ``turns``: ``device: screen`` talks through an Echo Show
(APL, whose runtime is ``apl_version``, default 2023.3), and ``start`` sets the clock.
``locales`` (default ``[en-US]``) runs the dialog once in each locale, typed through that
locale's model and answered in its language; the dialogs of other languages are in
``tests/dialogs/<language>/``. In a German or Spanish session no response may say an English
sentence (:func:`speaks_no_english`).

Request timestamps are simulated (:class:`~skill.local.simulator.SimulatedClock`): the dialog
starts at ``start`` (top level, ISO 8601; default a Monday 09:00 UTC), each response plays to
its end and the person answers two seconds later, unless a turn says ``after`` or ``wait``.

Two more top-level keys: ``persistence: true`` keeps progress (SQLite in a temporary
directory) across the dialog's sessions, for a person who comes back; ``safety_style:
statements`` runs the dialog with that safety-check style and its own interaction model.

Alexa's own API (time zone, reminders) is a stand-in served over HTTPS on 127.0.0.1, named by
every request's ``apiEndpoint``, so the SDK's real service clients answer each turn. More top
level keys: ``progress`` seeds the kept record first (``completions`` as ISO times, other
fields as stored; implies persistence); ``alexa`` sets the stand-in up: ``time_zone`` (null:
none known), ``granted: true`` (the reminders permission is already granted), ``fail``
(operation → HTTP status), ``limit``; a turn may change it too. While Alexa asks for the
permission (the skill sent ``AskFor``), "i approve" or "no" answer Alexa, and the skill hears
Alexa's ``Connections.Response``.

``expect`` keys (all optional, checked on the last of ``times`` turns; ``says`` and
``not_says`` are case-insensitive substrings of what is spoken, by Alexa or by a screen):
``says``, ``not_says``, ``open`` (the mic stays open), ``heard`` (the intent or request
the model matched), ``card`` (substring of the card's title or text), ``reprompt``
(substring of the reprompt), ``screen_speaks`` (the APL document speaks this turn, mic
closed, and sends its end-of-hold event after), ``silent`` (nothing said, shown or changed),
``can_fulfill`` (YES, NO or MAYBE) with ``slots`` (slot name: [canUnderstand, canFulfill]),
``shows`` (an APL document is sent), ``ssml`` (substrings of the raw SSML), ``card_type``,
``asks_permission`` (the turn is handed to Alexa's permission question), ``api`` (the
calls the stand-in received this turn, each ``METHOD /path`` or its start), ``reminder`` (the
reminder this turn created: ``daily``, ``first`` local time, ``time_zone``, ``text``; method,
path, bearer token and trigger type are always checked), ``stored`` (stored record fields).

No turn of any dialog may log an ERROR (an unhandled exception, or worse).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from alexa_api_server import API_TOKEN
from alexa_rules import check_response
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.alexa.builder import build_skill
from skill.alexa.intents import REMINDERS_SCOPE
from skill.alexa.lambda_function import make_handler
from skill.content.records import Content
from skill.local.alexa_standin import REMINDERS_PATH, AlexaStandIn
from skill.local.envelopes import Session
from skill.local.nlu import InteractionModel, Match, SlotValue, default_model
from skill.local.simulator import Conversation, SimulatedClock, Turn
from skill.local.ssml_text import plain_text
from skill.local.walkthrough import pass_safety_check
from skill.settings import Settings
from skill.store.factory import make_persistence_adapter
from skill.store.progress import Progress

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]

DIALOGS = Path(__file__).parent / "dialogs"
DIALOG_FILES = sorted(DIALOGS.rglob("*.yaml"))
ENGLISH_WORDS = frozenset(
    {
        *("the", "and", "your", "you", "with", "this", "that", "please", "is", "of", "to"),
        *("it", "say", "step", "knee", "next", "when", "are", "what", "for", "or", "now"),
        *("let's", "don't", "i'm", "here", "there"),
    }
)
"""Common English words that are no German or Spanish word: one in a German or Spanish
response means an English sentence slipped through (an untranslated prompt or content)."""
ACTIONS = ("say", "launch", "end_session", "pass_safety_check", "screen_done", "intent")
ACTIONS += ("can_fulfill", "device")
TURN_KEYS = {*ACTIONS, "slots", "times", "expect", "after", "wait", "alexa"}
EXPECT_KEYS = {"says", "not_says", "open", "heard", "card", "reprompt", "screen_speaks"}
EXPECT_KEYS |= {"silent", "can_fulfill", "slots", "shows"}
EXPECT_KEYS |= {"ssml", "card_type", "asks_permission", "api", "reminder", "stored"}
TOP_KEYS = {"name", "turns", "start", "device", "apl_version", "persistence", "safety_style"}
TOP_KEYS |= {"locales"}
TOP_KEYS |= {"progress", "alexa"}
ALEXA_KEYS = {"time_zone", "granted", "fail", "limit"}


def _moment(value: Any) -> datetime:
    moment = (
        value
        if isinstance(value, datetime)
        else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    )
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data.get("name"), f"{path.name}: needs a name"
    assert not set(data) - TOP_KEYS, f"{path.name}: unknown keys {sorted(set(data) - TOP_KEYS)}"
    assert isinstance(data.get("turns"), list) and data["turns"], f"{path.name}: needs turns"
    assert data.get("safety_style", "questions") in ("questions", "statements"), path.name
    assert not set(data.get("alexa") or {}) - ALEXA_KEYS, f"{path.name}: unknown alexa keys"
    for i, turn in enumerate(data["turns"]):
        unknown = set(turn) - TURN_KEYS
        assert not unknown, f"{path.name}: turn {i + 1} has unknown keys {sorted(unknown)}"
        actions = [k for k in ACTIONS if k in turn]
        assert len(actions) == 1, f"{path.name}: turn {i + 1} needs one of {'/'.join(ACTIONS)}"
        unknown = set(turn.get("expect") or {}) - EXPECT_KEYS
        assert not unknown, f"{path.name}: turn {i + 1} expects unknown keys {sorted(unknown)}"
    return data


def _match(turn: dict[str, Any], action: str) -> Match:
    slots = {k: SlotValue(spoken=str(v), id=None) for k, v in (turn.get("slots") or {}).items()}
    return Match(str(turn[action]), slots)


def _play(conversation: Conversation, turn: dict[str, Any]) -> Turn:
    if "alexa" in turn:
        _set_up(conversation, alexa=turn["alexa"])
    if "after" in turn:
        conversation.cut_after(float(turn["after"]))
    if "wait" in turn:
        conversation.wait(float(turn["wait"]))
    quiet = bool((turn.get("expect") or {}).get("silent"))
    if "launch" in turn:
        result = conversation.launch()
    elif "end_session" in turn:
        result = conversation.end_session()
        check_response(result.response, session_ended=True)
        return result
    elif "pass_safety_check" in turn:
        answered = pass_safety_check(conversation)
        assert answered, "pass_safety_check: no safety question was waiting"
        result = answered[-1].turn
    elif "screen_done" in turn:
        late = turn["screen_done"] == "late"
        assert late or conversation.screen_speaking, "screen_done: no document was speaking"
        finished = conversation.screen_finishes(late=late)
        assert finished is not None, "screen_done: late, but no earlier screen response"
        result = finished
    elif "intent" in turn:
        result = conversation.send_intent(_match(turn, "intent"))
    elif "can_fulfill" in turn:
        result = conversation.can_fulfill(_match(turn, "can_fulfill"))
        quiet = True  # an answer, never speech: asking must change nothing
    elif "device" in turn:
        result = conversation.device_request(str(turn["device"]))
    else:
        result = conversation.say(str(turn["say"]))
    check_response(result.response, quiet=quiet)
    _says_nothing_twice(result)
    return result


def _says_nothing_twice(result: Turn) -> None:
    """No response says the same prompt twice (say, the phase's prompt after an answer that
    already ended with it). Short cues ("Ten more seconds.") may recur in a long reply."""
    sentences = [s.strip() for s in re.split(r"(?<=[.?!])\s+", result.text) if s.strip()]
    long_ones = [s for s in sentences if len(s.split()) >= 5]
    repeated = sorted({s for s in long_ones if long_ones.count(s) > 1})
    assert not repeated, f"said twice in one response: {repeated}\n  said: {result.text}"


def _check(result: Turn, expect: dict[str, Any], where: str) -> None:
    spoken = result.text.lower()
    context = f"{where}\n  heard: {result.heard}\n  said: {result.text}"
    for text in _as_list(expect.get("says", [])):
        assert text.lower() in spoken, f"{context}\n  expected to say: {text!r}"
    for text in _as_list(expect.get("not_says", [])):
        assert text.lower() not in spoken, f"{context}\n  expected NOT to say: {text!r}"
    if "open" in expect:
        assert result.open is expect["open"], f"{context}\n  expected open={expect['open']}"
    if "heard" in expect:
        heard = result.heard.split()[0]
        assert heard == expect["heard"], f"{context}\n  expected to hear {expect['heard']}"
    if "card" in expect:
        body = result.card.get("content") or result.card.get("text") or ""
        card = f"{result.card.get('title', '')} {body}".lower()
        assert str(expect["card"]).lower() in card, f"{context}\n  card: {result.card}"
    if "reprompt" in expect:
        reprompt = plain_text(result.reprompt).lower()
        assert str(expect["reprompt"]).lower() in reprompt, f"{context}\n  reprompt: {reprompt}"
    if "screen_speaks" in expect:
        speaks = result.screen_event is not None and not result.ssml
        assert speaks is expect["screen_speaks"], f"{context}\n  directives: {result.directives}"
    if "shows" in expect:
        shows = any(
            d.get("type", "").startswith("Alexa.Presentation.APL") for d in result.directives
        )
        assert shows is expect["shows"], f"{context}\n  directives: {result.directives}"
    if "silent" in expect:
        silent = not result.spoken and not result.card and not result.directives
        assert silent is expect["silent"], f"{context}\n  response: {result.response}"
    if "can_fulfill" in expect:
        answer = result.response.get("response", {}).get("canFulfillIntent") or {}
        assert answer.get("canFulfill") == expect["can_fulfill"], f"{context}\n  {answer}"
        found = {
            k: [v["canUnderstand"], v["canFulfill"]] for k, v in answer.get("slots", {}).items()
        }
        assert found == (expect.get("slots") or {}), f"{context}\n  slots: {found}"
    for text in _as_list(expect.get("ssml", [])):
        assert text in result.ssml, f"{context}\n  ssml: {result.ssml}"
    if "card_type" in expect:
        assert result.card.get("type") == expect["card_type"], f"{context}\n  {result.card}"
    if "asks_permission" in expect:
        asks = result.asks_permission is not None
        assert asks is expect["asks_permission"], f"{context}\n  {result.directives}"


def _set_up(conversation: Conversation, alexa: dict[str, Any]) -> None:
    """Tell the stand-in (and the device) what this person's Alexa knows and allows."""
    standin = STANDIN[0]
    if "time_zone" in alexa:
        standin.time_zone = alexa["time_zone"]
    if "fail" in alexa:
        standin.fail = dict(alexa["fail"] or {})
    if "limit" in alexa:
        standin.limit = int(alexa["limit"])
    if alexa.get("granted") is True:
        conversation.session.granted.add(REMINDERS_SCOPE)
    elif alexa.get("granted") is False:
        conversation.session.granted.discard(REMINDERS_SCOPE)


STANDIN: list[AlexaStandIn] = []
"""The stand-in of the running dialog (set by :func:`test_dialog`)."""


def _envelope() -> RequestEnvelope:
    """A request envelope of the simulated person, to key their stored record."""
    payload = json.dumps(Session().launch())
    envelope: RequestEnvelope = DefaultSerializer().deserialize(payload, RequestEnvelope)
    return envelope


def _seed(adapter: Any, fields: dict[str, Any]) -> None:
    fields = dict(fields)
    stamps = [int(_moment(value).timestamp()) for value in fields.pop("completions", [])]
    record = Progress(completions=tuple(sorted(stamps)), **fields).to_record()
    adapter.save_attributes(_envelope(), record)


def _check_api(
    result: Turn, expect: dict[str, Any], calls: list[Any], context: str, locale: str = "en-US"
) -> None:
    """What reached Alexa's API this turn, and the reminder it created."""
    if "api" in expect:  # each call starts as listed (a DELETE ends with a random token)
        wanted = list(expect["api"])
        said = [str(call) for call in calls]
        matches = len(said) == len(wanted) and all(map(str.startswith, said, wanted))
        assert matches, f"{context}\n  api: {said}"
    for call in calls:  # every call carries this request's token, as a bearer token
        assert call.authorization == f"Bearer {API_TOKEN}", f"{context}\n  {call}"
    wanted = expect.get("reminder")
    if wanted is None:
        return
    posts = [c for c in calls if c.method == "POST" and c.path == REMINDERS_PATH]
    assert posts, f"{context}\n  no reminder was created: {calls}"
    body = posts[-1].body
    trigger = body["trigger"]
    assert trigger["type"] == "SCHEDULED_ABSOLUTE", f"{context}\n  {trigger}"
    assert trigger["timeZoneId"] == wanted["time_zone"], f"{context}\n  {trigger}"
    rules = (trigger.get("recurrence") or {}).get("recurrenceRules") or []
    first = (trigger.get("recurrence") or {}).get("startDateTime") or trigger["scheduledTime"]
    assert str(first).startswith(wanted["first"]), f"{context}\n  {trigger}"
    hour, minute = int(wanted["first"][11:13]), int(wanted["first"][14:16])
    daily = [f"FREQ=DAILY;BYHOUR={hour};BYMINUTE={minute};BYSECOND=0;INTERVAL=1"]
    assert rules == (daily if wanted["daily"] else []), f"{context}\n  {trigger}"
    spoken = body["alertInfo"]["spokenInfo"]["content"][0]
    assert wanted["text"] in spoken["text"], f"{context}"
    assert spoken["locale"] == locale, f"{context}: spoken in {spoken['locale']}"


def device_options(dialog: dict[str, Any]) -> dict[str, Any]:
    """Session options for the dialog's device: a voice-only speaker unless it says screen."""
    device = dialog.get("device", "voice")
    assert device in ("voice", "screen"), f"unknown device {device!r}"
    if device == "voice":
        return {}
    return {"apl": True, "apl_version": str(dialog.get("apl_version", "2023.3"))}


def _person(
    dialog: dict[str, Any],
    locale: str,
    handler: Handler,
    tmp_path: Path,
    content: Content,
    statements: Callable[[str], tuple[Content, InteractionModel, Handler]],
    alexa_api: Any,
) -> tuple[Conversation, Any]:
    """The dialog's person (device, clock, safety style, kept progress) and their store.

    Their requests name the stand-in for Alexa's API, with a bearer token it insists on.
    """
    options = device_options(dialog)
    start = dialog.get("start")
    clock = SimulatedClock(_moment(start)) if start else SimulatedClock()
    said: Content | None = content if locale.startswith("en-") else None  # None: the locale's
    model, adapter = default_model(locale), None
    if dialog.get("safety_style") == "statements":
        said, model, handler = statements(locale)  # in the locale's language
    if dialog.get("persistence") or dialog.get("progress"):
        settings = Settings(persistence="sqlite", sqlite_path=tmp_path / "progress.db")
        adapter = make_persistence_adapter(settings)
        handler = make_handler(build_skill(settings, adapter, content=said))
        if dialog.get("progress"):
            _seed(adapter, dialog["progress"])
    person = Conversation(
        handler, model, clock=clock, api_endpoint=alexa_api.url, api_token=API_TOKEN, **options
    )
    _set_up(person, dialog.get("alexa") or {})
    return person, adapter


@functools.cache
def _cases() -> list[Any]:
    cases = []
    for path in DIALOG_FILES:
        locales = yaml.safe_load(path.read_text(encoding="utf-8")).get("locales") or ["en-US"]
        for locale in locales:
            name = path.stem if locales == ["en-US"] else f"{path.stem}[{locale}]"
            cases.append(pytest.param(path, locale, id=name))
    return cases


def speaks_no_english(result: Turn, locale: str, english: Content) -> None:
    """A German or Spanish response says no English sentence: no common English word, and no
    sentence of the English content (prompts, steps, topics, safety check) word for word."""
    if locale.startswith("en-"):
        return
    spoken = result.text.lower()
    words = set(re.findall(r"[a-z']+", spoken))
    assert not words & ENGLISH_WORDS, f"English in a {locale} response: {result.text}"
    for sentence in _english_sentences(english):
        assert sentence not in spoken, f"untranslated in {locale}: {sentence!r}\n{result.text}"


def _english_sentences(english: Content) -> list[str]:
    texts = [w for wordings in english.variants.values() for w in wordings]
    texts += [s.say for t in english.techniques for s in t.steps] + [t.say for t in english.topics]
    texts += [t.purpose for t in english.techniques]
    safety = english.safety
    texts += [safety.intro, safety.all_clear]
    for q in (*safety.questions, safety.compact):
        texts += [q.ask, q.explain, q.on_yes]
    for said in (safety.statement, safety.compact_statement):
        texts += [said.say, said.ask, said.explain, said.on_no]
    texts += [getattr(safety.provider, f) for f in safety.provider._fields]
    texts += list(safety.named.values())
    sentences = (s for text in texts for s in re.split(r"(?<=[.?!:])\s+", text.lower()))
    return sorted({s for s in sentences if len(s.split()) >= 3 and "{" not in s})


@pytest.mark.parametrize(("path", "locale"), _cases())
def test_dialog(
    path: Path,
    locale: str,
    handler: Handler,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    content: Content,
    statements_in: Callable[[str], tuple[Content, InteractionModel, Handler]],
    alexa_api: Any,
) -> None:
    dialog = _load(path)
    STANDIN[:] = [alexa_api.standin]
    person, adapter = _person(dialog, locale, handler, tmp_path, content, statements_in, alexa_api)
    for number, turn in enumerate(dialog["turns"], start=1):
        what = next(f"{k}: {turn[k]}" for k in ACTIONS if k in turn)
        result: Turn | None = None
        calls: list[Any] = []
        with caplog.at_level(logging.WARNING):
            for _ in range(int(turn.get("times", 1))):
                before = len(alexa_api.standin.calls)
                result = _play(person, turn)
                calls = alexa_api.standin.calls[before:]
        assert result is not None
        where = f"{path.name} turn {number} ({what!r})"
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert not errors, f"{where} logged errors: {errors}"
        expect = turn.get("expect") or {}
        speaks_no_english(result, locale, content)
        _check(result, expect, where)
        _check_api(result, expect, calls, where, locale)
        if "stored" in expect:
            assert adapter is not None, f"{where}: 'stored' needs persistence"
            record = adapter.get_attributes(_envelope())
            for key, value in expect["stored"].items():
                assert record.get(key) == value, f"{where}\n  stored {key}: {record.get(key)!r}"


def test_there_are_enough_dialogs() -> None:
    """The issue asks for at least 20 conversation tests; each file must be loadable."""
    assert len(DIALOG_FILES) >= 22
    names = [_load(path)["name"] for path in DIALOG_FILES]
    assert len(set(names)) == len(names), "two dialogs share a name"
