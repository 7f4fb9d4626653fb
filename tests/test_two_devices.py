"""Issue 23: one person, two Echo devices (kitchen and bedroom), sessions that overlap.

Both devices talk to their own skill (as two Lambda containers or two ``serve`` workers
would) over one store: an SQLite file in ``tmp_path``, or DynamoDB served by moto on
127.0.0.1. Their turns interleave on one clock. Each session reads the record at its first
turn and writes what it changed at the end of a turn; a write is conditional on the version
it read, and a write that finds the record changed re-reads it and merges. Nothing one device
recorded may be lost because the other device's older session wrote later, and a request
played twice changes nothing the second time.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from test_persistence_dialogs import (
    Clock,
    Person,
    does_not_say,
    dynamodb_settings,
    first_session_to_thigh_tapping_step_4,
    run_quick_routine,
    says,
    sqlite_settings,
)

from skill.content.records import Content
from skill.local.simulator import Turn
from skill.settings import Settings


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The same two-device conversations against both backends."""
    if request.param == "sqlite":
        return sqlite_settings(tmp_path)
    return dynamodb_settings(request.getfixturevalue("dynamodb").endpoint)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def devices(store: Settings, content: Content, clock: Clock) -> tuple[Person, Person]:
    """The kitchen and the bedroom: one person, one clock, one store, two skills."""
    return Person(store, content, clock), Person(store, content, clock)


class Replayer:
    """Keeps every request a device sent, so a test can send one of them again."""

    def __init__(self, person: Person) -> None:
        self.sent: list[dict[str, Any]] = []
        invoke = person.conversation.invoke

        def recording(envelope: dict[str, Any], context: Any) -> dict[str, Any]:
            self.sent.append(copy.deepcopy(envelope))
            return invoke(envelope, context)

        person.conversation.invoke = recording
        self._invoke = invoke

    def again(self, index: int = -1) -> dict[str, Any]:
        """Send a request already sent (the same request ID, time and session attributes)."""
        return self._invoke(copy.deepcopy(self.sent[index]), None)


def rate_of(turn: Turn) -> str | None:
    """The speaking rate a response speaks at ("90%"), None at Alexa's normal speed."""
    marker = '<prosody rate="'
    if marker not in turn.ssml:
        return None
    return turn.ssml.split(marker, 1)[1].split('"', 1)[0]


# ---- a routine finished on one device survives the other device's older session -------------


def test_a_routine_finished_in_the_kitchen_survives_the_bedroom_saving_its_place(
    store: Settings, content: Content, clock: Clock
) -> None:
    kitchen, bedroom = devices(store, content, clock)
    first_session_to_thigh_tapping_step_4(bedroom)  # the bedroom session is still open
    done = run_quick_routine(kitchen, first_time=False)  # meanwhile, in the kitchen
    says(done, "well done", "that's your first routine this week")
    finished_at = kitchen.stored()["completions"]
    assert isinstance(finished_at, list) and len(finished_at) == 1
    # The bedroom's session ends after its step was heard: it saves where it got to.
    bedroom.end_session()
    record = bedroom.stored()
    assert record["completions"] == finished_at and record["completed"] == 1
    assert (record["routine"], record["technique"], record["step"]) == ("full", 2, 0)
    # "How am I doing" counts the routine finished in the kitchen, on either device.
    says(kitchen.say("ask knee coach how am i doing"), "you've done one routine this week")
    answer = bedroom.say("ask knee coach how am i doing")
    says(answer, "you've done one routine this week")
    does_not_say(answer, "haven't finished a routine")
    # And the bedroom's place is the newest one: it is where the next session goes on.
    says(bedroom.launch(), "we'll go on with front thigh glide")


def test_a_session_open_on_both_devices_keeps_both_devices_news(
    store: Settings, content: Content, clock: Clock
) -> None:
    """The bedroom moves on after the kitchen finished: its own session learns of it too."""
    kitchen, bedroom = devices(store, content, clock)
    first_session_to_thigh_tapping_step_4(bedroom)
    run_quick_routine(kitchen, first_time=False)
    says(bedroom.say("next"), "technique 3 of 6")  # a new position, written
    record = bedroom.stored()
    assert record["completed"] == 1 and (record["technique"], record["step"]) == (2, 0)
    answer = bedroom.say("how am i doing")  # in the same, older session
    says(answer, "you've done one routine this week")
    does_not_say(answer, "haven't finished a routine")


# ---- preferences: the one set last wins, wherever it was set --------------------------------


def test_a_speaking_rate_set_in_the_kitchen_is_not_reverted_by_the_bedroom(
    store: Settings, content: Content, clock: Clock
) -> None:
    kitchen, bedroom = devices(store, content, clock)
    first_session_to_thigh_tapping_step_4(bedroom)
    kitchen.launch()
    says(kitchen.say("speak slower"), "more slowly")
    slower = kitchen.stored()["rate"]
    assert isinstance(slower, float) and slower < 1.0
    says(bedroom.say("next"), "technique 3 of 6")  # the bedroom writes its new position
    assert bedroom.stored()["rate"] == slower
    assert (bedroom.stored()["technique"], bedroom.stored()["step"]) == (2, 0)
    # The bedroom's session now speaks at the rate set last, and so does the next session.
    assert rate_of(bedroom.say("next")) == f"{round(slower * 100)}%"
    assert bedroom.stored()["rate"] == slower
    assert rate_of(kitchen.launch()) == f"{round(slower * 100)}%"


