"""Tainted session attributes heal: any unusable coach state becomes a fresh one, once.

Session attributes come back from the device on every turn. The red-team values (an infinite
index, a replay descriptor whose topic id is a list, a wish that is a map) used to escape
``State.from_dict`` as OverflowError/TypeError, so every later turn of that session answered
with the catch-all and echoed the bad values back.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill.coach import state as state_module
from skill.coach import state_checks
from skill.coach.state import STATE_VERSION, State
from skill.coach.state_checks import Unusable, checked
from skill.content.records import Content
from skill.local.simulator import Conversation


def _mid_routine(conversation: Callable[..., Conversation]) -> Conversation:
    chat = conversation()
    for text in ["open knee coach", "start the full routine", *["no"] * 5, "both knees", "next"]:
        chat.say(text)
    assert chat.session.attributes["coach"]["phase"] == "routine"
    return chat


TAINTS: dict[str, Any] = {
    "index": math.inf,
    "step": -math.inf,
    "pace": math.nan,
    "question": 10**400,
    "last": {"r": "topic", "id": []},
    "want": ["full", {}],
    "resume": ["full", 1.5, 0],
    "run": True,
    "week": "3",
    "side": ["left"],
    "paused": "false",
    "rate": 0.5,
    "tz": "Mars/Olympus_Mons",
    "habits": [3, "2024-05-01"],
    "pending": "launch_missiles",
    "reminders": "maybe",
    "offered": math.inf,
    "plan": 7,
}


@pytest.mark.parametrize(("key", "value"), TAINTS.items(), ids=list(TAINTS))
def test_a_tainted_field_gives_a_fresh_state_not_the_catch_all(
    conversation: Callable[..., Conversation], content: Content, key: str, value: Any
) -> None:
    chat = _mid_routine(conversation)
    chat.session.attributes["coach"][key] = value
    for text in ("next", "where am i", "repeat"):
        turn = chat.say(text)
        assert content.prompt("error") not in turn.text, (key, text)
        coach = chat.session.attributes["coach"]
        assert (
            State.from_dict(json.loads(json.dumps(coach, allow_nan=False)), content).to_dict()
            == coach
        )


def test_the_red_team_combination_heals_in_one_turn(
    conversation: Callable[..., Conversation], content: Content
) -> None:
    chat = _mid_routine(conversation)
    coach = chat.session.attributes["coach"]
    coach.update(index=math.inf, last={"r": "topic", "id": []}, want=["full", {}])
    turn = chat.say("help")
    assert content.prompt("error") not in turn.text
    echoed = chat.session.attributes["coach"]
    assert echoed["index"] == 0 and echoed["want"] is None and echoed["last"] != coach["last"]


# --- the validator -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (3, int, 3),
        (2, float, 2.0),
        (1.5, float, 1.5),
        (["full", 1, 2], tuple[str, int, int], ("full", 1, 2)),
        (["full", None], tuple[str, str | None], ("full", None)),
        (None, tuple[str, int] | None, None),
        ({"r": "step"}, dict[str, str], {"r": "step"}),
        ([1, 2, 3], tuple[int, ...], (1, 2, 3)),
        ({"a": [1, "x", None, {"b": 2.5}]}, Any, {"a": [1, "x", None, {"b": 2.5}]}),
    ],
)
def test_checked_accepts_exactly_the_declared_shape(value: Any, kind: Any, expected: Any) -> None:
    assert checked(value, kind) == expected


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (True, int),
        (1.0, int),
        (2**60, int),
        (10**400, float),
        (math.inf, float),
        (math.nan, float),
        ("1", int),
        (1, bool),
        ("yes", bool),
        (5, str),
        ([], str | None),
        (["full", 1], tuple[str, int, int]),
        ("full", tuple[str, int, int]),
        ({"r": []}, dict[str, str]),
        ({1: "x"}, dict[str, str]),
        ({"a": math.nan}, Any),
        ({"a": {1, 2}}, Any),
    ],
)
def test_checked_refuses_anything_else(value: Any, kind: Any) -> None:
    with pytest.raises(Unusable):
        checked(value, kind)


def test_a_field_type_without_a_rule_fails_at_import_not_in_a_session() -> None:
    with pytest.raises(TypeError, match="no validation rule"):
        state_checks.checker(set[str])
    with pytest.raises(TypeError, match="no validation rule"):
        state_checks.checker(tuple[str, list[int]] | None)
    assert set(state_module.field_checks()) == set(State().to_dict()) - {"v"}


JSON_ANYTHING = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities included, as a tampered session may hold them
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_from_dict_never_raises_and_what_it_returns_round_trips(
    content: Content, data: st.DataObject
) -> None:
    raw = State(phase=data.draw(st.sampled_from(["new", "safety", "routine", "idle"]))).to_dict()
    for key in data.draw(st.lists(st.sampled_from(sorted(raw)), min_size=1, max_size=4)):
        raw[key] = data.draw(JSON_ANYTHING)
    raw["v"] = STATE_VERSION
    state = State.from_dict(raw, content)
    again = json.loads(json.dumps(state.to_dict(), allow_nan=False))
    assert State.from_dict(again, content) == state
