"""What every store adapter shares: how long a record is kept, versions, and the errors.

The ASK SDK's persistence interface (``get_attributes``, ``save_attributes``,
``delete_attributes``) is last-writer-wins: nothing says which record a write replaces. Two
sessions of one person (two devices, or a request delivered twice) each read the record at
their first turn and write it back later, so the later write erased what the earlier one
recorded. :class:`VersionedAdapter` adds what a safe write needs: :meth:`~VersionedAdapter.read`
says which version it found, and :meth:`~VersionedAdapter.write` replaces only that version,
raising :class:`WriteConflict` when another write came first (the caller then reads again and
merges, :mod:`skill.store.merge`). The SDK's three methods still work on every adapter.
"""

from __future__ import annotations

import secrets
from abc import abstractmethod

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model.request_envelope import RequestEnvelope

RETENTION_S = 365 * 24 * 3600
"""A record nobody touched for a year is deleted (DynamoDB TTL; SQLite on read and at start)."""

NO_RECORD = 0
"""The version of a record that is not there (or was written before records had versions)."""


class CorruptRecordError(PersistenceException):
    """A stored record could not be decoded; overwriting it (that ``version``) is the repair."""

    def __init__(self, message: str, version: int | None = None) -> None:
        super().__init__(message)
        self.version = version


class WriteConflict(PersistenceException):
    """The record is no longer the version the write was meant to replace."""


def new_version() -> int:
    """A version for a record just written: random, so a record deleted and written again never
    repeats a version an older session holds (a counter would start again at 1). 53 bits, so it
    stays exact wherever session attributes carry it as a JSON number."""
    return secrets.randbelow(2**53 - 1) + 1


class VersionedAdapter(AbstractPersistenceAdapter):
    """An adapter whose writes can be conditional on the version they replace."""

    @abstractmethod
    def read(self, request_envelope: RequestEnvelope) -> tuple[dict[str, object], int]:
        """The record's attributes (``{}`` when there is none) and its version
        (:data:`NO_RECORD` when there is no record)."""

    @abstractmethod
    def write(
        self, request_envelope: RequestEnvelope, attributes: dict[str, object], expected: int
    ) -> int:
        """Replace the record if it is still version ``expected`` (:data:`NO_RECORD`: if there
        is none); return the new version. Raises :class:`WriteConflict` if it is not."""

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, object]:
        return self.read(request_envelope)[0]
