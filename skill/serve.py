"""``knee-coach serve``: run the web endpoint under waitress, a production WSGI server.

Waitress rather than gunicorn: it is pure Python (nothing to compile, runs on Linux, macOS and
Windows alike), serves from threads in one process so the certificate cache and the skill are
shared rather than rebuilt per worker, and caps request bodies itself. TLS is terminated in
front of it (reverse proxy or tunnel); see ``docs/web.md``.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from types import FrameType

WAITRESS_BODY_LIMIT = 256 * 1024
"""Hard cap in waitress; Flask's 128 KB limit answers first, with our JSON error."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="TCP port; 0 picks a free one (default 8080)")
    parser.add_argument("--workers", type=int, help="request threads (default 4)")
    parser.add_argument(
        "--dev",
        action="store_true",
        help="DEV MODE: skip signature checks, for local simulators only (KNEE_COACH_DEV_MODE=1)",
    )


def run(args: argparse.Namespace) -> int:
    """Build the app from settings (flags win over ``KNEE_COACH_*``) and serve until stopped."""
    from waitress.server import create_server

    from skill.settings import Settings
    from skill.web import create_app

    settings = Settings.from_env().with_(
        host=args.host,
        port=args.port,
        workers=args.workers,
        verify_requests=False if args.dev else None,
    )
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    server: object = create_server(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        threads=settings.workers,
        max_request_body_size=WAITRESS_BODY_LIMIT,
        channel_timeout=30,
        ident="knee-coach",
    )
    host, port = (
        getattr(server, "effective_host", settings.host),
        getattr(server, "effective_port", settings.port),
    )
    print(f"Knee Coach listening on http://{host}:{port}{settings.route}", flush=True)
    signal.signal(signal.SIGTERM, _stop)
    try:
        server.run()  # type: ignore[attr-defined]
    except KeyboardInterrupt:
        print("Knee Coach stopped", file=sys.stderr)
    finally:
        server.close()  # type: ignore[attr-defined]
    return 0


def _stop(signum: int, frame: FrameType | None) -> None:
    """SIGTERM (docker stop, systemd) shuts down like Ctrl-C, closing the listening socket."""
    raise KeyboardInterrupt
