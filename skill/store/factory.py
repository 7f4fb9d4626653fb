"""Choosing the store: the one place that knows every adapter.

:func:`make_persistence_adapter` reads the settings and builds SQLite, DynamoDB or nothing,
wrapped in :class:`~skill.store.resilient.ResilientAdapter`. It sits above the adapters, so
they and the store's shared rules never import each other in a circle; each adapter's
module is imported only when it is the one configured.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter

from skill.settings import Settings

if TYPE_CHECKING:
    from skill.store.resilient import ResilientAdapter
    from skill.store.userkey import Keygen


def make_persistence_adapter(
    settings: Settings, clock: Callable[[], float] = time.time
) -> ResilientAdapter | None:
    """The adapter ``settings.persistence`` asks for, wrapped in :class:`ResilientAdapter`.

    ``none`` gives None (the skill runs without memory). An unknown backend name, a DynamoDB
    backend without a region or without a user-key secret is a deployment mistake and raises
    ``ValueError`` at start-up. ``clock`` (epoch seconds) dates records and their expiry.
    """
    backend = settings.persistence
    inner: AbstractPersistenceAdapter
    if backend == "none":
        return None
    if backend not in ("sqlite", "dynamodb"):
        raise ValueError(
            f"KNEE_COACH_PERSISTENCE must be sqlite, dynamodb or none, not {backend!r}"
        )
    if backend == "dynamodb" and not settings.aws_region:
        raise ValueError(
            "the dynamodb backend needs a region (AWS_REGION or KNEE_COACH_AWS_REGION)"
        )
    from skill.store.resilient import ResilientAdapter
    from skill.store.userkey import secret_source, user_keygen  # only where a store is configured

    keygen = user_keygen(secret_source(settings))
    if backend == "sqlite":
        from skill.store.sqlite import SqliteAdapter

        inner = SqliteAdapter(
            settings.sqlite_path, timeout_s=settings.store_timeout_s, keygen=keygen, clock=clock
        )
    else:
        inner = _make_dynamodb(settings, keygen, clock)
    return ResilientAdapter(inner, keygen=keygen, timeout_s=settings.store_timeout_s)


def _make_dynamodb(
    settings: Settings, keygen: Keygen, clock: Callable[[], float]
) -> AbstractPersistenceAdapter:
    from skill.store.dynamodb import make_dynamodb_adapter

    assert settings.aws_region is not None  # checked by make_persistence_adapter
    adapter: AbstractPersistenceAdapter = make_dynamodb_adapter(
        table_name=settings.dynamodb_table,
        region=settings.aws_region,
        endpoint_url=settings.dynamodb_endpoint_url,
        timeout_s=settings.store_timeout_s,
        keygen=keygen,
        clock=clock,
    )
    return adapter
