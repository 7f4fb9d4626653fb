"""The web endpoint end to end through the Flask test client, plus one real ``knee-coach serve``.

Requests are signed with a throwaway CA (``tests/certs.py``) that only these tests trust; the
certificate cache is pre-filled, and downloads are replaced by a fake S3 so nothing leaves the
machine. Each rejection is checked by status *and* by the reason the server logged.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from certs import (
    CERT_URL,
    SKILL_ID,
    alexa_timestamp,
    body_of,
    envelope,
    make_pki,
    signed_headers,
)
from flask.testing import FlaskClient

from skill.settings import Settings
from skill.web.app import MAX_BODY_BYTES, create_app, envelope_problem
from skill.web.certcache import CertCache, CertFetchError, cache_file_name

REPO = Path(__file__).resolve().parents[2]
JSON_TYPE = "application/json"
Post = Callable[..., Any]


@pytest.fixture
def fake_s3(pki: Any) -> dict[str, bytes]:
    """What "S3" serves; tests put other chains here to simulate Amazon serving them."""
    return {CERT_URL: pki.chain_pem()}


@pytest.fixture
def client(pki: Any, fake_s3: dict[str, bytes]) -> FlaskClient:
    def fetch(url: str) -> bytes:
        if url not in fake_s3:
            raise CertFetchError("404 from fake S3")
        return fake_s3[url]

    cache = CertCache(fetch=fetch)
    cache.put(CERT_URL, fake_s3[CERT_URL])
    settings = Settings(skill_id=SKILL_ID, persistence="none")
    return create_app(settings, cert_cache=cache, trust_roots=[pki.root]).test_client()


def _post(client: FlaskClient, body: bytes, headers: dict[str, str] | None = None) -> Any:
    headers = {"Content-Type": "application/json"} if headers is None else headers
    return client.post("/", data=body, headers=headers)


def _signed(client: FlaskClient, env: dict[str, Any], **kwargs: Any) -> Any:
    body = body_of(env)
    return _post(client, body, signed_headers(body, **kwargs))


@pytest.fixture(autouse=True)
def _refusals_logged(caplog: pytest.LogCaptureFixture) -> None:
    """The app logs each refusal's reason at INFO; capture it."""
    caplog.set_level(logging.INFO, logger="skill.web.app")


def _logged_reason(caplog: pytest.LogCaptureFixture) -> str:
    """The verification failure the app logged (the caller only ever sees a short 400)."""
    reasons = [
        r.getMessage()
        for r in caplog.records
        if r.name == "skill.web.app" and r.getMessage().startswith("request refused: ")
    ]
    return reasons[-1] if reasons else ""


def _assert_refused(response: Any, status: int = 400) -> None:
    assert response.status_code == status
    assert response.is_json and set(response.get_json()) == {"error"}
    assert b"Traceback" not in response.data and b'File "' not in response.data


# --- the happy path --------------------------------------------------------------------------


def test_genuine_launch_request_gets_the_skill_response(client: FlaskClient) -> None:
    response = _signed(client, envelope("LaunchRequest"))
    assert response.status_code == 200
    payload = response.get_json()
    assert payload["version"] == "1.0"
    assert payload["response"]["outputSpeech"]["type"] == "SSML"
    assert payload["response"]["outputSpeech"]["ssml"].startswith("<speak>")


def test_genuine_request_with_amazon_style_url_variant_is_accepted(client: FlaskClient) -> None:
    variant = "https://S3.amazonaws.com:443/echo.api/../echo.api/echo-api-cert-knee-coach-test.pem"
    assert _signed(client, envelope(), url=variant).status_code == 200


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


# --- verification failures -------------------------------------------------------------------


