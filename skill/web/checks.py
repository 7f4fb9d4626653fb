"""The cheap checks on a raw request body, before anything costly looks at it.

Nothing here calls the ASK SDK: its deserializer reads ``request.timestamp`` (and every other
date) with dateutil, whose cost grows faster than the text, so a 126 KB timestamp of
``"1.1.1..."`` once took 1.4 s of CPU before the skill ID or the signature was checked.
:func:`check_envelope` parses the JSON once (the body is already bounded in size), bounds its
nesting, and checks the shape and the length of every field that is read before the
signature: ids, the request type, and the timestamp, which must be an ISO 8601 date and time
of at most :data:`MAX_TIMESTAMP_CHARS` characters. The verifiers then read the checked
object, and only a request that passed all of them reaches the SDK.

Pure (no Flask, no SDK model objects), so the rules are easy to test and to fuzz.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from ask_sdk_model.request import Request

MAX_BODY_BYTES = 32 * 1024
"""Alexa's requests are a few KB (Knee Coach's largest, mid-routine with its session
attributes, is about 2 KB; a device's context with a token adds 1-3 KB): 32 KB is ample, and
it bounds what a pending request may hold in memory."""
MAX_JSON_DEPTH = 32
"""Real envelopes nest about 8 deep; the SDK copies them recursively, so bound it well below
where Python's recursion limit would turn a crafted body into a 500."""
MAX_ID_CHARS = 512
"""Alexa's ids (``amzn1.ask.account.…``, ``amzn1.echo-api.request.…``) are under 300
characters."""
MAX_SHORT_CHARS = 64
"""``version`` and ``request.type`` (the longest known type has 52 characters)."""
MAX_TIMESTAMP_CHARS = 40
KNOWN_REQUEST_TYPES = frozenset(Request.discriminator_value_class_map)
"""Every request type the ASK SDK model can parse; anything else is refused before dispatch."""

TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(Z|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)
"""What Alexa sends (``2024-05-01T08:30:00Z``), with optional fractions and a numeric offset;
a timestamp without a zone is read as UTC."""

Refusal = tuple[int, str]
ID_FIELDS = (
    ("request", "requestId"),
    ("session", "sessionId"),
    ("session", "application", "applicationId"),
    ("session", "user", "userId"),
    ("context", "System", "application", "applicationId"),
    ("context", "System", "user", "userId"),
    ("context", "System", "device", "deviceId"),
)
"""Ids read before the signature is checked (or by the store, keyed): strings, if present."""


def check_envelope(mimetype: str, body: bytes) -> dict[str, Any] | Refusal:
    """The envelope as a JSON object if ``body`` passes every cheap check, else a refusal.

    The body's size is bounded before this is called (by the server and by Flask).
    """
    if mimetype != "application/json":
        return 415, "content type must be application/json"
    if len(body) > MAX_BODY_BYTES:
        return 413, "request entity too large"
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_not_json, parse_float=_finite_float)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return 400, "body is not UTF-8 JSON"
    if _deeper_than(data, MAX_JSON_DEPTH):
        return 400, "request nests too deeply"
    if not isinstance(data, dict):
        return 400, "not an Alexa request envelope"
    return _shape_problem(data) or data


def envelope_problem(mimetype: str, body: bytes) -> Refusal | None:
    """Why ``body`` is not an Alexa request envelope we will pass on, or ``None`` if it is."""
    checked = check_envelope(mimetype, body)
    return None if isinstance(checked, dict) else checked


def _shape_problem(data: dict[str, Any]) -> Refusal | None:
    req = data.get("request")
    if not _is_text(data.get("version"), MAX_SHORT_CHARS) or not isinstance(req, dict):
        return 400, "not an Alexa request envelope"
    if not all(isinstance(req.get(key), str) for key in ("type", "requestId", "timestamp")):
        return 400, "not an Alexa request envelope"
    if any(key in data and not isinstance(data[key], dict) for key in ("session", "context")):
        return 400, "not an Alexa request envelope"
    if req["type"] not in KNOWN_REQUEST_TYPES:
        return 400, "unsupported request type"
    if parse_timestamp(req["timestamp"]) is None:
        return 400, "malformed Alexa request"
    for path in ID_FIELDS:
        value = field(data, *path)
        if value is not None and not _is_text(value, MAX_ID_CHARS):
            return 400, "malformed Alexa request"
    return None


def field(data: Any, *path: str) -> Any:
    """``data[path[0]][path[1]]…``, or ``None`` where a step is missing or not an object."""
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def parse_timestamp(text: Any) -> datetime | None:
    """An aware datetime for Alexa's ISO 8601 timestamp, or ``None`` if it is not one.

    Bounded: the length is checked before the (linear, anchored) pattern runs.
    """
    if not isinstance(text, str) or len(text) > MAX_TIMESTAMP_CHARS:
        return None
    found = TIMESTAMP.fullmatch(text)
    if found is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = found.groups()
    try:
        stamp = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=_zone(zone),
        )
    except ValueError:  # month 13, hour 25, an offset of a day or more
        return None
    return stamp


def _zone(text: str | None) -> timezone:
    if text is None or text == "Z":
        return timezone.utc
    digits = text[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(-offset if text[0] == "-" else offset)


def _is_text(value: Any, limit: int) -> bool:
    return isinstance(value, str) and len(value) <= limit


def _not_json(name: str) -> Any:
    """``NaN``/``Infinity`` are Python's JSON extensions, not JSON: refuse them."""
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as infinity
        raise ValueError("number out of range")
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether JSON ``value`` nests more than ``limit`` levels (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        if children and depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
