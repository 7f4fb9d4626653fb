"""Two sessions' versions of one person's record, made one without losing either's news.

A write is conditional on the version of the record the session read; when another session
(another device, or the same request delivered twice) wrote first, the store reads the record
again and merges the session's record into it:

* completion times: the union (a completion already there is not counted again, so a request
  played twice counts once), and the count grows by the completions new to the record;
* the position (with its side and the routine last practised) and each preference: the one set
  later (:mod:`skill.store.stamps`); on a tie, what is stored stays;
* techniques learned: the union; the introduction heard: either; the last reminder offer and the
  last activity: the later.

A record that was deleted ("forget me" on another device) is not brought back: when the stored
record is gone, or is a new one (another ``born``), the merge gives None and the session writes
nothing more. Only what the session itself added since it read would be lost, and that is the
person's own wish. A session that read no record (or one from before v3, which has no
``born``) cannot tell, and merges into whatever is stored.

Pure; imported only when a write meets another's (the first turn of a session never needs it).
"""

from __future__ import annotations

from skill.store.progress import MAX_COMPLETED, MAX_COMPLETIONS_KEPT, MAX_LEARNED, Progress
from skill.store.stamps import GROUPS


def merge(mine: Progress, theirs: Progress) -> Progress | None:
    """``mine`` (this session's record) merged into ``theirs`` (what the store holds now).

    None when ``theirs`` is not the record ``mine`` came from: it was deleted since.
    """
    if mine.born and (theirs == _NOTHING or theirs.born not in (0, mine.born)):
        return None  # (a record without a ``born`` was written by a release before v3)
    merged = theirs
    for group, fields in GROUPS.items():
        if getattr(mine.set_at, group) > getattr(theirs.set_at, group):
            values = {name: getattr(mine, name) for name in fields}
            stamps = merged.set_at._replace(**{group: getattr(mine.set_at, group)})
            merged = merged._replace(**values, set_at=stamps)
    new = _new_completions(mine.completions, theirs.completions)
    learned = theirs.learned + tuple(t for t in mine.learned if t not in theirs.learned)
    return merged._replace(
        completions=tuple(sorted((*theirs.completions, *new)))[-MAX_COMPLETIONS_KEPT:],
        completed_routines=min(theirs.completed_routines + len(new), MAX_COMPLETED),
        learned=learned[-MAX_LEARNED:],
        heard_intro=theirs.heard_intro or mine.heard_intro,
        offered_at=max(theirs.offered_at, mine.offered_at),
        last_active=max(theirs.last_active, mine.last_active),
        born=theirs.born or mine.born,
    )


_NOTHING = Progress()
"""What a record that is not there reads as."""


def _new_completions(mine: tuple[int, ...], theirs: tuple[int, ...]) -> list[int]:
    """Completions in ``mine`` the stored record does not have (and did not drop as too old)."""
    stored = set(theirs)
    oldest_kept = theirs[0] if len(theirs) >= MAX_COMPLETIONS_KEPT else -1
    return sorted({t for t in mine if t not in stored and t > oldest_kept})
