"""A real ``knee-coach serve`` in a subprocess on a free 127.0.0.1 port, and clients for it.

* :func:`running_serve`: the server with verification ON (the throwaway test root trusted
  through ``KNEE_COACH_EXTRA_TRUST_ROOTS``, the signing chain pre-filled through
  ``KNEE_COACH_CERT_CACHE_DIR``, so nothing is downloaded), or in dev mode;
* :func:`timed_get` / :func:`timed_signed_launch`: one request, its status and its latency;
* :class:`Trickler`: many sockets that send a request one header line (or one body byte) every
  few seconds and reconnect when the server hangs up, the way a slow-client attack does.

Everything talks to 127.0.0.1 only and stops by itself (every wait has a deadline).
"""

from __future__ import annotations

import http.client
import os
import re
import selectors
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certs import CERT_URL, SKILL_ID, body_of, envelope, make_pki, signed_headers

from skill.web.certcache import cache_file_name

REPO = Path(__file__).resolve().parent.parent
STARTUP_S = 30.0


@dataclass
class ServeProcess:
    proc: subprocess.Popen[str]
    port: int
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def verifying_env(tmp: Path) -> dict[str, str]:
    """Settings for a verifying server that trusts the test root and has its chain cached."""
    pki = make_pki()
    (tmp / "root.pem").write_bytes(pki.root_pem())
    (tmp / "certs").mkdir(exist_ok=True)
    (tmp / "certs" / cache_file_name(CERT_URL)).write_bytes(pki.chain_pem())
    return {
        "KNEE_COACH_EXTRA_TRUST_ROOTS": str(tmp / "root.pem"),
        "KNEE_COACH_CERT_CACHE_DIR": str(tmp / "certs"),
        "KNEE_COACH_SKILL_ID": SKILL_ID,
    }


