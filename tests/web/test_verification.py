"""The verifiers, the certificate cache and the oscrypto import fix, tested without HTTP.

Each rejection is asserted by its message, so a test cannot pass because some *other* rule
happened to fail first.
"""

from __future__ import annotations

import io
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from certs import CERT_URL, SKILL_ID, body_of, envelope, make_pki, signed_headers

from skill.web import certcache
from skill.web.certcache import CertCache, CertFetchError, cache_file_name
from skill.web.oscrypto_compat import BUGGY_PATTERN, FIXED_PATTERN, patch_source
from skill.web.verification import (
    SignatureVerifier,
    SkillIdVerifier,
    TimestampVerifier,
    VerificationException,
    check_cert_url,
    load_pem_roots,
)

REPO = Path(__file__).resolve().parents[2]
REAL_DOWNLOAD = certcache.download
NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def _verifier(chain_pem: bytes, roots: list[Any]) -> SignatureVerifier:
    cache = CertCache()
    cache.put(CERT_URL, chain_pem)
    return SignatureVerifier(cache, roots)


def _reason(verifier: Any, headers: dict[str, str], body: bytes, envelope_obj: Any = None) -> str:
    with pytest.raises(VerificationException) as info:
        verifier.verify(headers, body.decode("utf-8"), envelope_obj)
    return str(info.value)


# --- SignatureCertChainUrl rules -------------------------------------------------------------

VALID_URLS = {
    "https://s3.amazonaws.com/echo.api/echo-api-cert.pem": "/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem": "/echo.api/echo-api-cert.pem",
    "https://S3.AmazonAWS.com/echo.api/echo-api-cert.pem": "/echo.api/echo-api-cert.pem",
    "HTTPS://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem": (
        "/echo.api/echo-api-cert.pem"
    ),
}


@pytest.mark.parametrize(("url", "path"), VALID_URLS.items())
def test_amazon_documented_good_urls_are_accepted_and_normalised(url: str, path: str) -> None:
    assert check_cert_url(url) == "https://s3.amazonaws.com" + path


BAD_URLS = {
    "http://s3.amazonaws.com/echo.api/echo-api-cert.pem": "https",
    "https://notamazon.com/echo.api/echo-api-cert.pem": "host",
    "https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem": "host",
    "https://evil@s3.amazonaws.com/echo.api/echo-api-cert.pem": "host",
    "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem": "path",
    "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem": "path",
    "https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert.pem": "path",
    "https://s3.amazonaws.com/echo.api/%2E%2E/evil/cert.pem": "plain path",
    "https://s3.amazonaws.com/echo.api/cert.pem?x=1": "plain path",
    "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem": "port",
    "https://s3.amazonaws.com:99999/echo.api/echo-api-cert.pem": "malformed",
    "https://s3.amazonaws.com/echo.api/": "path",
    "": "https",
}


@pytest.mark.parametrize(("url", "why"), BAD_URLS.items())
def test_bad_cert_urls_are_refused_naming_the_rule(url: str, why: str) -> None:
    with pytest.raises(VerificationException, match=why):
        check_cert_url(url)


# --- signature and chain ---------------------------------------------------------------------


def test_genuine_signature_passes_and_chain_is_validated_once(pki: Any) -> None:
    cache = CertCache()
    chain = cache.put(CERT_URL, pki.chain_pem())
    verifier = SignatureVerifier(cache, [pki.root])
    body = body_of(envelope())
    verifier.verify(signed_headers(body), body.decode(), None)
    key = chain.validated
    assert key is not None and key.public_numbers() == pki.leaf.public_key().public_numbers()
    verifier.verify({k.lower(): v for k, v in signed_headers(body).items()}, body.decode(), None)
    assert chain.validated is key


def test_tampered_body_is_refused(pki: Any) -> None:
    body = body_of(envelope())
    tampered = body.replace(b"en-US", b"en-GB")
    reason = _reason(_verifier(pki.chain_pem(), [pki.root]), signed_headers(body), tampered)
    assert "signature does not match" in reason


def test_signature_from_another_key_is_refused(pki: Any) -> None:
    body = body_of(envelope())
    headers = signed_headers(body, key_name="intermediate")
    assert "signature does not match" in _reason(
        _verifier(pki.chain_pem(), [pki.root]), headers, body
    )


def test_signature_that_is_not_base64_is_refused(pki: Any) -> None:
    body = body_of(envelope())
    headers = {**signed_headers(body), "Signature-256": "not base64 !!"}
    assert "signature is not base64" in _reason(
        _verifier(pki.chain_pem(), [pki.root]), headers, body
    )


@pytest.mark.parametrize("missing", ["SignatureCertChainUrl", "Signature-256"])
def test_missing_headers_are_refused(pki: Any, missing: str) -> None:
    body = body_of(envelope())
    headers = {k: v for k, v in signed_headers(body).items() if k != missing}
    assert "missing" in _reason(_verifier(pki.chain_pem(), [pki.root]), headers, body)


