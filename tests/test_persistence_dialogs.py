"""Issue 5 end to end: people quit mid-routine and come back, through the real request path.

Every turn here goes the way a device's does: typed words → the interaction model → a real
request envelope → ``make_handler(build_skill(settings, adapter))`` → a serialised response,
held to Alexa's rules. Behind the skill sits a real store: an SQLite file in ``tmp_path``, or
DynamoDB served by moto on 127.0.0.1 over real HTTP. A :class:`Spy` between the fault boundary
(:class:`~skill.store.resilient.ResilientAdapter`) and the backend counts and copies every call,
and can be told to fail, so the tests see exactly what reaches the store.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from alexa_rules import check_response
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import LaunchRequest
from ask_sdk_model.context import Context
from ask_sdk_model.interfaces.system.system_state import SystemState
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_model.user import User
from moto_server import REGION, LocalDynamoDB, use_dummy_aws

from skill.alexa.builder import build_skill
from skill.alexa.lambda_function import make_handler
from skill.content.records import Content
from skill.local.simulator import Conversation, Turn
from skill.local.ssml_text import ssml_seconds
from skill.settings import Settings
from skill.store.base import VersionedAdapter, WriteConflict
from skill.store.factory import make_persistence_adapter
from skill.store.progress import ALLOWED_KEYS, SCHEMA_VERSION, SIDES, Progress
from skill.store.resilient import ResilientAdapter

USER = "amzn1.ask.account.AGF7DIALOGPERSONWHOSEIDMUSTNEVERBELOGGED"
OTHER_USER = "amzn1.ask.account.AGF7ANOTHERPERSONWHOSEIDMUSTNEVERLEAK"
SECRET = "a-test-deployment-secret-of-32-chars"
KEY = hmac.new(SECRET.encode(), USER.encode(), "sha256").hexdigest()
TABLE = "KneeCoachProgress"
T0 = 1_760_000_000.0
"""A fixed start time (epoch seconds); the clock moves only when a test moves it."""

# What the compact safety question names (no health answer is remembered, so it is asked
# each time); "what does that mean" gives every condition and warning sign.
COMPACT_NAMES = [
    "osteoporosis",
    "varicose veins",
    "high blood pressure",
    "recent knee surgery or injury",
    "new swelling",
]
# Words that would mean health information leaked into a store, a log or the session.
CONDITION_WORDS = [
    "osteoporosis",
    "varicose",
    "blood pressure",
    "blood_pressure",
    "swelling",
    "redness",
    "fever",
    "chills",
    "locking",
    "clicking",
    "weight",
]
HEALTH_WORDS = [*CONDITION_WORDS, "warning", "condition", "advice", "advised"]
"""The store and the logs may not even say that advice was given."""
ERROR_SPEECH = "something went wrong"


# ---- test doubles ---------------------------------------------------------------------------


class Clock:
    """A clock the test moves by hand, so "this week" and minute granularity are exact."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def moment(self) -> datetime:
        """The same time as Alexa stamps it on a request."""
        return datetime.fromtimestamp(self.now, timezone.utc)

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Spy(VersionedAdapter):
    """Passes calls to a real backend, copying each one; ``fail`` names operations to break."""

    def __init__(self, inner: AbstractPersistenceAdapter) -> None:
        assert isinstance(inner, VersionedAdapter)
        self.inner = inner
        self.gets = 0
        self.saves: list[dict[str, object]] = []
        self.deletes = 0
        self.conflicts = 0
        """Writes refused because another write came first."""
        self.fail: set[str] = set()

    def read(self, request_envelope: RequestEnvelope) -> tuple[dict[str, object], int]:
        self.gets += 1
        self._maybe_fail("get")
        return self.inner.read(request_envelope)

    def write(
        self, request_envelope: RequestEnvelope, attributes: dict[str, object], expected: int
    ) -> int:
        self._maybe_fail("save")
        try:
            version = self.inner.write(request_envelope, attributes, expected)
        except WriteConflict:
            self.conflicts += 1
            raise
        self.saves.append(json.loads(json.dumps(attributes)))  # the writes that happened
        return version

    def save_attributes(
        self, request_envelope: RequestEnvelope, attributes: dict[str, object]
    ) -> None:
        self.saves.append(json.loads(json.dumps(attributes)))
        self._maybe_fail("save")
        self.inner.save_attributes(request_envelope, attributes)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self.deletes += 1
        self._maybe_fail("delete")
        self.inner.delete_attributes(request_envelope)

    def _maybe_fail(self, operation: str) -> None:
        if operation in self.fail:
            raise PersistenceException(f"injected {operation} failure") from ConnectionError(
                "connection refused"
            )