def server_env(tmp: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNEE_COACH_")}
    env.update(
        {
            "KNEE_COACH_PERSISTENCE": "none",
            "KNEE_COACH_SQLITE_PATH": str(tmp / "progress.db"),
            "KNEE_COACH_LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra or {})
    return env


@contextmanager
def running_serve(
    tmp: Path, env: dict[str, str] | None = None, args: Sequence[str] = ()
) -> Iterator[ServeProcess]:
    """``knee-coach serve --port 0 ARGS`` with ``env``; stopped however the block ends."""
    log_path = tmp / f"serve-{time.monotonic_ns()}.log"
    command = [sys.executable, "-m", "skill.cli", "serve", "--port", "0", *args]
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=log, text=True
        )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, f"no listening line: {line!r}\n{log_path.read_text()}"
        server = ServeProcess(proc, int(match.group(1)), log_path)
        deadline = time.monotonic() + STARTUP_S
        while timed_get(server.port, "/healthz", timeout=2.0)[0] != 200:
            assert time.monotonic() < deadline, f"never healthy:\n{server.log_text()}"
            time.sleep(0.05)
        yield server
    finally:
        stop_process(proc)


def stop_process(proc: subprocess.Popen[Any]) -> None:
    """Ask a server process to stop; kill it if it does not within ten seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def _connection(
    port: int, timeout: float, tls: ssl.SSLContext | None
) -> http.client.HTTPConnection:
    if tls is None:
        return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    return http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=tls)


def timed_request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    *,
    timeout: float = 5.0,
    tls: ssl.SSLContext | None = None,
) -> tuple[int | str, float, bytes]:
    """(status, or the error's name; seconds taken; body) of one request on a new connection."""
    started = time.monotonic()
    conn = _connection(port, timeout, tls)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, time.monotonic() - started, data
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__, time.monotonic() - started, b""
    finally:
        conn.close()


def timed_get(
    port: int, path: str = "/healthz", *, timeout: float = 5.0, tls: ssl.SSLContext | None = None
) -> tuple[int | str, float]:
    status, took, _ = timed_request(port, "GET", path, timeout=timeout, tls=tls)
    return status, took


def timed_signed_launch(
    port: int, *, timeout: float = 5.0, tls: ssl.SSLContext | None = None
) -> tuple[int | str, float, bytes]:
    """A freshly signed LaunchRequest, as Alexa sends it."""
    body = body_of(envelope("LaunchRequest"))
    return timed_request(port, "POST", "/", body, signed_headers(body), timeout=timeout, tls=tls)


def signed_launch_at_once(port: int, *, timeout: float = 5.0) -> tuple[int | str, float]:
    """A signed LaunchRequest sent whole the moment the connection opens, as a front sends it
    (``http.client`` sends the head and the body separately); its status and latency."""
    body = body_of(envelope("LaunchRequest"))
    head = "".join(f"{k}: {v}\r\n" for k, v in signed_headers(body).items())
    request = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{head}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    started = time.monotonic()
    answer = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(request)
            while data := sock.recv(65536):
                answer += data
    except OSError as exc:
        return type(exc).__name__, time.monotonic() - started
    found = re.match(rb"HTTP/1\.1 (\d{3}) ", answer)
    status: int | str = int(found.group(1)) if found else f"no answer {answer[:20]!r}"
    if status == 200 and b'"outputSpeech"' not in answer:
        status = "200 without speech"
    return status, time.monotonic() - started


@contextmanager
def trickling_process(
    port: int, count: int, *, mode: str = "headers", interval_s: float = 2.0, seconds: float = 30
) -> Iterator[subprocess.Popen[str]]:
    """A :class:`Trickler` in a process of its own (as an attacker is), for at most ``seconds``.

    In this process it would share the interpreter lock with the test's own clients, and a
    client delayed between connecting and sending is not what a real front does.
    """
    code = (
        "import sys, time\n"
        "from serve_process import Trickler\n"
        f"t = Trickler({port}, {count}, mode={mode!r}, interval_s={interval_s})\n"
        f"t.start(); t.join({seconds}); t.stop.set(); t.join(10)\n"
        "print(t.closed_by_server, flush=True)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "tests"), str(REPO)])}
    command = [sys.executable, "-c", code]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    try:
        yield proc
    finally:
        stop_process(proc)


class Trickler(threading.Thread):
    """``count`` connections, each sending one more line every ``interval_s`` seconds.

    ``mode="headers"``: the request line, then one header line at a time, never the blank line
    that ends the headers. ``mode="body"``: complete headers announcing a body, then one byte of
    it at a time. ``mode="idle"``: nothing at all, ever. A connection the server closes is
    counted and opened again, as an attacker would. ``max_open`` is the most connections that
    were open at once.
    """

    def __init__(
        self,
        port: int,
        count: int,
        *,
        interval_s: float = 2.0,
        mode: str = "headers",
        tls: ssl.SSLContext | None = None,
        reconnect: bool = True,
    ) -> None:
        super().__init__(daemon=True)
        self.port, self.count, self.interval_s = port, count, interval_s
        self.mode, self.tls, self.reconnect = mode, tls, reconnect
        self.stop = threading.Event()
        self.closed_by_server = 0
        self.max_open = 0
        self.opened_at: dict[socket.socket, float] = {}
        self.lifetimes: list[float] = []
        self._selector = selectors.DefaultSelector()

    def run(self) -> None:
        try:
            for _ in range(self.count):
                self._open()
            while not self.stop.is_set():
                deadline = time.monotonic() + self.interval_s
                while (left := deadline - time.monotonic()) > 0 and not self.stop.is_set():
                    for key, _ in self._selector.select(timeout=min(left, 0.1)):
                        self._readable(key.fileobj)  # type: ignore[arg-type]
                for sock in list(self.opened_at) if self.mode != "idle" else ():
                    self._send(sock, b"x" if self.mode == "body" else b"X-Slow: 1\r\n")
        finally:
            for sock in list(self.opened_at):
                self._close(sock)
            self._selector.close()

    @property
    def open_now(self) -> int:
        return len(self.opened_at)

    def _open(self) -> None:
        try:
            raw = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            sock = self.tls.wrap_socket(raw) if self.tls else raw
            head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            if self.mode == "body":
                head += b"Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n"
            if self.mode != "idle":
                sock.sendall(head)
            sock.setblocking(False)
        except OSError:
            self.closed_by_server += 1
            return
        self.opened_at[sock] = time.monotonic()
        self._selector.register(sock, selectors.EVENT_READ)
        self.max_open = max(self.max_open, len(self.opened_at))

    def _readable(self, sock: Any) -> None:
        try:
            data = sock.recv(4096)
        except (ssl.SSLWantReadError, BlockingIOError):
            return
        except OSError:
            data = b""
        if not data:  # the server hung up on us (or answered and closed)
            self._server_closed(sock)

    def _send(self, sock: Any, data: bytes) -> None:
        try:
            sock.send(data)
        except (ssl.SSLWantWriteError, BlockingIOError):
            return
        except OSError:
            self._server_closed(sock)

    def _server_closed(self, sock: Any) -> None:
        if sock not in self.opened_at:
            return
        self.lifetimes.append(time.monotonic() - self.opened_at[sock])
        self.closed_by_server += 1
        self._close(sock)
        if self.reconnect and not self.stop.is_set():
            self._open()

    def _close(self, sock: Any) -> None:
        self.opened_at.pop(sock, None)
        with suppress(KeyError, ValueError):
            self._selector.unregister(sock)
        sock.close()


@contextmanager
def serving_in_thread(app: Any, settings: Any) -> Iterator[int]:
    """:class:`skill.web.serve.Server` over ``app`` on its own event loop thread; yields the port.

    For tests that must reach inside the server (a stand-in certificate download, say) while
    still talking real HTTP to it.
    """
    import asyncio

    from skill.web.serve import Server

    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, Any] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def begin() -> None:
            holder["server"] = Server(app, settings.with_(port=0, host="127.0.0.1"))
            holder["server"].start()
            started.set()

        loop.run_until_complete(begin())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(timeout=10), "the in-process server did not start"
    try:
        yield int(holder["server"].port)
    finally:
        asyncio.run_coroutine_threadsafe(holder["server"].stop(grace_s=1.0), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