def test_tampered_body_is_refused(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    body = body_of(envelope())
    response = _post(client, body.replace(b"en-US", b"de-DE"), signed_headers(body))
    _assert_refused(response)
    assert "signature does not match" in _logged_reason(caplog)


def test_wrong_signature_is_refused(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    _assert_refused(_signed(client, envelope(), key_name="intermediate"))
    assert "signature does not match" in _logged_reason(caplog)


@pytest.mark.parametrize("missing", ["SignatureCertChainUrl", "Signature-256"])
def test_missing_headers_are_refused(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, missing: str
) -> None:
    body = body_of(envelope())
    headers = {k: v for k, v in signed_headers(body).items() if k != missing}
    _assert_refused(_post(client, body, headers))
    assert "missing" in _logged_reason(caplog)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://s3.amazonaws.com/echo.api/echo-api-cert-knee-coach-test.pem", "https"),
        ("https://notamazon.com/echo.api/echo-api-cert-knee-coach-test.pem", "host"),
        ("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert-knee-coach-test.pem", "path"),
        ("https://s3.amazonaws.com/invalid.path/echo-api-cert-knee-coach-test.pem", "path"),
        ("https://s3.amazonaws.com/echo.api/../evil/echo-api-cert-knee-coach-test.pem", "path"),
        ("https://s3.amazonaws.com:563/echo.api/echo-api-cert-knee-coach-test.pem", "port"),
    ],
)
def test_bad_cert_urls_are_refused(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, url: str, why: str
) -> None:
    _assert_refused(_signed(client, envelope(), url=url))
    assert why in _logged_reason(caplog)


def _serve_chain_at(fake_s3: dict[str, bytes], chain: bytes) -> str:
    url = CERT_URL.replace(".pem", f"-{len(fake_s3)}.pem")
    fake_s3[url] = chain
    return url


def test_expired_leaf_is_refused(
    client: FlaskClient, fake_s3: dict[str, bytes], caplog: pytest.LogCaptureFixture
) -> None:
    now = datetime.now(timezone.utc)
    old = make_pki(
        leaf_not_before=now - timedelta(days=90), leaf_not_after=now - timedelta(hours=1)
    )
    _assert_refused(_signed(client, envelope(), url=_serve_chain_at(fake_s3, old.chain_pem())))
    assert "expired" in _logged_reason(caplog)


def test_wrong_san_is_refused(
    client: FlaskClient, fake_s3: dict[str, bytes], caplog: pytest.LogCaptureFixture
) -> None:
    chain = make_pki(san="echo-api.amazon.com.attacker.example").chain_pem()
    _assert_refused(_signed(client, envelope(), url=_serve_chain_at(fake_s3, chain)))
    assert "not for echo-api.amazon.com" in _logged_reason(caplog)


def test_untrusted_root_is_refused(
    client: FlaskClient, fake_s3: dict[str, bytes], caplog: pytest.LogCaptureFixture
) -> None:
    chain = make_pki(root_name="Attacker Root CA").chain_pem()
    _assert_refused(_signed(client, envelope(), url=_serve_chain_at(fake_s3, chain)))
    assert "not trusted" in _logged_reason(caplog)


