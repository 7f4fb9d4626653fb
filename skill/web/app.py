"""Knee Coach as a web service: flask-ask-sdk's ``SkillAdapter`` behind a strict front door.

``POST <settings.route>`` takes Alexa requests; ``GET /healthz`` says the process is alive.
Before the adapter sees a request, :func:`envelope_problem` turns away anything that is not a
small JSON Alexa envelope of a known request type, and the adapter then runs our verifiers
(:mod:`skill.web.verification`). Every refusal is a 4xx with a short JSON ``{"error": ...}``; no
response ever carries a stack trace, and bodies and user IDs are never logged.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from typing import Any

from ask_sdk_core.skill import CustomSkill
from ask_sdk_model.request import Request
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_runtime.exceptions import DispatchException
from cryptography import x509
from flask import Flask, Response, jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, HTTPException

from skill.alexa.builder import build_skill
from skill.alexa.handlers import failure_trace
from skill.settings import Settings
from skill.store.factory import make_persistence_adapter
from skill.web import oscrypto_compat
from skill.web.certcache import CertCache, utc_now
from skill.web.verification import (
    AbstractVerifier,
    Clock,
    SignatureVerifier,
    SkillIdVerifier,
    TimestampVerifier,
    load_pem_roots,
    system_trust_roots,
)

oscrypto_compat.install()  # flask_ask_sdk imports oscrypto (via certvalidator)

from flask_ask_sdk.skill_adapter import (  # noqa: E402  (must follow install())
    VERIFY_SIGNATURE_APP_CONFIG,
    VERIFY_TIMESTAMP_APP_CONFIG,
    SkillAdapter,
)

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 128 * 1024
"""Alexa requests are a few KB; the documented ceiling for a skill request is far below this."""
MAX_JSON_DEPTH = 32
"""Real envelopes nest about 8 deep; the SDK copies them recursively, so bound it well below
where Python's recursion limit would turn a crafted body into a 500."""
KNOWN_REQUEST_TYPES = frozenset(Request.discriminator_value_class_map)
"""Every request type the ASK SDK model can parse; anything else is refused before dispatch."""

NO_SKILL_ID = (
    "KNEE_COACH_SKILL_ID is not set. With request verification on, only your own skill's "
    "requests may be served: set KNEE_COACH_SKILL_ID to its ID (amzn1.ask.skill.…), or set "
    "KNEE_COACH_ANY_SKILL=1 (serve --any-skill) to accept requests signed for any skill."
)

DEV_MODE_WARNING = "\n".join(
    [
        "",
        "#" * 78,
        "#  KNEE COACH DEV MODE: request signatures and certificates are NOT checked.",
        "#  Anyone who can reach this port can drive the skill. Local testing only.",
        "#" * 78,
    ]
)


def envelope_problem(mimetype: str, body: bytes) -> tuple[int, str] | None:
    """Why ``body`` is not an Alexa request envelope we will pass on, or ``None`` if it is.

    Pure (no Flask, no SDK), so the rules are easy to test and to fuzz.
    """
    if mimetype != "application/json":
        return 415, "content type must be application/json"
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_not_json, parse_float=_finite_float)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return 400, "body is not UTF-8 JSON"
    if _deeper_than(data, MAX_JSON_DEPTH):
        return 400, "request nests too deeply"
    req = data.get("request") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("version"), str):
        return 400, "not an Alexa request envelope"
    if not isinstance(req, dict) or not all(
        isinstance(req.get(key), str) for key in ("type", "requestId", "timestamp")
    ):
        return 400, "not an Alexa request envelope"
    if any(key in data and not isinstance(data[key], dict) for key in ("session", "context")):
        return 400, "not an Alexa request envelope"
    if req["type"] not in KNOWN_REQUEST_TYPES:
        return 400, "unsupported request type"
    return None


