"""Where progress is kept, and what happens when that place misbehaves.

Three layers, each with one job:

* backends (:mod:`skill.store.sqlite`, :mod:`skill.store.dynamodb`): the ASK SDK's three-method
  ``AbstractPersistenceAdapter`` plus a versioned read and a conditional write
  (:class:`~skill.store.base.VersionedAdapter`), keyed by
  :func:`skill.store.userkey.user_keygen` (an HMAC of the user ID with the deployment's
  secret); they raise on failure. A plain SDK adapter still works, last writer wins;
* :class:`ResilientAdapter`: the fault boundary and the privacy gate. It never raises, turns
  failures into "no saved progress", logs one warning per kind of failure without the user ID,
  and drops any key outside :data:`skill.store.progress.ALLOWED_KEYS` before it reaches a backend;
* :class:`~skill.store.progress_store.ProgressStore`: what the dialog layer calls. Typed
  :class:`~skill.store.progress.Progress` in and out, tells whether the store answered, writes
  only when something changed.

:func:`skill.store.factory.make_persistence_adapter` picks the backend from the settings.
botocore is imported only when the DynamoDB backend is chosen, so the local path never loads it.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_model.request_envelope import RequestEnvelope

from skill.record import Record
from skill.store.base import CorruptRecordError, VersionedAdapter, WriteConflict
from skill.store.progress import ALLOWED_KEYS
from skill.store.stamps import GROUPS

if TYPE_CHECKING:
    from skill.store.userkey import Keygen

log = logging.getLogger(__name__)

WARN_EVERY_S = 300.0
"""The same kind of failure is logged as a warning at most this often (then at debug)."""


def classify(error: BaseException) -> str:
    """A short name for what went wrong, read from the whole exception chain.

    Works by class names and error codes so that the SQLite path need not import botocore.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = _classify_one(current)
        if kind != "error":
            return kind
        current = current.__cause__ or current.__context__
    return "error"


_CODES = {
    "ResourceNotFoundException": "table_missing",
    "ProvisionedThroughputExceededException": "throttled",
    "ThrottlingException": "throttled",
    "RequestLimitExceeded": "throttled",
    "LimitExceededException": "throttled",
    "AccessDeniedException": "denied",
    "UnrecognizedClientException": "denied",
}
_NAMES = {
    "CorruptRecordError": "corrupt",
    "ConnectTimeoutError": "timeout",
    "ReadTimeoutError": "timeout",
    "TimeoutError": "timeout",
    "EndpointConnectionError": "unreachable",
    "ConnectionClosedError": "unreachable",
    "ConnectionError": "unreachable",
    "NoCredentialsError": "denied",
    "OSError": "unreachable",
}


_SQLITE_TEXTS = (
    (("locked", "busy"), "busy"),
    (("no such table",), "table_missing"),
    (("disk is full",), "disk_full"),
    (("readonly", "read-only"), "read_only"),
    (("not a database", "malformed"), "damaged"),
)
"""SQLite reports its failures by message; each names what the operator has to look at."""


def _classify_one(error: BaseException) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        code = response.get("Error", {}).get("Code")
        if isinstance(code, str):
            return _CODES.get(code, "error")
    import sqlite3  # here, not at the top: the DynamoDB and no-store paths never load it

    if isinstance(error, sqlite3.DatabaseError):
        text = str(error)
        for words, kind in _SQLITE_TEXTS:
            if any(word in text for word in words):
                return kind
        return "unreachable"
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return "disk_full"
    for cls in type(error).__mro__:
        if cls.__name__ in _NAMES:
            return _NAMES[cls.__name__]
    return "error"


class Written(Record):
    """How a write went: ``saved`` (with the new ``version``), or refused because another write
    came first (``conflict``), or failed (neither)."""

    saved: bool
    conflict: bool = False
    version: int | None = None
    """The version now stored (None: the backend keeps no versions)."""