def test_legacy_sha1_signature_header_alone_is_not_enough(pki: Any) -> None:
    body = body_of(envelope())
    headers = {k: v for k, v in signed_headers(body).items() if k != "Signature-256"}
    headers["Signature"] = signed_headers(body)["Signature-256"]
    assert "missing" in _reason(_verifier(pki.chain_pem(), [pki.root]), headers, body)


def test_expired_leaf_is_refused(pki: Any) -> None:
    now = datetime.now(timezone.utc)
    old = make_pki(leaf_not_before=now - timedelta(days=60), leaf_not_after=now - timedelta(days=1))
    cache = CertCache(fetch=lambda url: old.chain_pem())  # S3 keeps serving the expired chain
    body = body_of(envelope())
    reason = _reason(SignatureVerifier(cache, [pki.root]), signed_headers(body), body)
    assert "expired" in reason


def test_not_yet_valid_leaf_is_refused(pki: Any) -> None:
    now = datetime.now(timezone.utc)
    early = make_pki(
        leaf_not_before=now + timedelta(days=1), leaf_not_after=now + timedelta(days=9)
    )
    body = body_of(envelope())
    reason = _reason(_verifier(early.chain_pem(), [pki.root]), signed_headers(body), body)
    assert "not yet valid" in reason


def test_leaf_for_another_name_is_refused(pki: Any) -> None:
    other = make_pki(san="echo-api.amazon.com.evil.example")
    body = body_of(envelope())
    reason = _reason(_verifier(other.chain_pem(), [pki.root]), signed_headers(body), body)
    assert "not for echo-api.amazon.com" in reason


def test_chain_to_an_untrusted_root_is_refused(pki: Any) -> None:
    stranger = make_pki(root_name="Somebody Else's Root")
    body = body_of(envelope())
    reason = _reason(_verifier(stranger.chain_pem(), [pki.root]), signed_headers(body), body)
    assert "not trusted" in reason


def test_leaf_alone_without_its_intermediate_is_refused(pki: Any) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    body = body_of(envelope())
    leaf_only = pki.leaf.public_bytes(Encoding.PEM)
    assert "not trusted" in _reason(_verifier(leaf_only, [pki.root]), signed_headers(body), body)


def test_unreachable_chain_is_refused(pki: Any) -> None:
    verifier = SignatureVerifier(CertCache(), [pki.root])  # nothing cached, network refused
    body = body_of(envelope())
    assert "unavailable" in _reason(verifier, signed_headers(body), body)


def test_verifier_needs_at_least_one_trusted_root() -> None:
    with pytest.raises(ValueError, match="no trusted root"):
        SignatureVerifier(CertCache(), [])


def test_load_pem_roots_reads_every_certificate_and_skips_junk(pki: Any, tmp_path: Path) -> None:
    bundle = tmp_path / "roots.pem"
    junk = b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"
    bundle.write_bytes(pki.root_pem() + junk + pki.chain_pem())
    assert [c.subject for c in load_pem_roots([bundle])] == [
        pki.root.subject,
        pki.leaf.subject,
        pki.intermediate.subject,
    ]


# --- timestamp and skill ID ------------------------------------------------------------------


def _parsed(env: dict[str, Any]) -> dict[str, Any]:
    """The envelope as the app hands it to the verifiers: checked JSON, before the SDK."""
    from skill.web.checks import check_envelope

    checked = check_envelope("application/json", body_of(env))
    assert isinstance(checked, dict), checked
    return checked


@pytest.mark.parametrize("offset_s", [-150, -1, 0, 1, 150])
def test_timestamps_within_150_seconds_pass(offset_s: int) -> None:
    env = _parsed(envelope(timestamp=(NOW + timedelta(seconds=offset_s)).isoformat()))
    TimestampVerifier(clock=lambda: NOW).verify({}, "", env)


@pytest.mark.parametrize("offset_s", [-151, 151, -3600, 86400])
def test_stale_and_future_timestamps_are_refused(offset_s: int) -> None:
    env = _parsed(envelope(timestamp=(NOW + timedelta(seconds=offset_s)).isoformat()))
    with pytest.raises(VerificationException, match="150 seconds"):
        TimestampVerifier(clock=lambda: NOW).verify({}, "", env)


def test_naive_timestamp_is_read_as_utc() -> None:
    env = _parsed(envelope(timestamp="2026-01-01T12:01:00"))
    TimestampVerifier(clock=lambda: NOW).verify({}, "", env)


def test_matching_skill_id_passes() -> None:
    SkillIdVerifier(SKILL_ID).verify({}, "", _parsed(envelope()))


def test_other_skill_id_is_refused() -> None:
    with pytest.raises(VerificationException, match="different skill"):
        SkillIdVerifier(SKILL_ID).verify({}, "", _parsed(envelope(skill_id="amzn1.ask.skill.x")))


def test_skill_id_must_match_in_session_too() -> None:
    env = envelope()
    env["session"]["application"] = {"applicationId": "amzn1.ask.skill.other"}
    with pytest.raises(VerificationException, match="different skill"):
        SkillIdVerifier(SKILL_ID).verify({}, "", _parsed(env))


# --- certificate cache -----------------------------------------------------------------------


