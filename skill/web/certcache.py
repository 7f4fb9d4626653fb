"""A small, bounded cache of the certificate chains Alexa signs requests with.

Every Alexa request names the chain that signed it (``SignatureCertChainUrl``). Fetching it for
every request would be slow and would let anyone make us download things, so chains are kept
here: at most ``max_entries`` of them (least recently used goes first, but a chain that has
verified a request outlives any that has not), each download limited in time and size, no
redirects followed, and an entry dropped once any certificate in it has expired. An optional
directory keeps chains across restarts and lets tests and the load script pre-fill the cache
without a network. Whether a chain is *trustworthy* is not this module's business:
:mod:`skill.web.verification` validates every chain before using it.

Anyone can name a chain URL, before any signature has been checked, so downloads are rationed:

* at most ``max_downloads`` requests wait on downloads at any moment; another request that
  needs one is refused at once instead of queueing behind them, so requests for chains already
  here (every genuine request, once Amazon's chain is known) never wait on a download;
* two requests for the same URL share one download;
* a URL whose download failed is not tried again for ``failure_ttl_s`` (the negative cache,
  bounded to ``max_failures`` URLs).
"""

from __future__ import annotations

import hashlib
import threading
import time
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography import x509

MAX_ENTRIES = 16
MAX_DOWNLOADS = 2
"""Requests that may wait on certificate downloads at once (``serve`` has 4 threads)."""
FAILURE_TTL_S = 600.0
"""A chain URL that could not be fetched (or did not validate) is refused for this long."""
MAX_FAILURES = 1024
MAX_CHAIN_BYTES = 64 * 1024
"""A real chain is about 5 KB; anything much larger is not one."""
DOWNLOAD_TIMEOUT_S = 5.0
"""Total time allowed for one download, connect to last byte."""


