"""What every store adapter shares: how long a record is kept, and the error for a record
that cannot be read."""

from __future__ import annotations

from ask_sdk_core.exceptions import PersistenceException

RETENTION_S = 365 * 24 * 3600
"""A record nobody touched for a year is deleted (DynamoDB TTL; SQLite on read and at start)."""


class CorruptRecordError(PersistenceException):
    """A stored record could not be decoded; overwriting it is the repair."""
