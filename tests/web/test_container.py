"""How ``knee-coach serve`` hands requests to the app (``skill.web.container``), real HTTP.

The server runs in this process (``serving_in_thread``) so the tests can count what it does:
one job on the thread pool per request (``tornado.wsgi.WSGIContainer`` made three), the
environ the app sees, and which connection makes room at the connection cap.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from certs import CERT_URL, SKILL_ID, body_of, envelope, make_pki, signed_headers
from serve_process import serving_in_thread

from skill.settings import Settings
from skill.web import serve
from skill.web.app import create_app
from skill.web.certcache import CertCache
from skill.web.container import ARRIVING_S, Waiting


class CountingExecutor(ThreadPoolExecutor):
    jobs = 0
    lock = threading.Lock()

    def submit(self, *args: Any, **kwargs: Any) -> Any:
        with CountingExecutor.lock:
            CountingExecutor.jobs += 1
        return super().submit(*args, **kwargs)


@pytest.fixture
def counted_port(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setattr(serve, "ThreadPoolExecutor", CountingExecutor)
    pki = make_pki()
    cache = CertCache()
    cache.put(CERT_URL, pki.chain_pem())
    settings = Settings(skill_id=SKILL_ID, persistence="none")
    app = create_app(settings, cert_cache=cache, trust_roots=[pki.root])
    with serving_in_thread(app, settings) as port:
        yield port


def test_each_request_is_one_job_on_the_thread_pool(counted_port: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", counted_port, timeout=10)
    CountingExecutor.jobs = 0
    for _ in range(10):
        body = body_of(envelope())
        conn.request("POST", "/", body=body, headers=signed_headers(body))
        response = conn.getresponse()
        assert response.status == 200 and b'"outputSpeech"' in response.read()
        conn.request("GET", "/healthz")
        assert conn.getresponse().read() == b'{"status":"ok"}\n'
    conn.close()
    assert CountingExecutor.jobs == 20


def _exchange(port: int, request: bytes) -> bytes:
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        while data := sock.recv(65536):
            answer += data
    return answer


def test_the_app_sees_the_request_as_sent(counted_port: int) -> None:
    """Percent-escapes in the path are undone, the query is kept, a chunked body arrives whole
    with its length, and nothing says it was chunked."""
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(environ)
        seen["body"] = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    settings = Settings(skill_id=SKILL_ID, persistence="none")
    with serving_in_thread(app, settings) as port:
        answer = _exchange(
            port,
            b"POST /a%20b?x=1 HTTP/1.1\r\nHost: example.org:8443\r\nConnection: close\r\n"
            b"X-Thing: yes\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        )
    assert answer.startswith(b"HTTP/1.1 200 OK") and answer.endswith(b"\r\n\r\nok")
    assert seen["PATH_INFO"] == "/a b" and seen["QUERY_STRING"] == "x=1"
    assert (seen["SERVER_NAME"], seen["SERVER_PORT"]) == ("example.org", "8443")
    assert seen["body"] == b"abcde" and seen["CONTENT_LENGTH"] == "5"
    assert seen["CONTENT_TYPE"] == "application/json" and seen["HTTP_X_THING"] == "yes"
    assert "HTTP_TRANSFER_ENCODING" not in seen and seen["wsgi.input_terminated"] is True


def test_an_app_that_fails_outside_flask_gets_a_json_500() -> None:
    def broken(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise RuntimeError("a bug")

    settings = Settings(skill_id=SKILL_ID, persistence="none")
    with serving_in_thread(broken, settings) as port:
        answer = _exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 500") and answer.endswith(b'{"error":"internal error"}\n')
    assert b"a bug" not in answer


# --- which connection makes room ---------------------------------------------------------------


class FakeStream:
    """What ``Waiting`` reads of an ``IOStream``: its socket, and its reads from it."""

    def __init__(self) -> None:
        self.socket, self.peer = socket.socketpair()
        self.socket.setblocking(False)

    def read_from_fd(self, buf: bytearray) -> int | None:
        try:
            return self.socket.recv_into(buf)
        except BlockingIOError:
            return None

    def close(self) -> None:
        self.socket.close()
        self.peer.close()


@pytest.fixture
def streams() -> Iterator[list[Any]]:
    made = [FakeStream() for _ in range(4)]
    yield made
    for stream in made:
        stream.close()


def test_the_longest_waiting_idle_connection_makes_room(streams: list[Any]) -> None:
    now = [100.0]
    waiting = Waiting(clock=lambda: now[0])
    for stream in streams:
        waiting.join(stream)
    assert waiting.idle() is streams[0]
    streams[0].peer.sendall(b"POST / HTTP/1.1\r\n")  # its request starts to arrive (unread)
    assert waiting.idle() is streams[1]
    streams[1].peer.sendall(b"GET /")
    assert streams[1].read_from_fd(bytearray(100)) == 5  # read by the server: still arriving
    assert waiting.idle() is streams[2]
    waiting.done(streams[2])  # its request is complete: in the app, never cut
    assert waiting.idle() is streams[3]
    waiting.done(streams[3])
    assert waiting.idle() is None  # everyone is receiving a request: the new one is refused
    now[0] += ARRIVING_S
    assert waiting.idle() is streams[0], "a request still arriving after a second is slow"
    assert len(waiting) == 2


def test_a_kept_alive_connection_waits_again_from_the_back(streams: list[Any]) -> None:
    waiting = Waiting(clock=time.monotonic)
    for stream in streams[:2]:
        waiting.join(stream)
    waiting.done(streams[0])  # a request came in and was answered
    waiting.start(streams[0])  # kept alive: waiting for the next one, the newest now
    assert waiting.idle() is streams[1]
