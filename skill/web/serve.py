"""``knee-coach serve``: the web endpoint under Tornado's HTTP server, the app on a thread pool.

Why Tornado and not waitress (measured; ``docs/web.md`` has the numbers): a client that sends
its request one header line every few seconds must not hold a connection for as long as it
likes. Waitress has no bound on how long a request may take to arrive, only an idle timeout
that every trickled byte resets, and a connection limit that such clients fill: with 150 of
them ``/healthz`` stopped answering, and past about 1,000 sockets its ``select()`` loop died.
Tornado's HTTP/1.1 server reads every request on its event loop (epoll) and bounds the time
for the headers (``header_timeout_s``, which is also the keep-alive idle limit) and for the
body (``body_timeout_s``) as a whole, however the bytes trickle in; only a request that has
fully arrived is handed to the WSGI app, on a pool of ``workers`` threads, so slow clients
never occupy a worker. We add a cap on open connections (``max_connections``): at the cap, the
connection that has waited longest without its request arriving is closed to make room for a
new one (idle sockets cannot lock genuine requests out), and a new one is closed at once only
when no open connection is idle. Requests are read and handed to the app by
:mod:`skill.web.container`. Tornado is pure Python and runs on Linux, macOS and Windows alike,
and like waitress it serves threads in one process, so the skill and the certificate cache are
built once and shared. TLS is terminated in front (``deploy/``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import resource
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream
from tornado.netutil import bind_sockets

from skill.settings import Settings
from skill.web.checks import MAX_BODY_BYTES
from skill.web.container import DRAIN_LIMIT, Waiting, WSGIServerDelegate

log = logging.getLogger(__name__)

MAX_HEADER_BYTES = 16 * 1024
"""Alexa's headers are well under 2 KB (the longest is the base64 signature). The shipped
fronts pass at most about 12 KB (``deploy/``), so a front never forwards what this refuses."""
FD_HEADROOM = 64
"""File descriptors kept free beyond the connection limit (listening socket, store, logs)."""
REFUSAL_LOG_EVERY_S = 60.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="TCP port; 0 picks a free one (default 8080)")
    parser.add_argument("--workers", type=int, help="request threads (default 4)")
    parser.add_argument(
        "--max-connections", type=int, help="open connections at once (default 1000)"
    )
    parser.add_argument(
        "--dev",
        action="store_true",
        help="DEV MODE: skip signature checks, for local simulators only (KNEE_COACH_DEV_MODE=1)",
    )
    parser.add_argument(
        "--any-skill",
        action="store_true",
        help="serve without KNEE_COACH_SKILL_ID, accepting any skill (KNEE_COACH_ANY_SKILL=1)",
    )


class LimitedHTTPServer(HTTPServer):
    """Tornado's HTTP server with at most ``max_connections`` open.

    At the limit, a new connection takes the place of the one that has waited longest for a
    request that is not arriving (``waiting``: it has sent nothing, or started more than a
    second ago and still not finished), which is closed; a request that has arrived, or is
    arriving, is never cut. Only when none of the longest-waiting connections is idle is the
    new one closed at once instead.
    """

    def initialize(
        self,
        *args: Any,
        max_connections: int = 1000,
        waiting: Waiting | None = None,
        **kwargs: Any,
    ) -> None:
        super().initialize(*args, **kwargs)
        self.max_connections = max_connections
        self.waiting = waiting if waiting is not None else Waiting()
        self.open_connections = 0
        self.refused = 0
        self.evicted = 0
        self._closing: set[IOStream] = set()
        self._last_log = float("-inf")

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        if self.open_connections >= self.max_connections:
            idle = self.waiting.idle()
            if idle is None:
                stream.close()
                self.refused += 1
                self._note_limit()
                return
            self.waiting.done(idle)
            idle.close()  # its file descriptor is free at once; its on_close comes later
            self._closing.add(idle)
            self.open_connections -= 1
            self.evicted += 1
            self._note_limit()
        self.open_connections += 1
        self.waiting.join(stream)
        super().handle_stream(stream, address)

    def on_close(self, server_conn: object) -> None:
        stream = getattr(server_conn, "stream", None)
        if stream in self._closing:
            self._closing.discard(stream)
        else:
            self.open_connections -= 1
        if stream is not None:
            self.waiting.done(stream)
        super().on_close(server_conn)

    def _note_limit(self) -> None:
        now = time.monotonic()
        if now - self._last_log >= REFUSAL_LOG_EVERY_S:
            self._last_log = now
            log.warning(
                "connection limit (%d) reached: %d waiting connections closed to make room, "
                "%d new ones refused (so far)",
                self.max_connections,
                self.evicted,
                self.refused,
            )


class Server:
    """The WSGI ``app`` served on ``settings.host``/``port``; start and stop on an event loop."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.settings = settings
        self.executor = ThreadPoolExecutor(settings.workers, thread_name_prefix="knee-coach")
        waiting = Waiting()
        self.http = LimitedHTTPServer(
            WSGIServerDelegate(app, self.executor, waiting, body_limit=MAX_BODY_BYTES),
            max_connections=fit_connection_limit(settings.max_connections),
            waiting=waiting,
            idle_connection_timeout=settings.header_timeout_s,
            body_timeout=settings.body_timeout_s,
            max_body_size=DRAIN_LIMIT,
            max_header_size=MAX_HEADER_BYTES,
        )
        self.host, self.port = settings.host, settings.port

    def start(self) -> None:
        """Bind and listen (call on the loop that will serve); ``port`` is the real one after."""
        sockets = bind_sockets(self.settings.port, address=self.settings.host)
        self.port = sockets[0].getsockname()[1]
        self.http.add_sockets(sockets)

    async def stop(self, grace_s: float = 5.0) -> None:
        """Stop listening, let requests in flight finish (up to ``grace_s``), end the threads."""
        self.http.stop()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.http.close_all_connections(), grace_s)
        self.executor.shutdown(wait=False, cancel_futures=True)


