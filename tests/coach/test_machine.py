"""The coach's dispatch: every event kind reaches a handler, also those loaded on first use."""

from __future__ import annotations

import pytest

from skill.coach import machine
from skill.coach.events import On

EVERY_KIND = sorted(v for k, v in vars(On).items() if k.isupper() and isinstance(v, str))


@pytest.mark.parametrize("kind", EVERY_KIND)
def test_every_event_kind_has_exactly_one_route(kind: str) -> None:
    """Answered by what a launch loads, or by a phase loaded on its first turn; never both.

    (UNDO, END and HOLD_DONE are routed before the tables; FALLBACK, like any kind without
    a route, goes to talk.)
    """
    routes = (kind in machine._HANDLERS) + (kind in machine._LOADED_LATER)
    assert routes == (0 if kind in (On.UNDO, On.END, On.HOLD_DONE, On.FALLBACK) else 1)


@pytest.mark.parametrize("kind", sorted(machine._LOADED_LATER))
def test_a_phase_loaded_later_answers_each_kind_routed_to_it(kind: str) -> None:
    assert callable(machine._LOADED_LATER[kind](kind))


@pytest.mark.parametrize("descriptor", sorted(machine._REPLAYS_LATER))
def test_a_replay_loaded_later_exists_for_each_descriptor(descriptor: str) -> None:
    assert callable(machine._REPLAYS_LATER[descriptor](descriptor))
    assert descriptor not in machine._REPLAYS
