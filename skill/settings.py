"""Every setting Knee Coach reads, in one place.

Settings come from environment variables (the way Lambda and containers configure a
process) and may be overridden by command-line flags; nothing else in the package reads
``os.environ``. Defaults are the embedded, offline ones: local SQLite progress, no AWS.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
"""Where ``content/`` and ``interaction_models/`` sit, both in a checkout and in the Lambda zip."""

ENV_PREFIX = "KNEE_COACH_"


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _path(value: str | None) -> Path | None:
    return None if value is None else Path(value)


@dataclass(frozen=True)
class Settings:
    """Process-wide configuration; build one with :meth:`from_env`, adjust with :meth:`with_`."""

    content_dir: Path = REPO_ROOT / "content"
    models_dir: Path = REPO_ROOT / "interaction_models"
    skill_id: str | None = None
    """When set, requests for any other skill are refused (the SDK's skill ID check)."""
    log_level: str = "INFO"

    persistence: str = "sqlite"
    """Where progress is kept: ``sqlite`` (default, local file), ``dynamodb`` or ``none``."""
    sqlite_path: Path = field(default_factory=lambda: Path.home() / ".knee-coach" / "progress.db")
    dynamodb_table: str = "KneeCoachProgress"
    aws_region: str | None = None
    dynamodb_endpoint_url: str | None = None
    """Talk to a local DynamoDB (moto, DynamoDB Local) instead of AWS; unset on Lambda."""
    store_timeout_s: float = 1.5
    alexa_api_timeout_s: float = 2.0
    """Longest wait for one call to Alexa's own APIs (reminders, the device's time zone)."""

    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 4
    route: str = "/"
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
            "log_level": (get("LOG_LEVEL") or base.log_level).upper(),
            "persistence": (get("PERSISTENCE") or ("dynamodb" if in_lambda else "sqlite")).lower(),
            "sqlite_path": Path(get("SQLITE_PATH") or base.sqlite_path),
            "dynamodb_table": get("DYNAMODB_TABLE") or base.dynamodb_table,
            "aws_region": get("AWS_REGION") or env.get("AWS_REGION") or None,
            "dynamodb_endpoint_url": get("DYNAMODB_ENDPOINT"),
            "store_timeout_s": float(get("STORE_TIMEOUT_S") or base.store_timeout_s),
            "alexa_api_timeout_s": float(get("ALEXA_API_TIMEOUT_S") or base.alexa_api_timeout_s),
            "host": get("HOST") or base.host,
            "port": int(get("PORT") or base.port),
            "workers": int(get("WORKERS") or base.workers),
            "route": get("ROUTE") or base.route,
            "verify_requests": not _flag(get("DEV_MODE"), False),
            "extra_trust_roots": _path(get("EXTRA_TRUST_ROOTS")),
            "cert_cache_dir": _path(get("CERT_CACHE_DIR")),
        }
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        """A copy with some settings changed (command-line flags win over the environment)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
