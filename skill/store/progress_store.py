"""The skill's view of the store: load once a session, save once a response, never raise.

A store that cannot be read gives a fresh, *unavailable* result, and nothing is written
back that request, so an outage never overwrites good progress with a blank.

A save is conditional on the version the session last read or wrote. When another session
(another device, or the same request delivered twice) wrote in between, the record is read
again and the session's record is merged into it (:mod:`skill.store.merge`), so neither
session's news is lost; what the save returns is then the merged record, which the session
caches and adopts as its own from the next turn on.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_model.request_envelope import RequestEnvelope

from skill.record import Record
from skill.store.progress import Loaded, Progress

if TYPE_CHECKING:
    from skill.store.resilient import ResilientAdapter

log = logging.getLogger(__name__)

MAX_WRITE_ATTEMPTS = 3
"""A write that keeps meeting others' writes gives up after this many tries (and says so)."""
REWRITE = frozenset({"migrated", "repaired", "reset", "merged"})
"""How a loaded record may read that makes it worth writing back even if the turn changed
nothing: upgraded, mended, or merged with this session's own news."""


class StoredProgress(Record):
    """What :meth:`ProgressStore.load` found, or what :meth:`ProgressStore.save` left stored.

    ``available`` False means the store could not be read: do not offer resume, and nothing will
    be written back this request (so an outage can never overwrite good progress with a blank).
    """

    progress: Progress
    available: bool
    status: str
    """:data:`skill.store.progress.LoadStatus`, ``unavailable``, ``merged`` (a save met another
    session's write and merged with it) or ``forgotten`` (the record was deleted meanwhile)."""
    retry_at: float | None = None
    """When the read failed: when this session should try it again (epoch seconds)."""
    retries: int = 0
    """How many times this session's read has been tried again (for the back-off)."""
    version: int | None = None
    """The version of the stored record this is (None: not known; the next write reads first)."""
    written: bool = False
    """The save that returned this wrote it (False: nothing changed, or the write failed)."""


class ProgressStore:
    """The dialog layer's view of persistence: load once per session, save once per response."""

    def __init__(self, adapter: AbstractPersistenceAdapter | None) -> None:
        self.adapter: ResilientAdapter | None = None
        if adapter is not None:  # with no store, the fault boundary is not even loaded
            from skill.store.resilient import ResilientAdapter

            if isinstance(adapter, ResilientAdapter):
                self.adapter = adapter
            else:
                self.adapter = ResilientAdapter(adapter)

    def load(self, request_envelope: RequestEnvelope) -> StoredProgress:
        """Never raises; a missing, broken or disabled store gives a fresh, unavailable result."""
        if self.adapter is None:
            return StoredProgress(Progress(), available=False, status="unavailable")
        attributes, version, available = self.adapter.try_read(request_envelope)
        if not available:
            return StoredProgress(Progress(), available=False, status="unavailable")
        loaded: Loaded = Progress.load(attributes)
        return StoredProgress(loaded.progress, True, loaded.status, version=version)

    def save(
        self, request_envelope: RequestEnvelope, known: StoredProgress, after: Progress, now: float
    ) -> StoredProgress:
        """Store ``after``: ``known`` (what this session last read or wrote) changed by a turn.

        Each part the turn changed is dated ``now``. Written only when something changed (or
        the record needs upgrading), and only over the version ``known`` is; when another write
        came first, the record is read again and merged. Returns what the session should cache:
        what is stored now (``merged`` when that took in another session's news), or, when
        nothing could be written, ``after`` over the version it still knows of. Never raises.
        """
        if self.adapter is None:
            return known._replace(progress=after)
        mine = after.stamped(known.progress, now)
        if not known.available or (mine == known.progress and known.status not in REWRITE):
            return known._replace(progress=mine)
        expected, merged = known.version, False
        for _ in range(MAX_WRITE_ATTEMPTS):
            # A record is born when first written; until then ``born`` stays 0 in the session's
            # own copy, so a merge with a record another session created meanwhile is a merge.
            record = mine if mine.born else mine._replace(born=int(now))
            written = self.adapter.try_write(request_envelope, record.to_record(), expected)
            if written.saved:
                status = "merged" if merged else "ok"
                return StoredProgress(record, True, status, version=written.version, written=True)
            if not written.conflict:
                return known._replace(progress=mine)
            theirs = self.load(request_envelope)
            if not theirs.available:
                return known._replace(progress=mine)
            from skill.store.merge import merge

            combined = merge(mine, theirs.progress)
            if combined is None:  # deleted meanwhile ("forget me" elsewhere): not brought back
                return StoredProgress(Progress(), available=False, status="forgotten")
            if combined == theirs.progress and theirs.status not in REWRITE:
                return theirs._replace(status="merged")  # all of it is stored already
            mine, expected, merged = combined, theirs.version, True
        log.warning("progress not saved: %d writes in a row met another's", MAX_WRITE_ATTEMPTS)
        return known._replace(progress=mine)

    def forget(self, request_envelope: RequestEnvelope) -> bool:
        """Delete everything stored for this user; True when the store confirmed it."""
        if self.adapter is None:
            return True
        return self.adapter.try_delete(request_envelope)
