"""Knee Coach as a web service: the skill behind a strict front door, cheapest checks first.

``POST <settings.route>`` takes Alexa requests; ``GET /healthz`` says the process is alive.
A request is answered in this order, and stops at the first refusal:

1. the size (:data:`MAX_BODY_BYTES`, also bounded by the server before the app sees it) and
   the content type;
2. :func:`skill.web.checks.check_envelope`: one JSON parse, the nesting, the shape, ids and
   the timestamp bounded in length and format;
3. our verifiers (:mod:`skill.web.verification`) on the checked JSON and the raw body: skill
   ID, timestamp, then the signature and its chain;
4. only then the ASK SDK: it deserializes the envelope (dates with dateutil, whose cost on a
   crafted date is why this comes last), the skill answers, the SDK serializes the answer.

flask-ask-sdk's ``SkillAdapter`` is not used: it deserializes before it runs any verifier.
Every refusal is a 4xx with a short JSON ``{"error": ...}``; no response ever carries a stack
trace, and bodies and user IDs are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, cast

from ask_sdk_core.skill import CustomSkill
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_runtime.exceptions import DispatchException
from cryptography import x509
from flask import Flask, Response, jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from skill.alexa.builder import build_skill
from skill.alexa.handlers import failure_trace
from skill.settings import Settings
from skill.store.factory import make_persistence_adapter
from skill.web.certcache import CertCache, utc_now
from skill.web.checks import (
    KNOWN_REQUEST_TYPES,
    MAX_BODY_BYTES,
    MAX_JSON_DEPTH,
    check_envelope,
    envelope_problem,
)
from skill.web.verification import (
    Clock,
    SignatureVerifier,
    SkillIdVerifier,
    TimestampVerifier,
    VerificationException,
    Verifier,
    load_pem_roots,
    system_trust_roots,
)

__all__ = [
    "KNOWN_REQUEST_TYPES",
    "MAX_BODY_BYTES",
    "MAX_JSON_DEPTH",
    "build_verifiers",
    "check_settings",
    "create_app",
    "envelope_problem",
]

log = logging.getLogger(__name__)

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
) -> list[Verifier]:
    """Cheap checks first (skill ID, timestamp), then signature and chain unless in dev mode.

    The timestamp check stays on in dev mode: simulators send fresh timestamps, and it keeps
    dev behaviour close to production.
    """
    verifiers: list[Verifier] = []
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
    verifiers = build_verifiers(
        settings, cert_cache=cert_cache, trust_roots=trust_roots, clock=clock
    )
    endpoint = SkillEndpoint(skill, verifiers)
    if not settings.verify_requests:
        log.warning(DEV_MODE_WARNING)
    elif not settings.skill_id:
        log.warning("KNEE_COACH_ANY_SKILL: accepting signed requests for any skill")

    def invoke_skill() -> Response:
        headers = cast(Mapping[str, Any], request.headers)  # werkzeug's Headers: items() etc.
        return endpoint.answer(request.mimetype, headers, request.get_data())

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


class SkillEndpoint:
    """One request, checked cheapest first; the SDK sees only what passed every check."""

    def __init__(self, skill: CustomSkill, verifiers: Sequence[Verifier]) -> None:
        self.skill = skill
        self.verifiers = list(verifiers)

    def answer(self, mimetype: str, headers: Mapping[str, Any], body: bytes) -> Response:
        checked = check_envelope(mimetype, body)
        if not isinstance(checked, dict):
            return _error(*checked)
        text = body.decode("utf-8")  # check_envelope has decoded it once already
        try:
            for verifier in self.verifiers:
                verifier.verify(headers, text, checked)
        except VerificationException as exc:
            log.info("request refused: %s", exc)
            return _error(400, "request failed verification")
        try:
            envelope = self.skill.serializer.deserialize(payload=text, obj_type=RequestEnvelope)
        except Exception:  # the SDK raises SerializationException, but also bare errors
            return _error(400, "malformed Alexa request")
        try:
            answer = self.skill.invoke(request_envelope=envelope, context=None)
        except DispatchException:  # only for a skill without a catch-all (Knee Coach has one)
            return _error(400, "request not handled by this skill")
        return jsonify(self.skill.serializer.serialize(answer))


class StrictJSONProvider(DefaultJSONProvider):
    """Responses are strict JSON: a NaN or infinity is a bug to surface, never ``NaN`` text.

    Keys keep the SDK's order: sorting every answer's keys (Flask's default) costs time on
    each request and means nothing to Alexa.
    """

    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)


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