class CertFetchError(Exception):
    """The chain could not be obtained or is not a PEM certificate chain."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class CachedChain:
    """One downloaded chain: leaf first, as Amazon serves it."""

    certs: tuple[x509.Certificate, ...]
    not_before: datetime
    """Latest ``not_valid_before`` in the chain: the chain is usable from then on."""
    not_after: datetime
    """Earliest ``not_valid_after`` in the chain: the entry expires then."""
    validated: Any = field(default=None, compare=False)
    """Set by the verifier once the chain has been validated (the leaf's public key)."""
    verified: bool = field(default=False, compare=False)
    """A request signed with this chain passed verification: a known Amazon chain."""


def parse_chain(pem: bytes) -> CachedChain:
    """Parse a PEM chain; raises :class:`CertFetchError` if it holds no certificate."""
    try:
        certs = tuple(x509.load_pem_x509_certificates(pem))
    except ValueError as exc:
        raise CertFetchError(f"not a PEM certificate chain: {exc}") from None
    return CachedChain(
        certs=certs,
        not_before=max(cert.not_valid_before_utc for cert in certs),
        not_after=min(cert.not_valid_after_utc for cert in certs),
    )


def cache_file_name(url: str) -> str:
    """File name under the cache directory for ``url`` (a hash, so any URL is a safe name)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest() + ".pem"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: the checked URL must be the one the bytes come from."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def download(
    url: str, *, timeout_s: float = DOWNLOAD_TIMEOUT_S, max_bytes: int = MAX_CHAIN_BYTES
) -> bytes:
    """GET ``url`` (https only) within ``timeout_s`` seconds and ``max_bytes`` bytes."""
    if not url.startswith("https://"):
        raise CertFetchError("certificate chains are fetched over https only")
    deadline = time.monotonic() + timeout_s
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=timeout_s) as response:
            if response.status != 200:
                raise CertFetchError(f"certificate download answered HTTP {response.status}")
            return _read_bounded(response, deadline, max_bytes)
    except OSError as exc:  # URLError, HTTPError, timeouts and socket errors
        raise CertFetchError(f"certificate download failed: {type(exc).__name__}") from None


def _read_bounded(response: Any, deadline: float, max_bytes: int) -> bytes:
    body = bytearray()
    while chunk := response.read(8192):
        body += chunk
        if len(body) > max_bytes:
            raise CertFetchError(f"certificate chain larger than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise CertFetchError("certificate download took too long")
    return bytes(body)


@dataclass
class _Flight:
    """One URL being fetched: its lock, and how many requests hold or wait for it."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    users: int = 0


class CertCache:
    """Thread-safe LRU of :class:`CachedChain` by (already checked) chain URL."""

    def __init__(
        self,
        *,
        max_entries: int = MAX_ENTRIES,
        cache_dir: Path | None = None,
        fetch: Callable[[str], bytes] | None = None,
        clock: Callable[[], datetime] = utc_now,
        max_downloads: int = MAX_DOWNLOADS,
        failure_ttl_s: float = FAILURE_TTL_S,
        max_failures: int = MAX_FAILURES,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: OrderedDict[str, CachedChain] = OrderedDict()
        self._failed: OrderedDict[str, float] = OrderedDict()  # url -> refused until (monotonic)
        self._in_flight: dict[str, _Flight] = {}
        self._lock = threading.Lock()
        self._download_slots = threading.BoundedSemaphore(max_downloads)
        self._max_entries = max_entries
        self._max_failures = max_failures
        self._failure_ttl_s = failure_ttl_s
        self._cache_dir = cache_dir
        self._fetch = fetch  # None: :func:`download`, looked up at call time (tests replace it)
        self._clock = clock
        self._monotonic = monotonic

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, url: str, pem: bytes) -> CachedChain:
        """Add a chain for ``url`` (pre-filling, or after a download)."""
        chain = parse_chain(pem)
        with self._lock:
            self._entries[url] = chain
            self._entries.move_to_end(url)
            self._failed.pop(url, None)
            while len(self._entries) > self._max_entries:
                self._evict_one()
        return chain

    def _evict_one(self) -> None:
        """The least recently used chain that never verified a request, else the oldest."""
        for url, chain in self._entries.items():
            if not chain.verified:
                del self._entries[url]
                return
        self._entries.popitem(last=False)

    def get(self, url: str) -> CachedChain:
        """The chain for ``url``: from memory, then the cache directory, then the network.

        Raises :class:`CertFetchError` at once when the URL failed recently or every download
        slot is taken.
        """
        chain = self._cached(url)
        if chain is not None:
            return chain
        if not self._download_slots.acquire(blocking=False):
            raise CertFetchError("too many certificate downloads in progress")
        try:
            with self._flight(url):  # a second request for the same URL waits for the first
                return self._cached(url) or self._load(url)
        finally:
            self._download_slots.release()

    def refuse(self, url: str) -> None:
        """Drop ``url``'s chain and refuse it for a while (it did not validate)."""
        with self._lock:
            self._entries.pop(url, None)
            self._remember_failure(url)

    def _cached(self, url: str) -> CachedChain | None:
        """The chain in memory, or None; raises if the URL is in the negative cache."""
        with self._lock:
            chain = self._entries.get(url)
            if chain is not None:
                if self._clock() < chain.not_after:
                    self._entries.move_to_end(url)
                    return chain
                del self._entries[url]
            until = self._failed.get(url)
            if until is not None:
                if self._monotonic() < until:
                    raise CertFetchError("certificate chain failed recently; not retried yet")
                del self._failed[url]
        return None

    def _load(self, url: str) -> CachedChain:
        try:
            pem = self._read_file(url)
            if pem is None:
                pem = (self._fetch or download)(url)
                self._write_file(url, pem)
            return self.put(url, pem)
        except CertFetchError:
            with self._lock:
                self._remember_failure(url)
            raise

    def _remember_failure(self, url: str) -> None:
        """Call with the lock held."""
        self._failed[url] = self._monotonic() + self._failure_ttl_s
        self._failed.move_to_end(url)
        while len(self._failed) > self._max_failures:
            self._failed.popitem(last=False)

    @contextmanager
    def _flight(self, url: str) -> Iterator[None]:
        """Serialise work on one URL; its lock lives only while someone holds or awaits it."""
        with self._lock:
            flight = self._in_flight.setdefault(url, _Flight())
            flight.users += 1
        try:
            with flight.lock:
                yield
        finally:
            with self._lock:
                flight.users -= 1
                if not flight.users:
                    del self._in_flight[url]

    def _path(self, url: str) -> Path | None:
        return None if self._cache_dir is None else self._cache_dir / cache_file_name(url)

    def _read_file(self, url: str) -> bytes | None:
        path = self._path(url)
        if path is None or not path.is_file():
            return None
        pem = path.read_bytes()[: MAX_CHAIN_BYTES + 1]
        try:
            fresh = len(pem) <= MAX_CHAIN_BYTES and self._clock() < parse_chain(pem).not_after
        except CertFetchError:
            return None  # unreadable file: fetch a fresh copy instead
        return pem if fresh else None

    def _write_file(self, url: str, pem: bytes) -> None:
        path = self._path(url)
        if path is None:
            return
        try:
            parse_chain(pem)  # never persist something that is not a chain
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(pem)
        except (OSError, CertFetchError):
            return
