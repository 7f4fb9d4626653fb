"""Knee Coach's own checks that a web request really comes from Alexa, fresh, for this skill.

Amazon requires a self-hosted skill endpoint to check every request (``Host a Custom Skill as a
Web Service``). The SDK's ``RequestVerifier`` validates the chain with certvalidator/oscrypto,
which is broken on current OpenSSL (see :mod:`skill.web.oscrypto_compat`), so these verifiers use
``cryptography`` only. They keep the SDK's ``AbstractVerifier`` interface and raise its
``VerificationException``, but ``skill.web.app`` runs them itself, on the raw body and on the
envelope as checked JSON (:mod:`skill.web.checks`), *before* the SDK parses anything; a
failure is HTTP 400. Messages name the failed rule and never contain anything from the person
(no user or request IDs).
"""

from __future__ import annotations

import base64
import binascii
import logging
import posixpath
import ssl
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from skill.web import oscrypto_compat
from skill.web.certcache import CachedChain, CertCache, CertFetchError, utc_now
from skill.web.checks import field, parse_timestamp

oscrypto_compat.install()  # the SDK module below imports oscrypto (via certvalidator)

from ask_sdk_webservice_support.verifier import (  # noqa: E402  (must follow install())
    AbstractVerifier,
    VerificationException,
)

log = logging.getLogger(__name__)

CERT_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
CERT_URL_HOST = "s3.amazonaws.com"
CERT_URL_PATH_PREFIX = "/echo.api/"
SIGNING_DOMAIN = "echo-api.amazon.com"
TIMESTAMP_TOLERANCE = timedelta(seconds=150)
SKILL_EVENT_TOLERANCE = timedelta(hours=1)
"""Alexa may deliver skill events (``AlexaSkillEvent.*``) up to an hour after they happened."""
SKILL_EVENT_PREFIX = "AlexaSkillEvent."

Clock = Callable[[], datetime]


class Verifier(Protocol):
    """What ``skill.web.app`` runs: the SDK's ``AbstractVerifier.verify``, typed as we call it.

    ``deserialized_request_env`` is the envelope as checked JSON (a ``dict``), never an SDK
    model object: verification comes before the SDK parses anything.
    """

    def verify(
        self,
        headers: Mapping[str, Any],
        serialized_request_env: str,
        deserialized_request_env: Any,
    ) -> None: ...


__all__ = [
    "AbstractVerifier",
    "SignatureVerifier",
    "SkillIdVerifier",
    "TimestampVerifier",
    "VerificationException",
    "Verifier",
    "check_cert_url",
    "load_pem_roots",
    "system_trust_roots",
]


