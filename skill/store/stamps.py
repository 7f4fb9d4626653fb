"""When each part of the stored record was last set: what lets two sessions' writes be merged.

One person may have sessions open on two devices (kitchen and bedroom), and a request may be
delivered twice. Each writes the record; when a write finds that another wrote first, the two
records are merged (:mod:`skill.store.merge`), and a part that both set goes by the time it was
set. The parts (:data:`GROUPS`) are what changes together: the position with its side (a
both-knees position counts two sets per technique) and the routine last practised, and each
preference on its own. Times are Alexa's request timestamps, in whole seconds; 0 is "never set
here", older than any real time.

Pure: no I/O. The stored form is the record's ``at`` map, keyed by group name only; the
record dates its changes itself (``Progress.stamped``).
"""

from __future__ import annotations

from collections.abc import Mapping

from skill.record import Record
from skill.store.values import MAX_EPOCH, int_in

GROUPS: dict[str, tuple[str, ...]] = {
    "position": ("routine", "technique", "step", "side", "last_routine"),
    "keep_going": ("keep_going",),
    "pace": ("pace",),
    "rate": ("rate",),
    "time_zone": ("time_zone",),
    "reminders": ("reminders",),
}
"""Each part of the record set as a whole, by the ``Progress`` fields it holds."""


class Stamps(Record):
    """When each of :data:`GROUPS` was last set (epoch seconds; 0: never, or not known)."""

    position: int = 0
    keep_going: int = 0
    pace: int = 0
    rate: int = 0
    time_zone: int = 0
    reminders: int = 0

    def _check(self) -> None:
        bad = [
            name for name, value in self._asdict().items() if int_in(value, 0, MAX_EPOCH) is None
        ]
        if bad:
            raise ValueError(f"invalid Stamps: {', '.join(bad)}")

    def to_record(self) -> dict[str, int]:
        return self._asdict()

    @classmethod
    def parse(cls, value: object) -> tuple[Stamps, bool]:
        """The stamps in a stored ``at`` map, and whether any had to be repaired (dropped)."""
        if not isinstance(value, Mapping):
            return cls(), True
        good: dict[str, int] = {}
        for name in GROUPS:
            stamp = int_in(value.get(name, 0), 0, MAX_EPOCH)
            if stamp is not None:
                good[name] = stamp
        return cls(**good), len(good) != len(GROUPS) or not value.keys() <= GROUPS.keys()
