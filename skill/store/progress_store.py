"""The skill's view of the store: load once a request, save once a response, never raise.

A store that cannot be read gives a fresh, *unavailable* result, and nothing is written
back that request, so an outage never overwrites good progress with a blank.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_model.request_envelope import RequestEnvelope

from skill.record import Record
from skill.store.progress import Loaded, Progress

if TYPE_CHECKING:
    from skill.store.resilient import ResilientAdapter


class StoredProgress(Record):
    """What :meth:`ProgressStore.load` found.

    ``available`` False means the store could not be read: do not offer resume, and nothing will
    be written back this request (so an outage can never overwrite good progress with a blank).
    """

    progress: Progress
    available: bool
    status: str
    """:data:`skill.store.progress.LoadStatus`, or ``unavailable``."""
    retry_at: float | None = None
    """When the read failed: when this session should try it again (epoch seconds)."""
    retries: int = 0
    """How many times this session's read has been tried again (for the back-off)."""


class ProgressStore:
    """The dialog layer's view of persistence: load once per request, save once per response."""

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
        attributes, available = self.adapter.try_get(request_envelope)
        if not available:
            return StoredProgress(Progress(), available=False, status="unavailable")
        loaded: Loaded = Progress.load(attributes)
        return StoredProgress(loaded.progress, available=True, status=loaded.status)

    def save(
        self, request_envelope: RequestEnvelope, before: StoredProgress, after: Progress
    ) -> bool:
        """Write ``after`` when it differs from what was loaded (or the record needs upgrading).

        Returns True only when a write happened and succeeded.
        """
        if self.adapter is None or not before.available:
            return False
        needs_rewrite = before.status in {"migrated", "repaired", "reset"}
        if after == before.progress and not needs_rewrite:
            return False
        return self.adapter.try_save(request_envelope, after.to_record())

    def forget(self, request_envelope: RequestEnvelope) -> bool:
        """Delete everything stored for this user; True when the store confirmed it."""
        if self.adapter is None:
            return True
        return self.adapter.try_delete(request_envelope)
