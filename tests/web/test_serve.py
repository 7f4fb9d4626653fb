"""``knee-coach serve`` under attack and misconfiguration, end to end on 127.0.0.1.

The server is the real one in a subprocess (``tests/serve_process.py``). Slow-client attacks are
bounded in count (150 sockets at most) and time (15 s at most), as the red-team issue set them.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from certs import body_of, envelope, signed_headers
from serve_process import (
    ServeProcess,
    Trickler,
    running_serve,
    server_env,
    signed_launch_at_once,
    timed_get,
    timed_request,
    timed_signed_launch,
    trickling_process,
    verifying_env,
)

from skill.web.checks import MAX_BODY_BYTES
from skill.web.container import DRAIN_LIMIT

pytestmark = pytest.mark.slow

ATTACKERS = 150
ATTACK_S = 15.0
PROBE_EVERY_S = 0.5
ANSWER_WITHIN_S = 1.0


@pytest.fixture(scope="module")
def verifying_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """Default limits (10 s header and body timeouts, 1000 connections), verification on."""
    tmp = tmp_path_factory.mktemp("serve")
    with running_serve(tmp, server_env(tmp, verifying_env(tmp))) as server:
        yield server


@pytest.fixture(scope="module")
def tight_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """Short time bounds, so the bounds themselves can be watched within a test's time."""
    tmp = tmp_path_factory.mktemp("tight")
    limits = {"KNEE_COACH_HEADER_TIMEOUT_S": "1", "KNEE_COACH_BODY_TIMEOUT_S": "1"}
    with running_serve(tmp, server_env(tmp, {**verifying_env(tmp), **limits})) as server:
        yield server


@pytest.fixture(scope="module")
def capped_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """Room for only 20 connections (and the default 10 s bounds, so held sockets stay)."""
    tmp = tmp_path_factory.mktemp("capped")
    limits = {"KNEE_COACH_MAX_CONNECTIONS": "20"}
    with running_serve(tmp, server_env(tmp, {**verifying_env(tmp), **limits})) as server:
        yield server


def test_health_and_signed_requests_answer_while_150_clients_trickle(
    verifying_server: ServeProcess,
) -> None:
    """The acceptance scenario: 150 trickling sockets for 15 s; every probe answers in < 1 s."""
    port = verifying_server.port
    attack = Trickler(port, ATTACKERS, interval_s=2.0)
    attack.start()
    probes: list[tuple[str, int | str, float]] = []
    try:
        deadline = time.monotonic() + 5
        while attack.open_now < ATTACKERS and time.monotonic() < deadline:
            time.sleep(0.05)
        assert attack.open_now >= ATTACKERS * 0.9, "the attack never got going"
        ends = time.monotonic() + ATTACK_S
        while time.monotonic() < ends:
            status, took = timed_get(port, timeout=3.0)
            probes.append(("healthz", status, took))
            status, took, body = timed_signed_launch(port, timeout=3.0)
            probes.append(("launch", status, took))
            assert status != 200 or b'"outputSpeech"' in body
            time.sleep(PROBE_EVERY_S)
    finally:
        attack.stop.set()
        attack.join(timeout=10)
    assert attack.max_open >= ATTACKERS * 0.9
    assert len(probes) >= 2 * 10
    slow_or_failed = [p for p in probes if p[1] != 200 or p[2] >= ANSWER_WITHIN_S]
    assert not slow_or_failed, slow_or_failed[:5]
    # The defaults held the attack for as long as it trickled: each header line within 10 s
    # kept a socket open at most 10 s, after which the attacker had to come back.
    assert attack.closed_by_server >= ATTACKERS * 0.9
    assert max(attack.lifetimes) < 10 + 3


def test_headers_that_never_finish_are_cut_off_however_they_trickle(
    tight_server: ServeProcess,
) -> None:
    """A byte every 0.2 s resets any idle timer; the header bound (1 s here) still holds."""
    attack = Trickler(tight_server.port, 5, interval_s=0.2, reconnect=False)
    attack.start()
    attack.join(timeout=6)
    attack.stop.set()
    attack.join(timeout=5)
    assert attack.closed_by_server == 5, "a trickling client kept its connection"
    assert max(attack.lifetimes) < 3.0


def test_a_body_that_never_finishes_is_cut_off(tight_server: ServeProcess) -> None:
    attack = Trickler(tight_server.port, 5, interval_s=0.2, mode="body", reconnect=False)
    attack.start()
    attack.join(timeout=6)
    attack.stop.set()
    attack.join(timeout=5)
    assert attack.closed_by_server == 5, "a trickling body kept its connection"
    assert max(attack.lifetimes) < 3.0