class Person:
    """One person, the skill they talk to and the store behind it, across sessions."""

    def __init__(
        self,
        settings: Settings,
        content: Content,
        clock: Clock,
        user_id: str = USER,
        spy: bool = True,
    ) -> None:
        self.settings = settings
        self.content = content
        self.clock = clock
        self.user_id = user_id
        adapter = make_persistence_adapter(settings)
        assert isinstance(adapter, ResilientAdapter)
        self.backend = adapter.inner
        self.spy = Spy(self.backend)
        self.adapter = ResilientAdapter(
            self.spy if spy else self.backend, timeout_s=settings.store_timeout_s
        )
        skill = build_skill(settings, self.adapter, content=content, clock=clock)
        self.conversation = Conversation(make_handler(skill), clock=clock.moment, user_id=user_id)
        self.turns: list[Turn] = []

    # -- talking ------------------------------------------------------------------------

    def launch(self) -> Turn:
        return self._checked(self.conversation.launch())

    def say(self, *texts: str) -> Turn:
        """Say each text in turn, five seconds after the last answer ended; the last is returned.

        Alexa's request timestamps tell the skill how much of a reply was heard, so each
        request comes after the whole of the reply before it, as when a person waits for it.
        """
        assert texts
        for text in texts:
            self.clock.advance(self._heard() + 5)
            turn = self._checked(self.conversation.say(text))
        return turn

    def cut_in(self, text: str, after: float) -> Turn:
        """Say ``text`` ``after`` seconds into the last reply ("Alexa, ..." while it plays)."""
        self.clock.advance(after)
        return self._checked(self.conversation.say(text))

    def _heard(self) -> int:
        """Whole seconds the last reply of this session takes to play (0 if there is none);
        whole, so the clock stays on the seconds Alexa's timestamps have."""
        last = self.turns[-1] if self.turns and self.conversation.session.open else None
        return math.ceil(ssml_seconds(last.ssml)) if last is not None else 0

    def end_session(self, after: float | None = None) -> Turn:
        """The session ends: by a timeout once the last reply has played and the reprompt
        met silence, or ``after`` seconds into that reply ("Alexa, exit" mid-hold)."""
        self.clock.advance(self._heard() + 16 if after is None else after)
        turn = self.conversation.end_session()
        check_response(turn.response, session_ended=True)
        self.turns.append(turn)
        return turn

    def _checked(self, turn: Turn) -> Turn:
        check_response(turn.response)
        assert ERROR_SPEECH not in turn.text.lower(), turn.text
        self.turns.append(turn)
        return turn

    # -- what the store holds ----------------------------------------------------------

    def stored(self) -> dict[str, object]:
        """The record as the backend returns it (bypassing the spy and the fault boundary).

        Read as of the test's clock: expiry counts from the request's time, as in the skill.
        """
        envelope = RequestEnvelope(
            context=Context(system=SystemState(user=User(self.user_id))),
            request=LaunchRequest(request_id="peek", timestamp=self.clock.moment()),
        )
        return dict(self.backend.get_attributes(envelope))


def says(turn: Turn, *texts: str) -> None:
    spoken = turn.text.lower()
    for text in texts:
        assert text.lower() in spoken, f"expected {text!r} in: {turn.text}"


def does_not_say(turn: Turn, *texts: str) -> None:
    spoken = turn.text.lower()
    for text in texts:
        assert text.lower() not in spoken, f"did not expect {text!r} in: {turn.text}"


def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(
        persistence="sqlite",
        sqlite_path=tmp_path / "progress.db",
        store_timeout_s=1,
        user_key_secret=SECRET,
    )


def dynamodb_settings(endpoint: str) -> Settings:
    return Settings(
        persistence="dynamodb",
        dynamodb_table=TABLE,
        aws_region=REGION,
        dynamodb_endpoint_url=endpoint,
        store_timeout_s=0.5,
        user_key_secret=SECRET,
    )


# ---- fixtures -------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "dynamodb"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The same dialog against both backends."""
    if request.param == "sqlite":
        return sqlite_settings(tmp_path)
    server: LocalDynamoDB = request.getfixturevalue("dynamodb")
    return dynamodb_settings(server.endpoint)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def person(tmp_path: Path, content: Content, clock: Clock) -> Callable[..., Person]:
    """``person()`` talks to a skill over SQLite in tmp; pass settings for another store."""

    def make(settings: Settings | None = None, **options: Any) -> Person:
        return Person(settings or sqlite_settings(tmp_path), content, clock, **options)

    return make


# ---- shared dialog pieces -------------------------------------------------------------------


