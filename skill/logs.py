"""Logging for every entry point (Lambda, ``serve``, ``chat``): our level, and only ours.

``KNEE_COACH_LOG_LEVEL`` sets the level of Knee Coach's own loggers (``skill.*``). Every other
logger stays at WARNING, because third-party DEBUG logs are not ours to vouch for: botocore at
DEBUG writes whole DynamoDB requests (item bodies, the hashed key, ``X-Amz-Security-Token``).
A third-party logger gets the level only when named in ``KNEE_COACH_LOG_LOGGERS``.

On Lambda the runtime has already put its own handler on the root logger; it is kept (a second
one would print every line twice). Elsewhere one stderr handler is added.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TextIO

OWN_LOGGER = "skill"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
THIRD_PARTY_LEVEL = logging.WARNING


def configure_logging(
    level: str, named: Sequence[str] = (), *, stream: TextIO | None = None
) -> None:
    """Root at WARNING with one handler; ``skill`` and the ``named`` loggers at ``level``."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(THIRD_PARTY_LEVEL)
    number = logging.getLevelName(level.strip().upper())
    known = isinstance(number, int)
    if not known:
        number = logging.INFO  # a typo in a setting is no reason to fail at start-up
    logging.getLogger(OWN_LOGGER).setLevel(number)
    for name in named:
        logging.getLogger(name).setLevel(number)
    if not known:
        logging.getLogger(__name__).warning("unknown log level %r; using INFO", level)