def fit_connection_limit(wanted: int) -> int:
    """``wanted``, raising this process's open-file limit to fit it if the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + FD_HEADROOM
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft != resource.RLIM_INFINITY and soft < needed:
        fitted = max(1, soft - FD_HEADROOM)
        log.warning("open-file limit %d: serving at most %d connections", soft, fitted)
        return fitted
    return wanted


def run(args: argparse.Namespace) -> int:
    """Build the app from settings (flags win over ``KNEE_COACH_*``) and serve until stopped."""
    from skill.logs import configure_logging

    settings = Settings.from_env().with_(
        host=args.host,
        port=args.port,
        workers=args.workers,
        max_connections=args.max_connections,
        verify_requests=False if args.dev else None,
        any_skill=True if args.any_skill else None,
    )
    configure_logging(settings.log_level, settings.log_loggers)
    if "tornado.access" not in settings.log_loggers:
        # One line per 4xx, with the client's address: not worth keeping unless asked for.
        logging.getLogger("tornado.access").setLevel(logging.ERROR)
    if settings.verify_requests and settings.workers < 3:
        log.warning(
            "%d worker threads: certificate downloads may take 2 of them; use 3 or more",
            settings.workers,
        )
    from skill.web.app import create_app

    try:
        app = create_app(settings)
    except ValueError as error:  # a deployment mistake: say which setting, and do not start
        print(f"knee-coach serve: {error}", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C before the loop runs
        asyncio.run(_serve(app, settings))
    print("Knee Coach stopped", file=sys.stderr)
    return 0


async def _serve(app: Any, settings: Settings) -> None:
    server = Server(app, settings)
    server.start()
    print(f"Knee Coach listening on http://{server.host}:{server.port}{settings.route}", flush=True)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        # SIGTERM (docker stop, systemd) and Ctrl-C both shut down cleanly.
        loop.add_signal_handler(signum, stopped.set)
    await stopped.wait()
    await server.stop()