def first_session_to_thigh_tapping_step_4(person: Person) -> Turn:
    """New user: full disclaimer, five "no"s, right knee, then "next" three times."""
    says(person.launch(), "welcome to knee coach", "medical advice", "osteoporosis")
    says(person.say("no", "no", "no", "no", "no"), "which knee")
    says(person.say("my right knee"), "technique 1 of 6: outside thigh glide")
    person.say("next", "next")
    step = person.say("next")
    says(step, "the second part", "say next for front thigh glide")
    does_not_say(step, "technique 2 of 6")
    return step


def returning_launch(person: Person, where: str) -> Turn:
    """A returning user with a resumable routine: where they'll be (the part, never a step
    number), short disclaimer, one check."""
    launch = person.launch()
    says(launch, "welcome back", f"we'll go on with {where}.")
    does_not_say(launch, "step ")
    says(launch, "not medical advice", "any osteoporosis", *COMPACT_NAMES)
    does_not_say(launch, "i'm not a doctor", "five quick")  # the full versions
    assert launch.open
    return launch


# ---- 1. resume after a session ends, on both backends ---------------------------------------


def test_resume_after_the_session_times_out(
    settings: Settings, content: Content, clock: Clock
) -> None:
    """The timeout came after step 4 was heard to its end: next time, the next step."""
    first = Person(settings, content, clock)
    step = first_session_to_thigh_tapping_step_4(first)
    assert (first.stored()["technique"], first.stored()["step"]) == (1, 3)  # not heard yet
    first.end_session()
    assert first.stored()["routine"] == "full"
    assert (first.stored()["technique"], first.stored()["step"]) == (2, 0)

    clock.advance(3600)
    # Start the chat again: a new skill and a new adapter over the same store.
    again = Person(settings, content, clock)
    returning_launch(again, "front thigh glide")
    resumed = again.say("no")  # the one check answered: straight into the step
    says(resumed, "technique 3 of 6: front thigh glide")
    does_not_say(resumed, "keep the taps light", "thigh tapping")
    assert step.text.split(".")[0] not in resumed.text
    assert again.stored()["last_active"] == int(clock.now)  # active again, a new week to resume
    says(again.say("next"), "the second part")
    assert again.stored()["technique"] == 2


def test_a_session_closed_mid_hold_goes_back_to_that_step(
    settings: Settings, content: Content, clock: Clock
) -> None:
    """ "Alexa, exit" 20 s into step 4's hold: that step was not done, so it comes again."""
    first = Person(settings, content, clock)
    first_session_to_thigh_tapping_step_4(first)
    first.end_session(after=20)
    assert (first.stored()["technique"], first.stored()["step"]) == (1, 3)
    again = Person(settings, content, clock)
    returning_launch(again, "the second part of thigh tapping")
    says(again.say("no"), "the second part", "keep the taps light")


@pytest.mark.parametrize("keep_going", [False, True], ids=["step-by-step", "keep-going"])
def test_the_step_named_at_stop_is_the_step_named_on_return(
    person: Callable[..., Person], keep_going: bool
) -> None:
    """One response speaks set-up steps 1 and 2 with the timed step 3: stop and return name
    the same place, by its part (never a step number the person has not heard)."""
    first = person()
    first.launch()
    first.say("no", "no", "no", "no", "no")
    if keep_going:
        first.say("keep going")
    says(first.say("right"), "outside thigh glide", "sit with your leg")
    # Heard to the end: step-by-step goes on at its second part; keep-going had played all.
    where = "thigh tapping" if keep_going else "the second part of outside thigh glide"
    says(first.say("stop"), f"stopping here, before {where},", "keep your place for 7 days")
    again = person()
    returning_launch(again, where)
    says(again.say("repeat"), "any osteoporosis")  # the question again
    resumed = again.say("no")
    does_not_say(resumed, "sit with your leg")
    says(resumed, "technique 2 of 6: thigh tapping" if keep_going else "the second part")


def test_a_resume_point_older_than_a_week_is_not_offered(
    person: Callable[..., Person], clock: Clock
) -> None:
    first_session_to_thigh_tapping_step_4(person())
    clock.advance(8 * 24 * 3600)
    again = person()
    launch = again.launch()
    says(launch, "welcome back", "osteoporosis")
    # Honest about it: the place kept has lapsed, so the routine starts from the beginning.
    says(launch, "it's been over 7 days, so we'll start from the beginning")
    does_not_say(launch, "we'll go on", "thigh tapping")
    # From the start; the technique they know is introduced shortly.
    first = again.say("no")
    says(first, "outside thigh glide.", "on the outside of your thigh")
    does_not_say(first, "technique 1 of 6", "sit with your leg", "loosens")


# ---- 2. start over instead ------------------------------------------------------------------