def _not_json(name: str) -> Any:
    """``NaN``/``Infinity`` are Python's JSON extensions, not JSON: refuse them."""
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as infinity
        raise ValueError("number out of range")
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether JSON ``value`` nests more than ``limit`` levels (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        if children and depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def check_settings(settings: Settings) -> None:
    """Refuse a configuration that would serve other skills' requests without being asked to."""
    if settings.verify_requests and not settings.skill_id and not settings.any_skill:
        raise ValueError(NO_SKILL_ID)


def build_verifiers(
    settings: Settings,
    *,
    cert_cache: CertCache | None = None,
    trust_roots: Sequence[x509.Certificate] | None = None,
    clock: Clock = utc_now,
) -> list[AbstractVerifier]:
    """Cheap checks first (skill ID, timestamp), then signature and chain unless in dev mode.

    The timestamp check stays on in dev mode: simulators send fresh timestamps, and it keeps
    dev behaviour close to production.
    """
    verifiers: list[AbstractVerifier] = []
    if settings.skill_id:
        verifiers.append(SkillIdVerifier(settings.skill_id))
    verifiers.append(TimestampVerifier(clock))
    if settings.verify_requests:
        roots = list(trust_roots) if trust_roots is not None else _trust_roots(settings)
        cache = cert_cache or CertCache(cache_dir=settings.cert_cache_dir, clock=clock)
        verifiers.append(SignatureVerifier(cache, roots, clock))
    return verifiers


def _trust_roots(settings: Settings) -> list[x509.Certificate]:
    roots = system_trust_roots()
    if settings.extra_trust_roots is not None:
        log.warning("Also trusting signing roots from %s (tests only)", settings.extra_trust_roots)
        roots += load_pem_roots([settings.extra_trust_roots])
    return roots


def create_app(
    settings: Settings,
    skill: CustomSkill | None = None,
    *,
    cert_cache: CertCache | None = None,
    trust_roots: Sequence[x509.Certificate] | None = None,
    clock: Clock = utc_now,
) -> Flask:
    """The WSGI app. Keyword arguments exist for tests; production passes only ``settings``.

    Raises ``ValueError`` for a configuration that must not serve (see :func:`check_settings`).
    """
    check_settings(settings)
    skill = skill or build_skill(settings, make_persistence_adapter(settings))
    app = Flask("knee_coach")
    app.json = StrictJSONProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    # Our verifiers replace the SDK's own (whose chain check needs certvalidator/oscrypto).
    app.config[VERIFY_SIGNATURE_APP_CONFIG] = False
    app.config[VERIFY_TIMESTAMP_APP_CONFIG] = False
    verifiers = build_verifiers(
        settings, cert_cache=cert_cache, trust_roots=trust_roots, clock=clock
    )
    adapter = SkillAdapter(
        skill=skill, skill_id=settings.skill_id or "knee-coach", verifiers=verifiers, app=app
    )
    if not settings.verify_requests:
        log.warning(DEV_MODE_WARNING)
    elif not settings.skill_id:
        log.warning("KNEE_COACH_ANY_SKILL: accepting signed requests for any skill")

    def invoke_skill() -> Any:
        problem = envelope_problem(request.mimetype, request.get_data(cache=True))
        if problem is None:
            problem = _sdk_parse_problem(skill, request.get_data(cache=True))
        if problem is not None:
            return _error(*problem)
        try:
            return adapter.dispatch_request()
        except HTTPException as exc:
            return _adapter_error(exc)

    # No automatic OPTIONS: anything but POST (and GET on /healthz) is a 405.
    app.add_url_rule(
        settings.route, "skill", invoke_skill, methods=["POST"], provide_automatic_options=False
    )
    app.add_url_rule(
        "/healthz",
        "healthz",
        lambda: jsonify(status="ok"),
        methods=["GET"],
        provide_automatic_options=False,
    )
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    return app


class StrictJSONProvider(DefaultJSONProvider):
    """Responses are strict JSON: a NaN or infinity is a bug to surface, never ``NaN`` text."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)


def _sdk_parse_problem(skill: CustomSkill, body: bytes) -> tuple[int, str] | None:
    """The adapter answers a body the SDK cannot deserialize with 500; we answer 400 first."""
    try:
        skill.serializer.deserialize(payload=body.decode("utf-8"), obj_type=RequestEnvelope)
    except Exception:  # the SDK raises SerializationException, but also bare errors on odd input
        return 400, "malformed Alexa request"
    return None


def _adapter_error(exc: HTTPException) -> Response:
    """Map the adapter's werkzeug errors (whose cause is in ``__context__``) to short answers."""
    if isinstance(exc.__context__, DispatchException):
        return _error(400, "request not handled by this skill")
    if isinstance(exc, BadRequest):
        return _error(400, "request failed verification")
    log.error("skill dispatch failed: %s", type(exc.__context__).__name__)
    return _error(500, "internal error")


def _error(status: int, message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = status
    return response


def _http_error(exc: HTTPException) -> Response:
    return _error(exc.code or 500, (exc.name or "error").lower())


def _unexpected_error(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    log.error("unexpected failure while serving a request: %s", failure_trace(exc))
    return _error(500, "internal error")