def _answer_on_a_new_connection(port: int) -> tuple[bytes, float]:
    extra = socket.create_connection(("127.0.0.1", port), timeout=5)
    started = time.monotonic()
    extra.settimeout(2.0)
    try:
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = extra.recv(100)
    except OSError:
        answer = b""
    finally:
        extra.close()
    return answer, time.monotonic() - started


def _closed_by_server(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def test_at_the_limit_the_longest_waiting_connection_makes_room(
    capped_server: ServeProcess,
) -> None:
    """20 connections that never send a request fill the cap; the next one is served, and the
    one that has waited longest is the one closed for it."""
    port = capped_server.port
    held = []
    for _ in range(20):
        held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        time.sleep(0.02)  # accepted in this order
    try:
        time.sleep(0.5)  # the server has accepted all 20
        answer, took = _answer_on_a_new_connection(port)
        assert answer.startswith(b"HTTP/1.1 200"), answer
        assert took < 1.0
        deadline = time.monotonic() + 2
        while not _closed_by_server(held[0]):
            assert time.monotonic() < deadline, "the longest-waiting connection stayed open"
            time.sleep(0.05)
        assert not any(_closed_by_server(sock) for sock in held[1:])
    finally:
        for sock in held:
            sock.close()
    assert "connection limit (20) reached" in capped_server.log_text()


def _probe_while(port: int, seconds: float) -> list[tuple[int | str, float]]:
    probes = []
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        probes.append(signed_launch_at_once(port, timeout=3.0))
        time.sleep(0.2)
    return probes


@pytest.mark.parametrize("attackers", [20, 60])
def test_idle_sockets_that_reconnect_do_not_block_real_requests(
    capped_server: ServeProcess, attackers: int
) -> None:
    """Idle sockets that reconnect the moment they are cut, from another process: as many as
    the cap (the issue's 1,000 against 1,000, scaled to 20) and three times as many. Genuine
    requests, sent whole as a front sends them, keep answering at once: the idle sockets are
    the ones closed to make room. (Before, a new connection at the cap was closed at once.)"""
    port = capped_server.port
    with trickling_process(port, attackers, mode="idle", seconds=12):
        time.sleep(2)  # every slot taken
        probes = _probe_while(port, 4.0)
    answered = [p for p in probes if p[0] == 200 and p[1] < ANSWER_WITHIN_S]
    assert len(probes) >= 10
    # Every one of 261 (at the cap) and 317 (three times it) answered here, but a probe that
    # this busy machine pauses between its connect and its first byte can lose its slot to
    # the idle sockets' churn (thousands of connections a second): not a guarantee, see
    # docs/web.md. Before, at the cap, every new connection was closed at once.
    assert len(answered) >= 0.9 * len(probes), probes


TOO_LARGE = b'{"error":"request entity too large"}\n'


@pytest.mark.parametrize("size", [MAX_BODY_BYTES + 1, 200_000, DRAIN_LIMIT])
def test_oversized_body_is_a_clear_413(verifying_server: ServeProcess, size: int) -> None:
    headers = {"Content-Type": "application/json"}
    status, _, body = timed_request(verifying_server.port, "POST", "/", b"x" * size, headers)
    assert status == 413 and body == TOO_LARGE
    assert timed_get(verifying_server.port)[0] == 200


def test_beyond_what_is_drained_the_server_hangs_up_with_a_4xx(
    verifying_server: ServeProcess,
) -> None:
    head = f"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {DRAIN_LIMIT + 1}\r\n\r\n"
    with socket.create_connection(("127.0.0.1", verifying_server.port), timeout=5) as sock:
        sock.sendall(head.encode())
        answer = sock.recv(200)
    assert answer.startswith(b"HTTP/1.1 400"), answer
    assert timed_get(verifying_server.port)[0] == 200


def test_a_body_announced_too_large_is_answered_without_holding_it(
    verifying_server: ServeProcess,
) -> None:
    """The 413 comes once the announced body has been read and dropped, however it is sent:
    declared, or chunked (counted as it arrives)."""
    port = verifying_server.port
    head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    declared = head + b"Content-Length: 100000\r\n\r\n" + b"x" * 100_000
    piece = b"x" * 10_000
    chunked = head + b"Transfer-Encoding: chunked\r\n\r\n"
    chunked += b"%x\r\n%s\r\n" % (len(piece), piece) * 10 + b"0\r\n\r\n"
    for request in (declared, chunked):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(request)
            answer = b""
            while not answer.endswith(TOO_LARGE):
                data = sock.recv(4096)
                assert data, answer
                answer += data
        assert answer.startswith(b"HTTP/1.1 413"), answer


def test_a_chunked_request_reaches_the_skill_whole(verifying_server: ServeProcess) -> None:
    """Werkzeug reads no body without a length unless told the input ends: chunked requests
    (which Caddy forwards as they come) used to arrive empty."""
    body = body_of(envelope("LaunchRequest"))
    headers = "".join(f"{k}: {v}\r\n" for k, v in signed_headers(body).items())
    half = len(body) // 2
    request = (
        f"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    request += b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (
        half,
        body[:half],
        len(body) - half,
        body[half:],
    )
    with socket.create_connection(("127.0.0.1", verifying_server.port), timeout=5) as sock:
        sock.sendall(request)
        answer = b""
        while data := sock.recv(65536):
            answer += data
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
    assert b'"outputSpeech"' in answer


def test_the_issues_junk_timestamp_is_refused_at_once(verifying_server: ServeProcess) -> None:
    """126 KB of "1." as the timestamp: over the body limit, so never even parsed."""
    body = body_of(envelope(skill_id="amzn1.ask.skill.other", timestamp="1." * 63000))
    status, _, answer = timed_request(
        verifying_server.port, "POST", "/", body, {"Content-Type": "application/json"}
    )
    assert status == 413 and answer == TOO_LARGE


def test_verifying_serve_refuses_to_start_without_a_skill_id(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = server_env(tmp_path, verifying_env(tmp_path))
    del env["KNEE_COACH_SKILL_ID"]
    done = subprocess.run(
        [sys.executable, "-m", "skill.cli", "serve", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "KNEE_COACH_SKILL_ID" in done.stderr and "--any-skill" in done.stderr
    assert "listening" not in done.stdout


def test_any_skill_is_an_explicit_choice(tmp_path: Path) -> None:
    env = server_env(tmp_path, verifying_env(tmp_path))
    del env["KNEE_COACH_SKILL_ID"]
    with running_serve(tmp_path, env, ["--any-skill"]) as server:
        status, _, _ = timed_signed_launch(server.port)
        assert status == 200
    assert "accepting signed requests for any skill" in server.log_text()


def _serve_logs_with_dynamodb(tmp: Path, moto: Any, extra: dict[str, str]) -> str:
    """Run one dev-mode LaunchRequest through serve backed by moto; return the server's log.

    The record is written too (a new user's launch stores the intro flag), so both a read
    and a write went through botocore."""
    from certs import body_of, envelope

    env = server_env(
        tmp,
        {
            "KNEE_COACH_PERSISTENCE": "dynamodb",
            "KNEE_COACH_DYNAMODB_ENDPOINT": moto.endpoint,
            "KNEE_COACH_AWS_REGION": "us-east-1",
            "KNEE_COACH_USER_KEY_SECRET": "a-test-deployment-secret-of-32-chars",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": SESSION_TOKEN,
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "AWS_EC2_METADATA_DISABLED": "true",
            **extra,
        },
    )
    with running_serve(tmp, env, ["--dev"]) as server:
        body = body_of(envelope("LaunchRequest"))
        status, _, _ = timed_request(
            server.port, "POST", "/", body, {"Content-Type": "application/json"}
        )
        assert status == 200
    return server.log_text()


SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKENTHATMUSTNOTLEAK"


def test_debug_logging_never_lets_botocore_print_requests(tmp_path: Path, dynamodb: Any) -> None:
    """KNEE_COACH_LOG_LEVEL=DEBUG is for our loggers; botocore would print the security
    token, the keyed hash and whole items."""
    quiet = _serve_logs_with_dynamodb(tmp_path, dynamodb, {"KNEE_COACH_LOG_LEVEL": "DEBUG"})
    assert SESSION_TOKEN not in quiet and "X-Amz-Security-Token" not in quiet
    assert "botocore" not in quiet
    named = _serve_logs_with_dynamodb(
        tmp_path, dynamodb, {"KNEE_COACH_LOG_LEVEL": "DEBUG", "KNEE_COACH_LOG_LOGGERS": "botocore"}
    )
    assert "X-Amz-Security-Token" in named  # only when asked for by name: the test sees leaks
