"""A throwaway PKI shaped like Alexa's, plus signed request envelopes, for offline tests.

Root CA -> intermediate CA -> leaf for ``echo-api.amazon.com``, all made with ``cryptography``.
Tests trust the root, pre-fill the certificate cache with the chain under a fake (but rule
abiding) S3 URL, and sign request bodies with the leaf key exactly as Alexa does.
Also imported by ``scripts/load_web.py``.
"""

from __future__ import annotations

import base64
import functools
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-knee-coach-test.pem"
SKILL_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"
SIGNING_DOMAIN = "echo-api.amazon.com"


@functools.cache
def _key(name: str) -> rsa.RSAPrivateKey:
    """One 2048-bit key per role, generated once per process (key generation is slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _ca_cert(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: rsa.RSAPrivateKey,
    now: datetime,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    return builder.sign(issuer_key, hashes.SHA256())


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf_cert(
    san: str,
    issuer: x509.Certificate,
    issuer_key: rsa.RSAPrivateKey,
    not_before: datetime,
    not_after: datetime,
) -> x509.Certificate:
    key = _key("leaf")
    return (
        x509.CertificateBuilder()
        .subject_name(_name(san))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .sign(issuer_key, hashes.SHA256())
    )


@dataclass(frozen=True)
class Pki:
    """Root, intermediate and leaf; :meth:`chain_pem` is what Amazon serves at the chain URL."""

    root: x509.Certificate
    intermediate: x509.Certificate
    leaf: x509.Certificate

    def chain_pem(self) -> bytes:
        return b"".join(
            cert.public_bytes(serialization.Encoding.PEM) for cert in (self.leaf, self.intermediate)
        )

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)


def make_pki(
    *,
    san: str = SIGNING_DOMAIN,
    root_name: str = "Knee Coach Test Root",
    leaf_not_before: datetime | None = None,
    leaf_not_after: datetime | None = None,
) -> Pki:
    """A fresh chain; the same root name and keys always give a root that trusts the others."""
    now = datetime.now(timezone.utc)
    root_key = _key(root_name)
    root = _ca_cert(root_name, root_key, None, root_key, now)
    inter_key = _key("intermediate")
    intermediate = _ca_cert("Knee Coach Test Intermediate", inter_key, root, root_key, now)
    leaf = _leaf_cert(
        san,
        intermediate,
        inter_key,
        leaf_not_before or now - timedelta(days=1),
        leaf_not_after or now + timedelta(days=30),
    )
    return Pki(root=root, intermediate=intermediate, leaf=leaf)


def sign(body: bytes, key_name: str = "leaf") -> str:
    """Base64 ``Signature-256`` of ``body``: RSA PKCS#1 v1.5 over SHA-256, as Alexa signs."""
    signature = _key(key_name).sign(body, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def alexa_timestamp(when: datetime | None = None) -> str:
    return (when or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(
    request_type: str = "LaunchRequest",
    *,
    skill_id: str = SKILL_ID,
    timestamp: str | None = None,
    extra_request: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A minimal, genuine-looking request envelope (fresh timestamp unless one is given)."""
    application = {"applicationId": skill_id}
    user = {"userId": "amzn1.ask.account.TEST"}
    return {
        "version": "1.0",
        "session": {
            "new": request_type == "LaunchRequest",
            "sessionId": f"amzn1.echo-api.session.{uuid.uuid4()}",
            "application": application,
            "attributes": {},
            "user": user,
        },
        "context": {"System": {"application": application, "user": user}},
        "request": {
            "type": request_type,
            "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
            "timestamp": timestamp or alexa_timestamp(),
            "locale": "en-US",
            **(extra_request or {}),
        },
    }


def body_of(env: dict[str, Any]) -> bytes:
    return json.dumps(env).encode("utf-8")


def signed_headers(body: bytes, *, url: str = CERT_URL, key_name: str = "leaf") -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "SignatureCertChainUrl": url,
        "Signature-256": sign(body, key_name),
    }
