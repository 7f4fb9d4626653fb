"""Certificate downloads are rationed: anyone can name a chain URL before any signature is checked.

Unit tests of :class:`~skill.web.certcache.CertCache` and the signature verifier's ordering, then a
flood end to end: the real server (in-process, real HTTP on 127.0.0.1) with a stand-in for S3
that takes a second per download, eight clients posting unsigned envelopes with new chain URLs,
and one genuine client whose requests must keep answering quickly. Nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from certs import CERT_URL, SKILL_ID, body_of, envelope, make_pki, signed_headers
from serve_process import serving_in_thread, timed_request, timed_signed_launch

from skill.settings import Settings
from skill.web.app import create_app
from skill.web.certcache import CertCache, CertFetchError
from skill.web.verification import SignatureVerifier, VerificationException


def _url(name: str) -> str:
    return f"https://s3.amazonaws.com/echo.api/{name}.pem"


class SlowS3:
    """Serves the test chain at CERT_URL; anything else is a 404 after ``delay_s``.

    Records how many downloads ran at once, the number a flood would push up.
    """

    def __init__(self, chain: bytes, delay_s: float = 0.0) -> None:
        self.chain, self.delay_s = chain, delay_s
        self.calls: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self.release = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, url: str) -> bytes:
        with self._lock:
            self.calls.append(url)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            if self.delay_s:
                self.release.wait(self.delay_s)
            if url == CERT_URL:
                return self.chain
            raise CertFetchError("certificate download answered HTTP 404")
        finally:
            with self._lock:
                self.running -= 1


# --- the cache -------------------------------------------------------------------------------


def test_a_failed_url_is_not_fetched_again_until_its_time_is_up(pki: Any) -> None:
    s3 = SlowS3(pki.chain_pem())
    now = [0.0]
    cache = CertCache(fetch=s3, failure_ttl_s=600, monotonic=lambda: now[0])
    for _ in range(3):
        with pytest.raises(CertFetchError):
            cache.get(_url("missing"))
    assert s3.calls == [_url("missing")]
    now[0] += 601
    with pytest.raises(CertFetchError, match="404"):
        cache.get(_url("missing"))
    assert len(s3.calls) == 2


def test_the_negative_cache_is_bounded(pki: Any) -> None:
    cache = CertCache(fetch=SlowS3(pki.chain_pem()), max_failures=3)
    for i in range(10):
        with pytest.raises(CertFetchError):
            cache.get(_url(f"gone-{i}"))
    assert len(cache._failed) == 3


def _in_threads(calls: list[Callable[[], Any]]) -> list[threading.Thread]:
    threads = [threading.Thread(target=call, daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    return threads


def _wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_downloads_are_capped_and_the_rest_refused_at_once(pki: Any) -> None:
    s3 = SlowS3(pki.chain_pem(), delay_s=10)
    cache = CertCache(fetch=s3, max_downloads=2)
    cache.put(_url("known"), pki.chain_pem())

    def attempt(name: str) -> Callable[[], None]:
        def run() -> None:
            with contextlib.suppress(CertFetchError):
                cache.get(_url(name))

        return run

    threads = _in_threads([attempt("slow-1"), attempt("slow-2")])
    try:
        _wait_for(lambda: s3.running == 2)
        started = time.monotonic()
        with pytest.raises(CertFetchError, match="too many certificate downloads"):
            cache.get(_url("slow-3"))
        assert cache.get(_url("known")).certs[0] == pki.leaf  # a known chain never waits
        assert time.monotonic() - started < 0.5
    finally:
        s3.release.set()
        for thread in threads:
            thread.join(timeout=5)
    assert s3.most_at_once == 2 and _url("slow-3") not in s3.calls


def test_requests_for_the_same_new_url_share_one_download(pki: Any) -> None:
    s3 = SlowS3(pki.chain_pem(), delay_s=0.3)
    cache = CertCache(fetch=s3, max_downloads=2)
    got: list[Any] = []
    threads = _in_threads([lambda: got.append(cache.get(CERT_URL)) for _ in range(2)])
    for thread in threads:
        thread.join(timeout=5)
    assert s3.calls == [CERT_URL]
    assert len(got) == 2 and got[0] is got[1]


def test_a_chain_that_verified_requests_outlives_unknown_ones(pki: Any) -> None:
    cache = CertCache(max_entries=2)
    cache.put(_url("amazon"), pki.chain_pem()).verified = True
    for i in range(5):
        cache.put(_url(f"other-{i}"), pki.chain_pem())
    assert cache.get(_url("amazon")).verified
    assert len(cache) == 2


# --- the verifier: cheap checks first, failures remembered ------------------------------------


def test_nothing_is_fetched_for_a_request_that_fails_a_cheap_check(pki: Any) -> None:
    s3 = SlowS3(pki.chain_pem())
    verifier = SignatureVerifier(CertCache(fetch=s3), [pki.root])
    body = body_of(envelope())
    for headers in (
        {"SignatureCertChainUrl": _url("new")},  # no signature at all
        {"SignatureCertChainUrl": _url("new"), "Signature-256": "%%% not base64"},
        {"SignatureCertChainUrl": "https://evil.example/echo.api/x.pem", "Signature-256": "AA=="},
    ):
        with pytest.raises(VerificationException):
            verifier.verify(headers, body.decode(), None)
    assert s3.calls == []


def test_a_chain_that_fails_validation_is_not_fetched_again(pki: Any) -> None:
    url = _url("attacker")
    s3 = SlowS3(make_pki(root_name="Attacker Root CA").chain_pem())
    cache = CertCache(fetch=lambda u: s3(CERT_URL))  # serves the attacker's chain anywhere
    verifier = SignatureVerifier(cache, [pki.root])
    body = body_of(envelope())
    with pytest.raises(VerificationException, match="not trusted"):
        verifier.verify(signed_headers(body, url=url), body.decode(), None)
    with pytest.raises(VerificationException, match="failed recently"):
        verifier.verify(signed_headers(body, url=url), body.decode(), None)
    assert len(s3.calls) == 1 and len(cache) == 0


# --- a flood of new chain URLs against the real server -----------------------------------------

FLOOD_CLIENTS = 8
FLOOD_S = 4.0


@pytest.mark.slow
def test_a_flood_of_new_chain_urls_leaves_genuine_requests_fast() -> None:
    """8 clients post unsigned envelopes with new chain URLs; each download takes a second.

    Before the downloads were rationed, every worker thread sat in one and genuine requests
    waited behind them (throughput fell from about 1,400 to about 40 requests per 10 s).
    """
    pki = make_pki()
    s3 = SlowS3(pki.chain_pem(), delay_s=1.0)
    cache = CertCache(fetch=s3)
    cache.put(CERT_URL, pki.chain_pem())
    settings = Settings(skill_id=SKILL_ID, persistence="none", workers=4)
    app = create_app(settings, cert_cache=cache, trust_roots=[pki.root])
    stop = threading.Event()
    refused: list[int | str] = []

    def flood() -> None:
        while not stop.is_set():
            body = body_of(envelope())
            headers = {
                "Content-Type": "application/json",
                "SignatureCertChainUrl": _url(f"flood-{uuid.uuid4()}"),
                "Signature-256": "AAAA",
            }
            refused.append(timed_request(port, "POST", "/", body, headers, timeout=10)[0])

    genuine: list[tuple[int | str, float]] = []
    with serving_in_thread(app, settings) as port:
        assert timed_signed_launch(port)[0] == 200  # validates the known chain once
        attackers = _in_threads([flood] * FLOOD_CLIENTS)
        try:
            time.sleep(0.5)
            ends = time.monotonic() + FLOOD_S
            while time.monotonic() < ends:
                status, took, _ = timed_signed_launch(port, timeout=10)
                genuine.append((status, took))
        finally:
            stop.set()
            s3.release.set()
            for thread in attackers:
                thread.join(timeout=15)
    assert refused and set(refused) == {400}
    assert s3.most_at_once <= 2
    slow = [g for g in genuine if g[0] != 200 or g[1] >= 1.0]
    assert not slow, slow[:5]
    assert len(genuine) >= 10, f"only {len(genuine)} genuine requests in {FLOOD_S} s"
