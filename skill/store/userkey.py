"""The key progress is stored under: an HMAC of the Alexa user ID with a per-deployment secret.

A bare hash of the user ID would be the same in every deployment and in anyone else's data
set, so a leaked table could be joined with other data keyed the same way. With a secret only
this deployment knows, the key means nothing elsewhere. Changing the secret only forgets
progress: records under the old keys are never found again and expire on their own (TTL in
DynamoDB, the purge in SQLite).

Where the secret comes from (:func:`secret_source`):

* ``KNEE_COACH_USER_KEY_SECRET`` (Lambda: ``template.yaml`` generates one in Secrets Manager);
* otherwise, for the local SQLite store only, a per-installation secret in a file beside the
  database (``user-key.secret``, mode 0600), created on first use, so ``chat`` and ``serve``
  work with no setup and no network. DynamoDB without a configured secret is refused at start.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model.request_envelope import RequestEnvelope

from skill.settings import Settings

Keygen = Callable[[RequestEnvelope], str]
SecretSource = Callable[[], bytes]
MIN_SECRET_CHARS = 32
SECRET_FILE_WAIT_S = 1.0
"""How long to wait for another process that is writing the new secret file right now."""


def user_keygen(secret: SecretSource) -> Keygen:
    """HMAC-SHA256 (hex) of the request's Alexa user ID under ``secret()``."""
    import hashlib  # here, not at the top: only a skill with a store pays for them
    import hmac

    def keygen(request_envelope: RequestEnvelope) -> str:
        try:
            user_id = request_envelope.context.system.user.user_id  # type: ignore[union-attr]
        except AttributeError:
            user_id = None
        if not isinstance(user_id, str) or not user_id:
            raise PersistenceException("request has no user id to key progress by")
        return hmac.new(secret(), user_id.encode("utf-8"), hashlib.sha256).hexdigest()

    return keygen


def secret_source(settings: Settings) -> SecretSource:
    """The configured secret, or the local file's for SQLite; ``ValueError`` if neither fits."""
    if settings.user_key_secret is not None:
        value = settings.user_key_secret.encode("utf-8")
        if len(settings.user_key_secret) < MIN_SECRET_CHARS:
            raise ValueError(
                f"KNEE_COACH_USER_KEY_SECRET must be at least {MIN_SECRET_CHARS} characters"
            )
        return lambda: value
    if settings.persistence == "sqlite":
        return LocalSecret(settings.secret_file)
    raise ValueError(
        f"the {settings.persistence} backend needs KNEE_COACH_USER_KEY_SECRET, a per-deployment "
        "secret (template.yaml generates one); changing it later only forgets progress"
    )


class LocalSecret:
    """This installation's secret, kept in ``path`` and created there on first use.

    Read lazily and once: a missing directory or an unreadable file is a store failure
    (``PersistenceException``, which the store's fault boundary turns into "no progress"),
    not a crash at start-up.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._value: bytes | None = None
        self._lock = threading.Lock()

    def __call__(self) -> bytes:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._load()
        return self._value

    def _load(self) -> bytes:
        try:
            return self._read() or self._create()
        except OSError as error:
            raise PersistenceException(f"user key secret unavailable: {error}") from error

    def _read(self) -> bytes | None:
        """The secret, waiting briefly if another process has created the file but not yet
        written it; None when there is no file."""
        deadline = time.monotonic() + SECRET_FILE_WAIT_S
        while True:
            try:
                value = self.path.read_bytes().strip()
            except FileNotFoundError:
                return None
            if len(value) >= MIN_SECRET_CHARS or time.monotonic() > deadline:
                if len(value) < MIN_SECRET_CHARS:
                    raise OSError(f"{self.path} holds no usable secret")
                return value
            time.sleep(0.01)

    def _create(self) -> bytes:
        import secrets  # only an installation's first start needs it

        self.path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_hex(32).encode("ascii")
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process won the race: use its secret
            theirs = self._read()
            if theirs is None:
                raise OSError(f"{self.path} vanished while being created") from None
            return theirs
        with os.fdopen(fd, "wb") as file:
            file.write(value + b"\n")
            file.flush()
            os.fsync(file.fileno())
        return value