class ResilientAdapter(AbstractPersistenceAdapter):
    """Any adapter, made safe: failures become "nothing saved" and one warning, never a crash.

    The SDK methods keep the SDK's contract (a dict, None, None); the ``try_*`` methods say
    whether the store answered, for :class:`ProgressStore`. The instance is shared by all
    requests and threads; it keeps no per-request state, only the log rate limit.
    """

    def __init__(
        self,
        inner: AbstractPersistenceAdapter,
        keygen: Keygen | None = None,
        timeout_s: float = 1.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = inner
        self._keygen = keygen
        self._timeout_s = timeout_s
        self._clock = clock
        self._last_warned: dict[tuple[str, str], float] = {}
        self._suppressed: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    # ---- SDK interface ---------------------------------------------------------------

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, object]:
        return self.try_get(request_envelope)[0]

    def save_attributes(
        self, request_envelope: RequestEnvelope, attributes: dict[str, object]
    ) -> None:
        self.try_save(request_envelope, attributes)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self.try_delete(request_envelope)

    # ---- outcome-reporting interface -------------------------------------------------

    def try_get(self, request_envelope: RequestEnvelope) -> tuple[dict[str, object], bool]:
        """The stored attributes and whether the store answered (False: treat as unknown)."""
        attributes, _, available = self.try_read(request_envelope)
        return attributes, available

    def try_read(
        self, request_envelope: RequestEnvelope
    ) -> tuple[dict[str, object], int | None, bool]:
        """The stored attributes, their version (None: the backend keeps none) and whether the
        store answered (False: treat as unknown)."""
        started = self._clock()
        version: int | None = None
        try:
            if isinstance(self.inner, VersionedAdapter):
                attributes, version = self.inner.read(request_envelope)
            else:
                attributes = self.inner.get_attributes(request_envelope)
            if not isinstance(attributes, dict):
                raise CorruptRecordError(f"stored attributes are a {type(attributes).__name__}")
        except Exception as error:
            kind = classify(error)
            self._warn("get", kind, request_envelope, error)
            # A corrupt record means the store works: answer "nothing saved" so it gets rewritten
            # (over the version that is there, when the backend could say which).
            version = error.version if isinstance(error, CorruptRecordError) else None
            return {}, version, kind == "corrupt"
        self._check_slow("get", started, request_envelope)
        return attributes, version, True

    def try_save(self, request_envelope: RequestEnvelope, attributes: Mapping[str, object]) -> bool:
        """Write only allowed keys, whatever is stored; True when the store accepted the write."""
        allowed = _allowed(attributes)
        return self._attempt("save", request_envelope, self.inner.save_attributes, allowed)

    def try_write(
        self,
        request_envelope: RequestEnvelope,
        attributes: Mapping[str, object],
        expected: int | None,
    ) -> Written:
        """Write only allowed keys, over version ``expected`` only (see
        :meth:`~skill.store.base.VersionedAdapter.write`); ``expected`` None means the version
        is not known, which is a conflict (read first). A backend without versions just writes.
        """
        if not isinstance(self.inner, VersionedAdapter):
            return Written(saved=self.try_save(request_envelope, attributes))
        if expected is None:
            return Written(saved=False, conflict=True)
        inner, allowed = self.inner, _allowed(attributes)
        started = self._clock()
        try:
            version = inner.write(request_envelope, allowed, expected)
        except WriteConflict:
            self._check_slow("save", started, request_envelope)
            return Written(saved=False, conflict=True)
        except Exception as error:
            self._warn("save", classify(error), request_envelope, error)
            return Written(saved=False)
        self._check_slow("save", started, request_envelope)
        return Written(saved=True, version=version)

    def try_delete(self, request_envelope: RequestEnvelope) -> bool:
        """True when the record is gone (or never existed)."""
        return self._attempt("delete", request_envelope, self.inner.delete_attributes)

    # ---- internals -------------------------------------------------------------------

    def _attempt(
        self, operation: str, envelope: RequestEnvelope, call: Callable[..., None], *args: Any
    ) -> bool:
        started = self._clock()
        try:
            call(envelope, *args)
        except Exception as error:
            self._warn(operation, classify(error), envelope, error)
            return False
        self._check_slow(operation, started, envelope)
        return True

    def _check_slow(self, operation: str, started: float, envelope: RequestEnvelope) -> None:
        elapsed = self._clock() - started
        if elapsed > self._timeout_s:
            self._warn(operation, "slow", envelope, None, f"took {elapsed:.2f}s")

    def _warn(
        self,
        operation: str,
        kind: str,
        envelope: RequestEnvelope,
        error: BaseException | None,
        detail: str = "",
    ) -> None:
        """One warning per (operation, kind) per WARN_EVERY_S; the rest go to debug."""
        now = self._clock()
        key = (operation, kind)
        with self._lock:
            last = self._last_warned.get(key)
            loud = last is None or now - last >= WARN_EVERY_S
            if loud:
                self._last_warned[key] = now
                suppressed = self._suppressed.pop(key, 0)
            else:
                self._suppressed[key] = self._suppressed.get(key, 0) + 1
        if error is not None:
            detail = f"{type(error).__name__}: {str(error)[:200]}"
        message = "progress store %s failed (%s) for user %s; continuing without it: %s"
        args: tuple[object, ...] = (operation, kind, self._user_tag(envelope), detail)
        if loud:
            if suppressed:
                message += " (%d similar failures since the last warning)"
                args = (*args, suppressed)
            log.warning(message, *args)
        else:
            log.debug(message, *args)

    def _user_tag(self, envelope: RequestEnvelope) -> str:
        """At most an 8-character prefix of the keyed hash: enough to correlate, not to identify."""
        if self._keygen is None:
            return "unknown"
        try:
            return self._keygen(envelope)[:8]
        except Exception:
            return "unknown"


def _allowed(attributes: Mapping[str, object]) -> dict[str, object]:
    """Only the allow-listed keys (and in ``at``, only the parts' names): the privacy gate."""
    allowed = {k: v for k, v in attributes.items() if k in ALLOWED_KEYS}
    stamps = allowed.get("at")
    if isinstance(stamps, Mapping):
        allowed["at"] = {k: v for k, v in stamps.items() if k in GROUPS}
    dropped = sorted(str(k) for k in attributes if k not in ALLOWED_KEYS)
    if isinstance(stamps, Mapping):
        dropped += sorted(f"at.{k}" for k in stamps if k not in GROUPS)
    if dropped:
        log.error("refused to store keys outside the allow-list: %s", ", ".join(dropped))
    return allowed
