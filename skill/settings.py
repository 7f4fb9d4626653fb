"""Every setting Knee Coach reads, in one place.

Settings come from environment variables (the way Lambda and containers configure a
process) and may be overridden by command-line flags; nothing else in the package reads
``os.environ``. Defaults are the embedded, offline ones: local SQLite progress, no AWS.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from skill.record import Record

REPO_ROOT = Path(__file__).resolve().parent.parent
"""Where ``content/`` and ``interaction_models/`` sit, both in a checkout and in the Lambda zip."""

ENV_PREFIX = "KNEE_COACH_"
DEFAULT_SQLITE_PATH = Path.home() / ".knee-coach" / "progress.db"


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _path(value: str | None) -> Path | None:
    return None if value is None else Path(value)


def _names(value: str | None) -> tuple[str, ...]:
    return tuple(name.strip() for name in (value or "").split(",") if name.strip())


class Settings(Record):
    """Process-wide configuration; build one with :meth:`from_env`, adjust with :meth:`with_`.

    A record (:mod:`skill.record`): immutable and typed.
    """

    content_dir: Path = REPO_ROOT / "content"
    models_dir: Path = REPO_ROOT / "interaction_models"
    skill_id: str | None = None
    """Requests for any other skill are refused. ``serve`` with verification on needs it."""
    any_skill: bool = False
    """``serve`` without a skill ID: accept any skill's signed requests (explicit opt-out)."""
    log_level: str = "INFO"
    """Level of Knee Coach's own loggers (``skill.*``); third-party loggers stay at WARNING."""
    log_loggers: tuple[str, ...] = ()
    """Third-party loggers (by name, e.g. ``botocore``) that get ``log_level`` too."""

    persistence: str = "sqlite"
    """Where progress is kept: ``sqlite`` (default, local file), ``dynamodb`` or ``none``."""
    sqlite_path: Path = DEFAULT_SQLITE_PATH
    dynamodb_table: str = "KneeCoachProgress"
    aws_region: str | None = None
    dynamodb_endpoint_url: str | None = None
    """Talk to a local DynamoDB (moto, DynamoDB Local) instead of AWS; unset on Lambda."""
    store_timeout_s: float = 1.5
    alexa_api_timeout_s: float = 2.0
    """Longest wait for one call to Alexa's own APIs (reminders, the device's time zone)."""
    user_key_secret: str | None = None
    """Per-deployment secret for the HMAC that keys progress by user (Lambda: from the template).

    Unset with SQLite: a per-installation secret in ``user_key_secret_file`` is created and used.
    """
    user_key_secret_file: Path | None = None
    """Where the local secret lives; default ``user-key.secret`` beside the SQLite file."""

    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 4
    route: str = "/"
    header_timeout_s: float = 10.0
    """A request's headers must arrive within this (also the keep-alive idle limit)."""
    body_timeout_s: float = 10.0
    """A request's body must arrive within this once its headers are in."""
    max_connections: int = 1000
    """Open connections ``serve`` keeps at once; at the cap, an idle one makes room."""
    verify_requests: bool = True
    """Signature, certificate and timestamp checks on the web endpoint; off only in dev mode."""
    extra_trust_roots: Path | None = None
    """PEM file of extra roots trusted for request signing; for tests and load runs only."""
    cert_cache_dir: Path | None = None
    """Where downloaded signing-certificate chains are kept across restarts (optional)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``KNEE_COACH_*`` variables (plus Lambda's own ``AWS_REGION``)."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(ENV_PREFIX + name)
            return value if value not in (None, "") else None

        base = cls()
        in_lambda = "AWS_LAMBDA_FUNCTION_NAME" in env
        values: dict[str, Any] = {
            "content_dir": Path(get("CONTENT_DIR") or base.content_dir),
            "models_dir": Path(get("MODELS_DIR") or base.models_dir),
            "skill_id": get("SKILL_ID"),
            "any_skill": _flag(get("ANY_SKILL"), False),
            "log_level": (get("LOG_LEVEL") or base.log_level).upper(),
            "log_loggers": _names(get("LOG_LOGGERS")),
            "persistence": (get("PERSISTENCE") or ("dynamodb" if in_lambda else "sqlite")).lower(),
            "sqlite_path": Path(get("SQLITE_PATH") or base.sqlite_path),
            "dynamodb_table": get("DYNAMODB_TABLE") or base.dynamodb_table,
            "aws_region": get("AWS_REGION") or env.get("AWS_REGION") or None,
            "dynamodb_endpoint_url": get("DYNAMODB_ENDPOINT"),
            "store_timeout_s": float(get("STORE_TIMEOUT_S") or base.store_timeout_s),
            "alexa_api_timeout_s": float(get("ALEXA_API_TIMEOUT_S") or base.alexa_api_timeout_s),
            "user_key_secret": get("USER_KEY_SECRET"),
            "user_key_secret_file": _path(get("USER_KEY_SECRET_FILE")),
            "host": get("HOST") or base.host,
            "port": int(get("PORT") or base.port),
            "workers": int(get("WORKERS") or base.workers),
            "route": get("ROUTE") or base.route,
            "header_timeout_s": float(get("HEADER_TIMEOUT_S") or base.header_timeout_s),
            "body_timeout_s": float(get("BODY_TIMEOUT_S") or base.body_timeout_s),
            "max_connections": int(get("MAX_CONNECTIONS") or base.max_connections),
            "verify_requests": not _flag(get("DEV_MODE"), False),
            "extra_trust_roots": _path(get("EXTRA_TRUST_ROOTS")),
            "cert_cache_dir": _path(get("CERT_CACHE_DIR")),
        }
        return cls(**values)

    @property
    def secret_file(self) -> Path:
        """The local user-key secret file (see :attr:`user_key_secret_file`)."""
        return Path(self.user_key_secret_file or Path(self.sqlite_path).parent / "user-key.secret")

    def with_(self, **changes: Any) -> Settings:
        """A copy with some settings changed (command-line flags win over the environment)."""
        return self._replace(**{k: v for k, v in changes.items() if v is not None})