def test_chain_that_cannot_be_fetched_is_refused(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    url = "https://s3.amazonaws.com/echo.api/no-such-cert.pem"
    _assert_refused(_signed(client, envelope(), url=url))
    assert "unavailable" in _logged_reason(caplog)


@pytest.mark.parametrize("offset", [timedelta(seconds=-200), timedelta(seconds=200)])
def test_stale_and_future_timestamps_are_refused(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, offset: timedelta
) -> None:
    stamp = alexa_timestamp(datetime.now(timezone.utc) + offset)
    _assert_refused(_signed(client, envelope(timestamp=stamp)))
    assert "150 seconds" in _logged_reason(caplog)


def test_wrong_skill_id_is_refused(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    _assert_refused(_signed(client, envelope(skill_id="amzn1.ask.skill.someone-else")))
    assert "different skill" in _logged_reason(caplog)


def test_any_skill_must_be_chosen_explicitly(pki: Any) -> None:
    with pytest.raises(ValueError, match="KNEE_COACH_SKILL_ID is not set"):
        create_app(Settings(persistence="none"), trust_roots=[pki.root])
    client = _app_with(pki, None)  # any_skill=True
    response = _signed(client, envelope(skill_id="amzn1.ask.skill.any"))
    assert response.status_code == 200


def test_dev_mode_needs_no_skill_id() -> None:
    app = create_app(Settings(persistence="none", verify_requests=False))
    assert (
        _post(app.test_client(), body_of(envelope(skill_id="amzn1.ask.skill.sim"))).status_code
        == 200
    )


# --- bad input -------------------------------------------------------------------------------

JSON = {"Content-Type": "application/json"}
NO_STORE = {"KNEE_COACH_PERSISTENCE": "none"}


@pytest.mark.parametrize(
    ("body", "headers", "status", "error"),
    [
        (b"this is not json", JSON, 400, "body is not UTF-8 JSON"),
        (b"\xff\xfe{}", JSON, 400, "body is not UTF-8 JSON"),
        (b"[" * 16_000 + b"]" * 16_000, JSON, 400, "body is not UTF-8 JSON"),
        (b"", JSON, 400, "body is not UTF-8 JSON"),
        (b"[1, 2]", JSON, 400, "not an Alexa request envelope"),
        (b'{"hello": "world"}', JSON, 400, "not an Alexa request envelope"),
        (b'{"version": "1.0", "request": "LaunchRequest"}', JSON, 400, "not an Alexa"),
        (body_of(envelope()), {"Content-Type": "text/plain"}, 415, "application/json"),
        (body_of(envelope()), {}, 415, "application/json"),
        (body_of(envelope("Knee.Coach.Hack")), JSON, 400, "unsupported request type"),
        (body_of(envelope(timestamp="yesterday-ish")), JSON, 400, "malformed Alexa request"),
        (b" " * (MAX_BODY_BYTES + 1), JSON, 413, "too large"),
    ],
)
def test_bad_input_gets_a_short_json_4xx(
    client: FlaskClient, body: bytes, headers: dict[str, str], status: int, error: str
) -> None:
    response = _post(client, body, headers)
    _assert_refused(response, status)
    assert error in response.get_json()["error"]


def _skill_with_one_handler(handle: Callable[[Any], Any], can_handle: Callable[[Any], bool]) -> Any:
    from ask_sdk_core.skill_builder import SkillBuilder

    builder = SkillBuilder()
    builder.request_handler(can_handle_func=can_handle)(handle)
    return builder.create()


def _app_with(pki: Any, skill: Any) -> FlaskClient:
    cache = CertCache()
    cache.put(CERT_URL, pki.chain_pem())
    settings = Settings(persistence="none", any_skill=True)
    return create_app(settings, skill, cert_cache=cache, trust_roots=[pki.root]).test_client()


def test_request_no_handler_takes_is_a_400_not_a_500(pki: Any) -> None:
    # A skill without a catch-all (Knee Coach has one) makes the SDK raise DispatchException.
    launch_only = _skill_with_one_handler(
        lambda hi: hi.response_builder.speak("hi").response,
        lambda hi: hi.request_envelope.request.object_type == "LaunchRequest",
    )
    client = _app_with(pki, launch_only)
    assert _signed(client, envelope()).status_code == 200
    response = _signed(client, envelope("Alexa.Presentation.APL.UserEvent"))
    _assert_refused(response)
    assert "not handled" in response.get_json()["error"]


def test_wrong_method_is_a_json_405(client: FlaskClient) -> None:
    _assert_refused(client.get("/"), 405)
    _assert_refused(client.post("/healthz"), 405)


def test_server_keeps_serving_after_bad_input(client: FlaskClient) -> None:
    for body in (b"{", b"\x00" * 10, b'{"version": 1}', b"null"):
        assert _post(client, body).status_code == 400
    assert _signed(client, envelope()).status_code == 200


def test_envelope_problem_accepts_a_genuine_envelope() -> None:
    assert envelope_problem("application/json", body_of(envelope())) is None


def test_crash_outside_the_skills_handlers_is_a_json_500_without_personal_data(
    pki: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Knee Coach's catch-all answers handler failures itself; this is the last safety net.
    class Boom(Exception):
        pass

    said = "my secret knee story"

    def explode(handler_input: Any) -> Any:
        raise Boom(said)

    response = _signed(_app_with(pki, _skill_with_one_handler(explode, lambda _: True)), envelope())
    _assert_refused(response, 500)
    assert said not in response.get_data(as_text=True)
    assert "Boom" in caplog.text and said not in caplog.text


def test_real_skill_answers_an_intent_it_does_not_know_with_speech(client: FlaskClient) -> None:
    env = envelope("IntentRequest", extra_request={"intent": {"name": "NoSuchIntent"}})
    response = _signed(client, env)
    assert response.status_code == 200
    assert "outputSpeech" in response.get_json()["response"]


def test_options_is_a_json_405_not_an_empty_200(client: FlaskClient) -> None:
    _assert_refused(client.options("/"), 405)
    _assert_refused(client.options("/healthz"), 405)


def _nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


@pytest.mark.parametrize("depth", [40, 500])
def test_deeply_nested_session_attributes_are_a_400_before_the_sdk(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, depth: int
) -> None:
    body = body_of(envelope()).replace(
        b'"attributes": {}', f'"attributes": {_nested(depth)}'.encode()
    )
    response = _post(client, body, signed_headers(body))
    _assert_refused(response)
    assert response.get_json() == {"error": "request nests too deeply"}
    assert len(caplog.text) < 2000  # no RecursionError traceback in the log


def test_sane_nesting_still_reaches_the_skill(client: FlaskClient) -> None:
    body = body_of(envelope()).replace(b'"attributes": {}', f'"attributes": {_nested(20)}'.encode())
    response = _post(client, body, signed_headers(body))
    assert response.status_code == 200


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
def test_non_finite_numbers_are_not_json_and_never_echoed(
    client: FlaskClient, number: bytes
) -> None:
    body = body_of(envelope()).replace(b'"attributes": {}', b'"attributes": {"x": ' + number + b"}")
    response = _post(client, body, signed_headers(body))
    _assert_refused(response)
    assert response.get_json() == {"error": "body is not UTF-8 JSON"}


def test_responses_are_strict_json_even_if_the_skill_slips(pki: Any) -> None:
    def slip(handler_input: Any) -> Any:
        handler_input.attributes_manager.session_attributes["pace"] = float("nan")
        return handler_input.response_builder.speak("hi").response

    response = _signed(_app_with(pki, _skill_with_one_handler(slip, lambda _: True)), envelope())
    _assert_refused(response, 500)
    assert b"NaN" not in response.data


# --- skill events ----------------------------------------------------------------------------

NOW = datetime.now(timezone.utc).replace(microsecond=0)
"""The server's (injected) clock for the skill-event tests; the test PKI is valid around it."""


def _skill_disabled(age: timedelta) -> dict[str, Any]:
    application = {"applicationId": SKILL_ID}
    stamp = alexa_timestamp(NOW - age)
    return {
        "version": "1.0",
        "context": {
            "System": {"application": application, "user": {"userId": "amzn1.ask.account.X"}}
        },
        "request": {
            "type": "AlexaSkillEvent.SkillDisabled",
            "requestId": "amzn1.echo-api.request.event",
            "timestamp": stamp,
            "eventCreationTime": stamp,
            "eventPublishingTime": stamp,
            "body": {"userInformationPersistenceStatus": "PERSISTED"},
        },
    }


class Forgetting:
    """A persistence adapter that only records deletions."""

    def __init__(self) -> None:
        self.deleted = 0

    def get_attributes(self, request_envelope: Any) -> dict[str, object]:
        return {}

    def save_attributes(self, request_envelope: Any, attributes: Any) -> None:
        pass

    def delete_attributes(self, request_envelope: Any) -> None:
        self.deleted += 1


@pytest.mark.parametrize(
    ("age", "status"),
    [(timedelta(minutes=10), 200), (timedelta(minutes=59), 200), (timedelta(hours=2), 400)],
)
def test_a_late_skill_disabled_event_still_deletes_progress(
    pki: Any, age: timedelta, status: int
) -> None:
    """Alexa may deliver skill events up to an hour late; ordinary requests keep 150 s."""
    from skill.alexa.builder import build_skill
    from skill.store.resilient import ResilientAdapter

    store = Forgetting()
    settings = Settings(skill_id=SKILL_ID, persistence="none")
    skill = build_skill(settings, ResilientAdapter(store, keygen=lambda e: "k"))  # type: ignore[arg-type]
    cache = CertCache()
    cache.put(CERT_URL, pki.chain_pem())
    app = create_app(settings, skill, cert_cache=cache, trust_roots=[pki.root], clock=lambda: NOW)
    client = app.test_client()
    response = _signed(client, _skill_disabled(age))
    assert response.status_code == status
    assert store.deleted == (1 if status == 200 else 0)
    stale_launch = envelope(timestamp=alexa_timestamp(NOW - timedelta(minutes=10)))
    _assert_refused(_signed(client, stale_launch))


# --- configuration ---------------------------------------------------------------------------


def test_default_trust_store_does_not_trust_the_test_root(
    pki: Any, caplog: pytest.LogCaptureFixture
) -> None:
    cache = CertCache()
    cache.put(CERT_URL, pki.chain_pem())
    settings = Settings(persistence="none", skill_id=SKILL_ID)
    app = create_app(settings, cert_cache=cache)  # system roots only
    _assert_refused(_signed(app.test_client(), envelope()))
    assert "not trusted" in _logged_reason(caplog)


def test_settings_alone_can_trust_an_extra_root_and_prefill_the_cache(
    pki: Any, tmp_path: Path
) -> None:
    (tmp_path / "root.pem").write_bytes(pki.root_pem())
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / cache_file_name(CERT_URL)).write_bytes(pki.chain_pem())
    env = {
        "KNEE_COACH_EXTRA_TRUST_ROOTS": str(tmp_path / "root.pem"),
        "KNEE_COACH_CERT_CACHE_DIR": str(tmp_path / "cache"),
        "KNEE_COACH_SKILL_ID": SKILL_ID,
        "KNEE_COACH_PERSISTENCE": "none",
    }
    app = create_app(Settings.from_env(env))
    assert _signed(app.test_client(), envelope()).status_code == 200


def test_dev_mode_skips_signatures_keeps_timestamps_and_warns_loudly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        app = create_app(Settings.from_env({"KNEE_COACH_DEV_MODE": "1", **NO_STORE}))
    assert "DEV MODE" in caplog.text
    client = app.test_client()
    assert _post(client, body_of(envelope())).status_code == 200
    stale = alexa_timestamp(datetime.now(timezone.utc) - timedelta(minutes=10))
    _assert_refused(_post(client, body_of(envelope(timestamp=stale))))


def test_verification_is_on_without_dev_mode(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        app = create_app(Settings.from_env({**NO_STORE, "KNEE_COACH_SKILL_ID": SKILL_ID}))
    assert "DEV MODE" not in caplog.text
    _assert_refused(_post(app.test_client(), body_of(envelope())))


def test_route_is_configurable() -> None:
    app = create_app(
        Settings(route="/alexa", verify_requests=False, persistence="none")
    ).test_client()
    assert app.post("/alexa", data=body_of(envelope()), headers=JSON).status_code == 200
    assert app.post("/", data=body_of(envelope()), headers=JSON).status_code == 404


# --- the real server -------------------------------------------------------------------------


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[str]:
    """``knee-coach serve --dev --port 0`` in a subprocess; yields its base URL."""
    env = {
        **os.environ,
        "KNEE_COACH_PERSISTENCE": "none",
        "KNEE_COACH_SQLITE_PATH": str(tmp_path / "progress.db"),
    }
    env.pop("KNEE_COACH_SKILL_ID", None)
    command = [sys.executable, "-m", "skill.cli", "serve", "--dev", "--port", "0", "--workers", "2"]
    proc = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, f"no listening line: {line!r} {proc.stderr.read() if proc.stderr else ''}"
        yield f"http://127.0.0.1:{match.group(1)}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _http(url: str, body: bytes | None = None) -> tuple[int, Any]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        data = exc.read()
        return exc.code, json.loads(data) if exc.headers.get_content_type() == JSON_TYPE else data


@pytest.mark.slow
def test_knee_coach_serve_answers_health_and_launch(dev_server: str) -> None:
    started = time.monotonic()
    assert _http(dev_server + "/healthz") == (200, {"status": "ok"})
    status, payload = _http(dev_server + "/", body_of(envelope()))
    assert status == 200 and "outputSpeech" in payload["response"]
    status, payload = _http(dev_server + "/", b"not json")
    assert status == 400 and payload == {"error": "body is not UTF-8 JSON"}
    status, payload = _http(dev_server + "/", b"x" * (200 * 1024))
    assert status == 413 and payload == {"error": "request entity too large"}
    try:  # declared over 1 MB, the server answers a bare 400 and hangs up: never a 5xx
        status, payload = _http(dev_server + "/", b"x" * (2 * 1024 * 1024))
        assert 400 <= status < 500 and b"Traceback" not in payload
    except (urllib.error.URLError, ConnectionError):
        pass
    assert _http(dev_server + "/healthz")[0] == 200
    assert time.monotonic() - started < 10