def check_cert_url(url: str) -> str:
    """The normalised chain URL if it follows Amazon's rules, else :class:`VerificationException`.

    Rules: scheme ``https``; host ``s3.amazonaws.com`` (any case); port 443 if one is given;
    path starting ``/echo.api/`` (case-sensitive) after resolving ``.``/``..`` segments. Stricter
    than Amazon, we also refuse user info, queries, fragments, backslashes and
    percent-encoded dots, which a genuine URL never has and which could hide a different path.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise VerificationException("certificate URL is malformed") from None
    if parts.scheme.lower() != "https":
        raise VerificationException("certificate URL must use https")
    if (parts.hostname or "").lower() != CERT_URL_HOST or parts.username or parts.password:
        raise VerificationException("certificate URL host must be s3.amazonaws.com")
    if port not in (None, 443):
        raise VerificationException("certificate URL port must be 443")
    if parts.query or parts.fragment or "\\" in parts.path or "%2e" in parts.path.lower():
        raise VerificationException("certificate URL path is not a plain path")
    path = posixpath.normpath(parts.path) if parts.path else ""
    if not path.startswith(CERT_URL_PATH_PREFIX):
        raise VerificationException("certificate URL path must start with /echo.api/")
    return urlunsplit(("https", CERT_URL_HOST, path, "", ""))


def header(headers: Mapping[str, Any], name: str) -> str | None:
    """Case-insensitive header lookup that works for plain dicts and werkzeug headers alike."""
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted:
            return str(value)
    return None


class SignatureVerifier(AbstractVerifier):
    """The chain URL rules, the chain itself, and the ``Signature-256`` over the raw body.

    The legacy SHA-1 ``Signature`` header is ignored on purpose: Alexa sends ``Signature-256``
    with every request, the SDK checks only that one, and SHA-1 signatures are forgeable.
    """

    def __init__(
        self,
        cache: CertCache,
        trust_roots: Sequence[x509.Certificate],
        clock: Clock = utc_now,
    ) -> None:
        if not trust_roots:
            raise ValueError("no trusted root certificates: cannot verify requests")
        self._cache = cache
        self._store = Store(list(trust_roots))
        self._clock = clock

    def verify(
        self,
        headers: Mapping[str, Any],
        serialized_request_env: str,
        deserialized_request_env: Any,
    ) -> None:
        url = header(headers, CERT_URL_HEADER)
        signature_b64 = header(headers, SIGNATURE_HEADER)
        if not url or not signature_b64:
            raise VerificationException(f"missing {CERT_URL_HEADER} or {SIGNATURE_HEADER} header")
        # Everything that costs nothing comes before anything that may download.
        try:
            signature = base64.b64decode(signature_b64.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise VerificationException("request signature is not base64") from None
        url = check_cert_url(url)
        chain = self._chain(url)
        try:
            chain.validated.verify(
                signature,
                serialized_request_env.encode("utf-8"),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            raise VerificationException("request signature does not match the body") from None
        chain.verified = True

    def _chain(self, url: str) -> CachedChain:
        """The cached chain for ``url``, validated now (once) and still in date.

        A chain that fails validation is dropped and its URL refused for a while, so nobody
        can make us fetch and check it again and again.
        """
        try:
            chain = self._cache.get(url)
        except CertFetchError as exc:
            raise VerificationException(f"signing certificate unavailable: {exc}") from None
        now = self._clock()
        if not chain.not_before <= now < chain.not_after:
            raise VerificationException("signing certificate chain is expired or not yet valid")
        if chain.validated is None:
            try:
                chain.validated = self._validate(chain, now)
            except VerificationException:
                self._cache.refuse(url)
                raise
        return chain

    def _validate(self, chain: CachedChain, now: datetime) -> rsa.RSAPublicKey:
        leaf, intermediates = chain.certs[0], list(chain.certs[1:])
        _check_leaf(leaf, now)
        verifier = (
            PolicyBuilder()
            .store(self._store)
            .time(now)
            .build_server_verifier(x509.DNSName(SIGNING_DOMAIN))
        )
        try:
            verifier.verify(leaf, intermediates)
        except VerificationError as exc:
            raise VerificationException(
                f"signing certificate chain is not trusted: {exc}"
            ) from None
        key = leaf.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise VerificationException("signing certificate key is not RSA")
        return key


def _check_leaf(leaf: x509.Certificate, now: datetime) -> None:
    """Explicit leaf checks first, so a rejection names the precise rule that failed."""
    if not leaf.not_valid_before_utc <= now < leaf.not_valid_after_utc:
        raise VerificationException("signing certificate is expired or not yet valid")
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise VerificationException("signing certificate has no subject alternative name") from None
    if SIGNING_DOMAIN not in san.get_values_for_type(x509.DNSName):
        raise VerificationException(f"signing certificate is not for {SIGNING_DOMAIN}")
    try:
        usages = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return
    if ExtendedKeyUsageOID.SERVER_AUTH not in usages:
        raise VerificationException("signing certificate is not a server certificate")


class TimestampVerifier(AbstractVerifier):
    """The request's own timestamp within 150 seconds of our clock, either way (no replays).

    Skill events (``AlexaSkillEvent.*``, e.g. SkillDisabled) may be up to an hour old, as Alexa
    documents; they are still refused from the future beyond the normal 150 seconds.
    """

    def __init__(
        self,
        clock: Clock = utc_now,
        tolerance: timedelta = TIMESTAMP_TOLERANCE,
        event_tolerance: timedelta = SKILL_EVENT_TOLERANCE,
    ) -> None:
        self._clock = clock
        self._tolerance = tolerance
        self._event_tolerance = event_tolerance

    def verify(
        self,
        headers: Mapping[str, Any],
        serialized_request_env: str,
        deserialized_request_env: Any,
    ) -> None:
        stamp = parse_timestamp(field(deserialized_request_env, "request", "timestamp"))
        if stamp is None:
            raise VerificationException("request has no timestamp")
        age = self._clock() - stamp
        request_type = field(deserialized_request_env, "request", "type")
        is_event = isinstance(request_type, str) and request_type.startswith(SKILL_EVENT_PREFIX)
        if is_event and timedelta(0) <= age <= self._event_tolerance:
            return
        if abs(age) > self._tolerance:
            raise VerificationException("request timestamp is more than 150 seconds away")


class SkillIdVerifier(AbstractVerifier):
    """Requests for any other skill are refused.

    The ID in ``context.System`` must match (Alexa always sends it), and so must the one in
    ``session`` when there is a session. The SDK's own check runs inside ``skill.invoke``,
    after the SDK has parsed the whole envelope; this one reads the raw, checked envelope
    before anything else has been spent on it.
    """

    def __init__(self, skill_id: str) -> None:
        self._skill_id = skill_id

    def verify(
        self,
        headers: Mapping[str, Any],
        serialized_request_env: str,
        deserialized_request_env: Any,
    ) -> None:
        envelope = deserialized_request_env
        ids = [field(envelope, "context", "System", "application", "applicationId")]
        if field(envelope, "session") is not None:
            ids.append(field(envelope, "session", "application", "applicationId"))
        if any(app_id != self._skill_id for app_id in ids):
            raise VerificationException("request is for a different skill")


def load_pem_roots(paths: Iterable[Path]) -> list[x509.Certificate]:
    """Every certificate in the given PEM files; unparseable blocks are skipped, not fatal."""
    roots: list[x509.Certificate] = []
    for path in paths:
        data = path.read_bytes()
        for block in data.split(b"-----END CERTIFICATE-----"):
            start = block.find(b"-----BEGIN CERTIFICATE-----")
            if start < 0:
                continue
            pem = block[start:] + b"-----END CERTIFICATE-----"
            try:
                with warnings.catch_warnings():  # some old system roots have odd serials
                    warnings.simplefilter("ignore")
                    roots.append(x509.load_pem_x509_certificate(pem))
            except ValueError:
                log.debug("skipping an unparseable certificate in %s", path)
    return roots


def system_trust_roots() -> list[x509.Certificate]:
    """The operating system's CA bundle (where OpenSSL looks by default), not certifi's copy."""
    paths = ssl.get_default_verify_paths()
    candidates = [paths.cafile, paths.openssl_cafile]
    files = [Path(p) for p in candidates if p and Path(p).is_file()]
    if files:
        return load_pem_roots(files[:1])
    capath = paths.capath or paths.openssl_capath
    if capath and Path(capath).is_dir():
        return load_pem_roots(sorted(Path(capath).glob("*.pem")))
    return []