def test_cache_downloads_once_then_serves_from_memory(pki: Any) -> None:
    fetched: list[str] = []
    cache = CertCache(fetch=lambda url: fetched.append(url) or pki.chain_pem())
    first, second = cache.get(CERT_URL), cache.get(CERT_URL)
    assert first is second and fetched == [CERT_URL]


def test_cache_keeps_at_most_max_entries_dropping_least_recent(pki: Any) -> None:
    fetched: list[str] = []
    cache = CertCache(max_entries=2, fetch=lambda url: fetched.append(url) or pki.chain_pem())
    for url in ["a", "b", "a", "c", "a", "b"]:
        cache.get(url)
    assert len(cache) == 2
    assert fetched == ["a", "b", "c", "b"]


def test_cache_drops_entries_once_the_chain_expires(pki: Any) -> None:
    clock = [datetime.now(timezone.utc)]
    fetched: list[str] = []
    cache = CertCache(clock=lambda: clock[0], fetch=lambda u: fetched.append(u) or pki.chain_pem())
    cache.get(CERT_URL)
    clock[0] = pki.leaf.not_valid_after_utc + timedelta(seconds=1)
    cache.get(CERT_URL)
    assert fetched == [CERT_URL, CERT_URL]


def test_cache_dir_prefills_and_persists(pki: Any, tmp_path: Path) -> None:
    (tmp_path / cache_file_name(CERT_URL)).write_bytes(pki.chain_pem())
    assert CertCache(cache_dir=tmp_path).get(CERT_URL).certs[0] == pki.leaf
    other = "https://s3.amazonaws.com/echo.api/other.pem"
    CertCache(cache_dir=tmp_path, fetch=lambda url: pki.chain_pem()).get(other)
    assert (tmp_path / cache_file_name(other)).read_bytes() == pki.chain_pem()


def test_cache_refuses_something_that_is_not_a_chain() -> None:
    with pytest.raises(CertFetchError, match="not a PEM"):
        CertCache(fetch=lambda url: b"<html>nope</html>").get(CERT_URL)


def test_download_is_https_only() -> None:
    with pytest.raises(CertFetchError, match="https only"):
        REAL_DOWNLOAD("http://s3.amazonaws.com/echo.api/echo-api-cert.pem")


def test_download_refuses_redirects() -> None:
    handler = certcache._NoRedirect()
    assert handler.redirect_request(None, None, 302, "Found", {}, "https://evil.example/") is None


def test_download_body_is_bounded_in_size() -> None:
    from skill.web.certcache import _read_bounded

    with pytest.raises(CertFetchError, match="larger than"):
        _read_bounded(io.BytesIO(b"x" * 10_000), time.monotonic() + 5, max_bytes=4096)
    assert (
        _read_bounded(io.BytesIO(b"x" * 4096), time.monotonic() + 5, max_bytes=4096) == b"x" * 4096
    )


def test_download_is_bounded_in_time() -> None:
    from skill.web.certcache import _read_bounded

    with pytest.raises(CertFetchError, match="too long"):
        _read_bounded(io.BytesIO(b"x" * 100), time.monotonic() - 1, max_bytes=4096)


# --- oscrypto import fix ---------------------------------------------------------------------


def test_patch_widens_only_the_version_regex() -> None:
    source = b"a = 1\nversion_match = " + BUGGY_PATTERN + b"\nb = 2\n"
    assert patch_source(source) == b"a = 1\nversion_match = " + FIXED_PATTERN + b"\nb = 2\n"
    assert patch_source(b"untouched = True\n") == b"untouched = True\n"


@pytest.mark.parametrize(
    ("version_string", "expected"),
    [
        ("OpenSSL 3.0.19 27 Jan 2026", "3.0.19"),
        ("OpenSSL 3.0.2 15 Mar 2022", "3.0.2"),
        ("OpenSSL 1.1.1w  11 Sep 2023", "1.1.1w"),
        ("OpenSSL 3.10.11 1 Jan 2030", "3.10.11"),
    ],
)
def test_fixed_regex_reads_real_openssl_version_strings(version_string: str, expected: str) -> None:
    import re

    pattern = FIXED_PATTERN.decode().split("'")[1].encode().decode("unicode_escape")
    match = re.search(pattern, version_string)
    assert match is not None and match.group(1) == expected


def test_flask_ask_sdk_imports_in_a_fresh_interpreter() -> None:
    code = (
        "from skill.web import oscrypto_compat; oscrypto_compat.install()\n"
        "import flask_ask_sdk.skill_adapter, ssl\n"
        "from oscrypto._openssl._libcrypto import libcrypto_version_info as v\n"
        "assert len(v) >= 3 and v >= (1, 0), v\n"
        "print('.'.join(map(str, v)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_skill_web_imports_in_a_fresh_interpreter_without_any_setup() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import skill.web.app"], cwd=REPO, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()


def test_skill_id_check_needs_the_context_application() -> None:
    env = envelope()
    del env["context"]
    with pytest.raises(VerificationException, match="different skill"):
        SkillIdVerifier(SKILL_ID).verify({}, "", _parsed(env))