def test_start_over_instead_of_resume_restarts_and_rewrites_the_position(
    person: Callable[..., Person], clock: Clock
) -> None:
    first_session_to_thigh_tapping_step_4(person())
    again = person()
    returning_launch(again, "the second part of thigh tapping")
    # "start over" at the check: from the beginning, once the check is answered
    asked = again.say("start over")
    says(asked, "starting over", "any osteoporosis")
    restart = again.say("no")
    says(restart, "outside thigh glide", "say next for the second part")
    does_not_say(restart, "thigh tapping", "keep the taps light")
    record = again.stored()
    assert (record["routine"], record["technique"], record["step"]) == ("full", 0, 0)
    # and in the routine itself, it restarts the routine they were doing
    again.say("next", "next")
    says(again.say("start over"), "starting over", "full routine")
    assert (again.stored()["technique"], again.stored()["step"]) == (0, 0)


def test_start_over_restarts_the_routine_they_were_doing(
    person: Callable[..., Person], clock: Clock
) -> None:
    first = person()
    first.say("ask knee coach to start the quick routine")
    first.say("no", "no", "no", "no", "no", "right")
    says(first.say("next", "next"), "technique 2 of 4: front thigh glide")
    again = person()
    returning_launch(again, "front thigh glide")  # not known to be heard: from its start
    again.say("no")
    restart = again.say("start over")
    says(restart, "starting over", "the quick routine: four techniques", "outside thigh glide")
    does_not_say(restart, "full routine")
    assert (again.stored()["routine"], again.stored()["technique"]) == ("quick", 0)


# ---- 3. forget me ---------------------------------------------------------------------------


def test_forget_me_confirms_then_deletes_the_record(person: Callable[..., Person]) -> None:
    first_session_to_thigh_tapping_step_4(person())
    again = person()
    says(again.say("forget me"), "delete your saved progress", "yes or no")
    assert again.stored()["routine"] == "full"  # nothing happens before the "yes"
    says(again.say("yes"), "deleted your saved progress")
    assert again.stored() == {}
    assert again.spy.deletes == 1
    # A new session is a first meeting again: full disclaimer, no resume.
    launch = person().launch()
    says(launch, "welcome to knee coach", "emergency number", "five quick safety questions")
    does_not_say(launch, "welcome back", "we'll go on")


def test_nothing_is_written_again_after_forget_me_in_the_same_session(
    person: Callable[..., Person],
) -> None:
    """After "yes, forget me", carrying on and then stopping must not re-create the record."""
    first = person()
    first_session_to_thigh_tapping_step_4(first)
    first.say("forget me")
    says(first.say("yes"), "deleted your saved progress")
    saves_before = len(first.spy.saves)
    first.say("next")
    first.say("slower")
    first.say("stop")
    assert first.stored() == {}
    assert len(first.spy.saves) == saves_before


def test_forget_me_answered_no_keeps_the_record(person: Callable[..., Person]) -> None:
    first_session_to_thigh_tapping_step_4(person())
    again = person()
    before = again.stored()
    again.say("delete my progress")
    says(again.say("no"), "keep it")
    assert again.stored() == before
    assert again.spy.deletes == 0
    returning_launch(person(), "the second part of thigh tapping")


def test_forget_me_with_a_failing_store_says_so(
    person: Callable[..., Person], caplog: pytest.LogCaptureFixture
) -> None:
    first_session_to_thigh_tapping_step_4(person())
    again = person()
    again.spy.fail.add("delete")
    again.say("forget me")
    answer = again.say("yes")
    says(answer, "couldn't delete your progress", "try again")
    does_not_say(answer, "i've deleted")
    assert again.stored()["routine"] == "full"
    assert USER not in caplog.text


# ---- 4. the store fails mid-conversation ----------------------------------------------------