def test_a_preference_set_later_in_the_bedroom_wins(
    store: Settings, content: Content, clock: Clock
) -> None:
    """Each preference goes by the time it was set: both devices' changes are kept."""
    kitchen, bedroom = devices(store, content, clock)
    first_session_to_thigh_tapping_step_4(bedroom)
    kitchen.launch()
    kitchen.say("speak slower")  # kitchen: the speaking rate
    says(bedroom.say("slower"), "now lasts 40 seconds")  # then the bedroom: the hold pace
    record = bedroom.stored()
    assert record["rate"] < 1.0 and record["pace"] > 1.0
    kitchen.say("normal speed")  # the kitchen again, later: back to normal speed
    bedroom.say("next")
    record = kitchen.stored()
    assert record["rate"] == 1.0 and record["pace"] > 1.0


# ---- the same request twice ------------------------------------------------------------------


def test_a_replayed_request_changes_nothing_the_second_time(
    store: Settings, content: Content, clock: Clock
) -> None:
    me = Person(store, content, clock)
    replay = Replayer(me)
    done = run_quick_routine(me, first_time=True)
    says(done, "well done")
    record, saves = me.stored(), len(me.spy.saves)
    again = replay.again()  # the request that finished the routine, delivered twice
    assert json.dumps(again["response"], sort_keys=True) == json.dumps(
        done.response["response"], sort_keys=True
    )
    assert me.stored() == record and record["completed"] == 1
    assert len(me.spy.saves) == saves  # it found its news already stored: nothing written
    assert me.spy.conflicts == 1  # (its write was refused: the record had moved on)


def test_an_older_request_replayed_after_the_other_device_wrote_loses_nothing(
    store: Settings, content: Content, clock: Clock
) -> None:
    kitchen, bedroom = devices(store, content, clock)
    replay = Replayer(bedroom)
    first_session_to_thigh_tapping_step_4(bedroom)
    bedroom.say("speak slower")
    slower = bedroom.stored()["rate"]
    run_quick_routine(kitchen, first_time=False)  # finished in the kitchen, later
    replay.again()  # the bedroom's "speak slower" arrives once more
    record = kitchen.stored()
    assert record["completed"] == 1 and len(record["completions"]) == 1
    assert record["rate"] == slower


# ---- forget me on one device ------------------------------------------------------------------


def test_forget_me_on_one_device_is_not_undone_by_the_other(
    store: Settings, content: Content, clock: Clock
) -> None:
    """The bedroom's open session must not write back what the kitchen had deleted."""
    kitchen, bedroom = devices(store, content, clock)
    first_session_to_thigh_tapping_step_4(bedroom)
    kitchen.launch()
    kitchen.say("forget me")
    says(kitchen.say("yes"), "deleted your saved progress")
    assert kitchen.stored() == {}
    bedroom.say("next")
    bedroom.say("slower")
    bedroom.end_session()
    assert bedroom.stored() == {}


# ---- a session that could not read the store at first -------------------------------------------


def test_a_session_that_could_not_read_keeps_the_stored_preferences_when_the_store_is_back(
    store: Settings, content: Content, clock: Clock
) -> None:
    """It started on defaults; once it reads the record, only what it set itself wins."""
    kitchen, bedroom = devices(store, content, clock)
    first_session_to_thigh_tapping_step_4(kitchen)
    says(kitchen.say("speak slower"), "more slowly")
    slower = kitchen.stored()["rate"]
    kitchen.end_session()
    bedroom.spy.fail.add("get")  # the bedroom cannot read the store when its session starts
    says(bedroom.launch(), "welcome to knee coach")
    bedroom.say("no", "no", "no", "no", "no")
    says(bedroom.say("my left knee"), "technique 1 of 6")
    bedroom.spy.fail.clear()
    clock.advance(130)  # past the back-off: the next turn reads, and merges
    step = bedroom.say("next")
    record = bedroom.stored()
    assert record["rate"] == slower  # set in the kitchen, never in the bedroom
    assert (record["side"], record["technique"], record["step"]) == ("left", 0, 3)
    assert rate_of(bedroom.say("repeat")) == f"{round(slower * 100)}%"
    says(step, "the second part")


def test_a_session_whose_store_fails_mid_merge_carries_on_and_merges_later(
    store: Settings, content: Content, clock: Clock
) -> None:
    kitchen, bedroom = devices(store, content, clock)
    first_session_to_thigh_tapping_step_4(bedroom)
    run_quick_routine(kitchen, first_time=False)
    bedroom.spy.fail.add("get")  # its write meets the kitchen's, and the read again fails
    says(bedroom.say("next"), "technique 3 of 6")
    assert bedroom.stored()["technique"] == 0  # nothing of the bedroom's written yet...
    bedroom.spy.fail.clear()
    says(bedroom.say("next"), "the second part")
    record = bedroom.stored()  # ...until its next write, which merges
    assert record["completed"] == 1 and (record["technique"], record["step"]) == (2, 3)
