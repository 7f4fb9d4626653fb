"""Property: whatever arrives at the endpoint, the answer is never a 5xx and never a stack trace.

Random bytes, random JSON, and genuine envelopes mutated at random places (then signed
properly, so they get past verification and reach the SDK and the skill).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from certs import CERT_URL, SKILL_ID, body_of, envelope, make_pki, signed_headers
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill.settings import Settings
from skill.web import certcache
from skill.web.app import KNOWN_REQUEST_TYPES, create_app
from skill.web.certcache import CertCache, CertFetchError

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
request_types = st.sampled_from(sorted(KNOWN_REQUEST_TYPES)) | st.text(max_size=30)


@pytest.fixture(scope="module")
def clients() -> Iterator[dict[str, FlaskClient]]:
    """One verifying app (test root trusted, cache pre-filled) and one dev-mode app."""

    def refuse(url: str, **_: Any) -> bytes:
        raise CertFetchError("network disabled in tests")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(certcache, "download", refuse)
        pki = make_pki()
        cache = CertCache()
        cache.put(CERT_URL, pki.chain_pem())
        strict = Settings(skill_id=SKILL_ID, persistence="none")
        dev = Settings(skill_id=SKILL_ID, persistence="none", verify_requests=False)
        yield {
            "strict": create_app(strict, cert_cache=cache, trust_roots=[pki.root]).test_client(),
            "dev": create_app(dev).test_client(),
        }


def _assert_sane(response: Any) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)
    assert b"Traceback" not in response.data
    payload = response.get_json(silent=True)
    assert isinstance(payload, dict)
    if response.status_code >= 400:
        assert set(payload) == {"error"} and len(payload["error"]) < 80
    else:
        assert "response" in payload


@FUZZ
@given(
    body=st.binary(max_size=2048),
    content_type=st.sampled_from(["application/json", "text/plain", "", "application/json; x"]),
)
def test_random_bytes_never_5xx(
    clients: dict[str, FlaskClient], body: bytes, content_type: str
) -> None:
    for client in clients.values():
        _assert_sane(client.post("/", data=body, headers={"Content-Type": content_type}))


@FUZZ
@given(value=json_values)
def test_random_json_never_5xx(clients: dict[str, FlaskClient], value: Any) -> None:
    body = json.dumps(value).encode()
    _assert_sane(clients["dev"].post("/", data=body, headers={"Content-Type": "application/json"}))


def _mutate(data: st.DataObject, env: dict[str, Any]) -> dict[str, Any]:
    """Delete, replace or retype a value at a random depth of a copy of ``env``."""
    env = copy.deepcopy(env)
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        node: Any = env
        while True:
            keys = sorted(node) if isinstance(node, dict) else []
            if not keys:
                break
            key = data.draw(st.sampled_from(keys), label="key")
            child = node[key]
            if isinstance(child, dict) and child and data.draw(st.booleans(), label="deeper"):
                node = child
                continue
            action = data.draw(st.sampled_from(["delete", "replace", "type"]), label="action")
            if action == "delete":
                del node[key]
            elif action == "type":
                node[key] = data.draw(request_types, label="type")
            else:
                node[key] = data.draw(json_values, label="value")
            break
    return env


@FUZZ
@given(data=st.data(), request_type=request_types)
def test_mutated_signed_envelopes_never_5xx(
    clients: dict[str, FlaskClient], data: st.DataObject, request_type: str
) -> None:
    extra = {"intent": {"name": data.draw(st.text(max_size=30), label="intent"), "slots": {}}}
    env = _mutate(data, envelope(request_type, extra_request=extra))
    body = body_of(env)
    headers = signed_headers(body)
    for client in clients.values():
        _assert_sane(client.post("/", data=body, headers=headers))


@FUZZ
@given(
    url=st.text(max_size=80) | st.just(CERT_URL) | st.builds(lambda s: CERT_URL + s, st.text()),
    signature=st.text(max_size=400),
)
def test_random_verification_headers_never_5xx(
    clients: dict[str, FlaskClient], url: str, signature: str
) -> None:
    body = body_of(envelope())
    headers = {"Content-Type": "application/json", "SignatureCertChainUrl": url}
    headers["Signature-256"] = signature
    try:
        response = clients["strict"].post("/", data=body, headers=headers)
    except ValueError:  # the *test client* refuses header values with newlines; so would HTTP
        return
    _assert_sane(response)
    assert response.status_code == 400