def test_dynamodb_going_away_mid_routine(
    content: Content,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    use_dummy_aws(monkeypatch)
    server = LocalDynamoDB()  # our own server: this test stops it
    server.start()
    stopped = False
    try:
        server.reset()
        server.create_table(TABLE)
        settings = dynamodb_settings(server.endpoint)
        first = Person(settings, content, clock)
        first.launch()
        first.say("no", "no", "no", "no", "no", "right")
        assert first.stored()["routine"] == "full"
        server.stop()
        stopped = True

        started = time.perf_counter()
        says(first.say("next"), "the second part", "say next for thigh tapping")
        says(first.say("once more"), "the second part")
        says(first.say("next"), "technique 2 of 6")
        says(first.say("where am i"), "technique 2 of 6")
        says(first.say("next"), "the second part")
        assert time.perf_counter() - started < 10
        first.end_session()

        again = Person(settings, content, clock)
        launch = again.launch()
        says(launch, "welcome to knee coach", "medical advice", "osteoporosis")
        does_not_say(launch, "welcome back", "we'll go on")
        says(again.say("no", "no", "no", "no", "no"), "which knee")
    finally:
        if not stopped:
            server.stop()

    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    kinds = sorted(f"{r.args[0]}/{r.args[1]}" for r in warnings if isinstance(r.args, tuple))
    assert kinds == ["get/unreachable", "save/unreachable"], [r.getMessage() for r in warnings]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert_no_user_id_logged(caplog)


def test_a_store_that_raises_mid_conversation_is_survived(
    person: Callable[..., Person], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    first = person()
    first_session_to_thigh_tapping_step_4(first)
    first.spy.fail.update({"get", "save", "delete"})
    says(first.say("next"), "technique 3 of 6")
    says(first.say("help"), "say next")
    says(first.say("next"), "the second part")
    says(first.say("forget me"), "delete your saved progress")
    says(first.say("yes"), "couldn't delete")
    first.end_session()
    again = person()
    again.spy.fail.add("get")
    launch = again.launch()
    does_not_say(launch, "welcome back", "we'll go on")
    says(again.say("no", "no", "no", "no", "no"), "which knee")
    assert again.spy.saves == []  # no write after a failed read: real progress is kept
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    kinds = [m.split("(")[1].split(")")[0] for m in warnings]
    assert len(warnings) == 3 and set(kinds) == {"unreachable"}, warnings
    operations = sorted(m.split()[2] for m in warnings)
    assert operations == ["delete", "get", "save"], warnings
    assert_no_user_id_logged(caplog)
    # The record from before the outage survived it.
    assert again.stored()["technique"] == 1


@pytest.mark.parametrize(
    "retry_at",
    [math.inf, -math.inf, math.nan, 1e308, -1e308, "soon", True, None],
    ids=["inf", "-inf", "nan", "1e308", "-1e308", "text", "bool", "null"],
)
def test_a_retry_time_from_the_session_is_checked(
    person: Callable[..., Person], clock: Clock, retry_at: object
) -> None:
    """Issue 23: the session's retry time comes back from the device. Not a finite number, or
    further ahead than the longest back-off: the store is still tried again within two minutes,
    and no response carries a number strict JSON cannot (``inf``, ``NaN``)."""
    me = person()
    me.spy.fail.add("get")
    says(me.launch(), "welcome to knee coach")  # the store could not be read
    memory = me.conversation.session.attributes["memory"]
    assert memory["available"] is False and memory["retry_at"] == clock.now + 10
    memory["retry_at"] = retry_at
    me.spy.fail.clear()
    gets = me.spy.gets
    for _ in range(2):  # the first turn may only set the time; within 2 minutes it is tried
        clock.advance(121)
        me.say("no")
        for turn in me.turns[-1:]:
            json.dumps(turn.response, allow_nan=False)  # strict JSON: no inf, no NaN
    assert me.spy.gets == gets + 1
    assert me.conversation.session.attributes["memory"]["available"] is True
    assert "retry_at" not in me.conversation.session.attributes["memory"]


def assert_no_user_id_logged(caplog: pytest.LogCaptureFixture) -> None:
    """No log record anywhere holds the user ID; ours show at most 8 characters of its hash.

    (botocore's own DEBUG records print request parameters, hence the full hashed key and the
    allow-listed record, but never the user ID: it does not reach boto3.)
    """
    for record in caplog.records:
        text = f"{record.getMessage()} {record.exc_text or ''}"
        assert USER not in text, f"user id in a log record: {text[:200]}"
        if record.name.startswith("skill"):
            assert KEY not in text, f"full hashed key in a log record: {text[:200]}"
            assert KEY[:9] not in text, f"more than 8 characters of the key: {text[:200]}"


# ---- 5. privacy: no health answer reaches the store, the logs or the session ----------------


def test_no_safety_answer_reaches_the_store_logs_or_session(
    settings: Settings, content: Content, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG, botocore logs every request body: so nothing health-related is on the wire."""
    caplog.set_level(logging.DEBUG)
    # A condition ("yes" to osteoporosis), then the compact check answered "yes".
    one = Person(settings, content, clock)
    says(one.launch(), "osteoporosis")
    says(one.say("yes"), "osteoporosis")
    one.say("repeat", "what does that mean", "help", "start the routine")
    one.end_session()
    again = Person(settings, content, clock)
    says(again.launch(), "osteoporosis")
    says(again.say("i'm not sure"), "bones have become thin", "check with your doctor")
    says(again.say("yes"), "provider")
    says(again.say("it hurts"), "better not to massage a painful knee")
    again.say("stop")
    # Someone else: the full check with a "yes" to the warning signs, and later all "no".
    other = Person(settings, content, clock, user_id=OTHER_USER)
    other.launch()
    says(other.say("no", "no", "no", "no", "yes i do"), "provider")
    other.say("repeat")
    other.end_session()
    later = Person(settings, content, clock, user_id=OTHER_USER)
    later.launch()
    later.say("no", "no", "no", "no", "no", "left", "next")
    says(later.say("ouch"), "sorry it hurts", "healthcare provider")
    later.say("lighter", "finish for today")
    people = [one, again, other, later]

    saves = [record for p in people for record in p.spy.saves]
    assert len(saves) >= 3, "the dialog should have written progress"
    question_ids = [q.id for q in content.safety.questions]
    routine_ids = {r.id for r in content.routines}
    for saved in saves:
        assert set(saved) <= ALLOWED_KEYS, saved
        dumped = json.dumps(saved).lower()
        for word in [*HEALTH_WORDS, *question_ids, "yes", '"no"']:
            assert word.lower() not in dumped, f"{word!r} in stored {saved}"
        strings = [v for v in saved.values() if isinstance(v, str)]
        assert set(strings) <= routine_ids | set(SIDES), saved
    rows = raw_rows(settings)
    assert len(rows) == 2
    for row in rows:
        assert USER not in row and OTHER_USER not in row
        assert not any(word in row.lower() for word in [*HEALTH_WORDS, *question_ids]), row

    if settings.persistence == "dynamodb":  # the request bodies were in view
        assert '"attributes": {"m": {' in caplog.text.lower()
    for record in caplog.records:
        text = f"{record.getMessage()} {record.exc_text or ''}".lower()
        # (not "condition" or "warning": botocore's own debug lines use those words)
        for word in [*CONDITION_WORDS, "advice", "advised", *question_ids, USER, OTHER_USER]:
            assert word.lower() not in text, f"{word!r} logged: {text[:200]}"

    # Session attributes travel to Alexa and back: they may say that advice was given (the
    # session must not start the routine), never which condition or sign it was about.
    turns = [turn for p in people for turn in p.turns]
    assert any("advice" in json.dumps(t.response.get("sessionAttributes")) for t in turns)
    for turn in turns:
        attributes = json.dumps(turn.response.get("sessionAttributes") or {}).lower()
        for word in [*CONDITION_WORDS, *question_ids]:
            assert word.lower() not in attributes, f"{word!r} in session attributes"


def test_pain_leaves_no_more_trace_than_a_pause(
    settings: Settings, content: Content, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """ "Ouch" mid-hold stores, logs and keeps in the session exactly what "pause" would."""
    caplog.set_level(logging.DEBUG)
    hurt = Person(settings, content, clock)
    paused = Person(settings, content, Clock(clock.now), user_id=OTHER_USER)  # the same times
    for person in (hurt, paused):
        person.launch()
        person.say("no", "no", "no", "no", "no", "left", "next")
    said = hurt.cut_in("ouch, that hurts", after=15)
    says(said, "sorry it hurts", "healthcare provider")
    paused.cut_in("pause", after=15)
    assert hurt.stored() == paused.stored()

    def session(person: Person) -> dict[str, Any]:
        """The session attributes, but for the record's version (random for every write)."""
        attributes = json.loads(json.dumps(person.turns[-1].response["sessionAttributes"]))
        assert attributes["memory"].pop("version") > 0
        return dict(attributes)

    assert session(hurt) == session(paused)
    for record in (*hurt.spy.saves, json.dumps(hurt.turns[-1].response["sessionAttributes"])):
        assert not any(word in json.dumps(record).lower() for word in ("pain", "hurt", "ouch"))
    assert not any("hurt" in r.getMessage().lower() for r in caplog.records)


def raw_rows(settings: Settings) -> list[str]:
    """Every stored row as text, read straight from the backend (key and attributes)."""
    if settings.persistence == "sqlite":
        with sqlite3.connect(settings.sqlite_path) as db:
            return [row[0] for row in db.execute("SELECT key || ' ' || attributes FROM progress")]
    import boto3

    client = boto3.client(
        "dynamodb", endpoint_url=settings.dynamodb_endpoint_url, region_name=REGION
    )
    return [json.dumps(item) for item in client.scan(TableName=TABLE)["Items"]]


# ---- 6. one write per response, only when something changed --------------------------------


def test_writes_happen_once_per_response_and_only_on_change(
    person: Callable[..., Person],
) -> None:
    me = person()
    spy = me.spy

    def writes(*texts: str) -> int:
        before = len(spy.saves)
        me.say(*texts)
        return len(spy.saves) - before

    me.launch()
    assert len(spy.saves) == 1  # heard the full introduction: remembered once
    assert writes("no", "no", "no", "no", "no") == 0
    assert writes("right") == 1  # side and position (full, 0, 0)
    # The next request says the first step was heard to its end: that is news, once.
    assert writes("help") == 1
    assert spy.saves[-1]["step"] == 3
    for idle in ("repeat", "where am i", "what does that mean", "pause", "resume"):
        assert writes(idle) == 0, idle  # a repeat of a step heard moves nothing
    assert writes("next") == 1
    assert writes("next") == 1
    assert writes("previous") == 1
    assert writes("slower") == 1  # a preference changed (and that step was heard)
    assert writes("slower") == 1
    me.clock.advance(120)  # a long hold: still nothing new to remember
    assert writes("repeat") == 0
    assert writes("how much is left") == 0
    assert writes("keep going") == 1  # keep-going mode, and it moved on
    assert writes("what causes knee pain") == 1  # the technique was heard to its end
    assert writes("what are the benefits") == 0
    assert spy.gets == 1  # read once per session; later turns use the cached record
    me.end_session()  # nothing new: it had all been heard
    assert len(spy.saves) == 10
    assert spy.saves[-1]["keep_going"] is True
    assert spy.saves[-1]["pace"] == 1.5


# ---- 7. completing a routine ----------------------------------------------------------------


def run_quick_routine(me: Person, first_time: bool) -> Turn:
    start = me.say("ask knee coach to start the quick routine")
    says(start, "medical advice")
    if first_time:
        says(start, "about 6 minutes for one knee")
        me.say("no", "no", "no", "no", "no")
        turn = me.say("right")
        says(turn, "technique 1 of 4")
    else:
        does_not_say(start, "we'll go on")
        turn = me.say("no")
        says(turn, "outside thigh glide.")  # a technique they know: introduced shortly
    for _ in range(20):
        if not turn.open or "remind you" in turn.text:  # done, or done with the reminder offer
            return turn
        turn = me.say("next")
    raise AssertionError("the quick routine never finished")


def test_completing_clears_the_position_and_counts_the_week(
    person: Callable[..., Person], clock: Clock
) -> None:
    one = person()
    done = run_quick_routine(one, first_time=True)
    says(done, "well done", "that's your first routine this week")
    assert one.stored()["routine"] is None
    first_done = int(clock.now)
    clock.advance(24 * 3600)
    two = person()
    done = run_quick_routine(two, first_time=False)
    says(done, "that's 2 days in a row")  # a day later: a run of days beats the week count
    record = two.stored()
    assert record["completed"] == 2 and record["routine"] is None
    assert (record["technique"], record["step"]) == (0, 0)
    assert record["completions"] == [first_done, int(clock.now)]
    # A week later the count starts again, but the total is kept.
    clock.advance(8 * 24 * 3600)
    three = person()
    says(run_quick_routine(three, first_time=False), "that's your first routine this week")
    assert three.stored()["completed"] == 3


# ---- 8. corrupt and old records -------------------------------------------------------------


def write_raw(path: Path, attributes: str) -> None:
    """Put a record straight into the SQLite file, bypassing every check."""
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT OR REPLACE INTO progress (key, attributes, updated_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (KEY, attributes, time.time(), int(time.time()) + 10**7),
        )


CORRUPT = {
    "bad-json": ("{not json", "welcome to knee coach"),
    "a-list": ("[1, 2, 3]", "welcome to knee coach"),
    "a-string": ('"a string"', "welcome to knee coach"),
    "null": ("null", "welcome to knee coach"),
    "bad-version": ('{"v": "two", "heard_intro": true}', "welcome to knee coach"),
    # Readable records whose resume point no longer exists: the greeting proves they were read.
    "unknown-routine": (
        '{"v": 2, "routine": "gone", "technique": 1, "step": 1, "heard_intro": true,'
        ' "last_active": 1760000000}',
        "welcome back to knee coach",
    ),
    "position-past-the-end": (
        '{"v": 2, "routine": "full", "technique": 500, "step": 9, "heard_intro": true,'
        ' "last_active": 1760000000}',
        "welcome back to knee coach",
    ),
    "both-knee-set-on-one-knee": (
        '{"v": 2, "routine": "quick", "technique": 7, "step": 0, "side": "left",'
        ' "heard_intro": true, "last_active": 1760000000}',
        "welcome back. same as last time: quick routine, left knee",
    ),
    "bad-fields": (
        '{"v": 2, "routine": "full", "technique": -1, "side": "middle", "pace": "fast",'
        ' "heard_intro": "yes", "completions": "many", "last_active": 1e300}',
        "welcome to knee coach",
    ),
    "newer-version": (
        '{"v": 99, "routine": "full", "technique": 1, "step": 1, "surprise": [1],'
        ' "heard_intro": true}',
        "welcome back to knee coach",
    ),
}


@pytest.mark.parametrize("case", CORRUPT, ids=list(CORRUPT))
def test_a_corrupt_record_never_breaks_launch(person: Callable[..., Person], case: str) -> None:
    attributes, greeting = CORRUPT[case]
    me = person()
    me.stored()  # opens the file and creates the table
    write_raw(me.settings.sqlite_path, attributes)
    launch = me.launch()
    says(launch, greeting, "medical advice", "osteoporosis")
    does_not_say(launch, "we'll go on")  # no position to go on from survived
    full_check = greeting == "welcome to knee coach"
    says(me.say(*["no"] * (5 if full_check else 1)), "knee")
    record = me.stored()
    assert record["v"] == SCHEMA_VERSION and set(record) <= ALLOWED_KEYS  # repaired on writing
    assert Progress.load(record).status == "ok"
    assert "surprise" not in record


def test_an_old_v1_record_is_migrated(person: Callable[..., Person]) -> None:
    me = person()
    me.stored()
    write_raw(
        me.settings.sqlite_path,
        '{"v": 1, "routine": "quick", "technique": 2, "step": 1, "mode": "keep_going",'
        ' "pace": 1.5, "phase": "routine"}',
    )
    launch = me.launch()
    says(launch, "welcome to knee coach", "medical advice", "any osteoporosis")  # did steps before
    record = me.stored()
    assert record["v"] == SCHEMA_VERSION and record["keep_going"] is True
    assert record["pace"] == 1.5
    assert "mode" not in record and "phase" not in record


# ---- 9. the skill is disabled ---------------------------------------------------------------


def skill_disabled_event(user_id: str = USER) -> dict[str, Any]:
    """What Alexa sends when someone disables the skill: an event without a session."""
    application = {"applicationId": "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"}
    return {
        "version": "1.0",
        "context": {"System": {"application": application, "user": {"userId": user_id}}},
        "request": {
            "type": "AlexaSkillEvent.SkillDisabled",
            "requestId": "amzn1.echo-api.request.disabled-1",
            "timestamp": "2025-10-09T12:00:00Z",
            "eventCreationTime": "2025-10-09T12:00:00Z",
            "eventPublishingTime": "2025-10-09T12:00:01Z",
            "locale": "en-US",
        },
    }


def test_disabling_the_skill_deletes_the_record(
    settings: Settings, content: Content, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    me = Person(settings, content, clock)
    first_session_to_thigh_tapping_step_4(me)
    assert me.stored() != {}
    response = me.conversation.invoke(skill_disabled_event(), None)
    assert me.stored() == {}
    assert response["version"] == "1.0"
    body = response.get("response") or {}
    assert not body.get("outputSpeech") and not body.get("card")
    assert not response.get("sessionAttributes")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_disabling_with_a_failing_store_still_answers(
    person: Callable[..., Person], caplog: pytest.LogCaptureFixture
) -> None:
    me = person()
    first_session_to_thigh_tapping_step_4(me)
    me.spy.fail.add("delete")
    response = me.conversation.invoke(skill_disabled_event(), None)
    assert not (response.get("response") or {}).get("outputSpeech")
    assert "delete failed (unreachable)" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert_no_user_id_logged(caplog)


# ---- the clock is Alexa's request timestamp ----------------------------------------------------


def test_progress_times_come_from_the_request_not_the_host(
    settings: Settings, content: Content, clock: Clock
) -> None:
    host_clock = Clock(T0 + 10 * 24 * 3600)  # the host's clock is ten days off
    person = Person(settings, content, clock)
    skill = build_skill(settings, person.adapter, content=content, clock=host_clock)
    person.conversation = Conversation(make_handler(skill), clock=clock.moment, user_id=USER)
    first_session_to_thigh_tapping_step_4(person)
    last_active = person.stored()["last_active"]
    assert isinstance(last_active, int)
    assert T0 <= last_active <= clock.now  # minute granularity; the host's clock is not used


def test_a_request_without_a_timestamp_falls_back_to_the_injected_clock() -> None:
    from types import SimpleNamespace

    from skill.voice.timing import request_time

    assert request_time(SimpleNamespace(timestamp=None), lambda: 42.0) == 42.0
    stamped = SimpleNamespace(timestamp=datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc))
    assert request_time(stamped, lambda: 42.0) == stamped.timestamp.timestamp()
