"""The checks a stored value has to pass: numbers, flags and names, as JSON or DynamoDB gives them.

Pure, shared by the stored record (:mod:`skill.store.progress`) and the times kept with it
(:mod:`skill.store.stamps`).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

MAX_EPOCH = 2**40
"""The largest epoch-seconds value a record may hold (a time far beyond any real one)."""


def bool_or_none(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def int_in(value: object, low: int, high: int) -> int | None:
    """An integer in [low, high] from int, integral float or Decimal (DynamoDB numbers)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    if isinstance(value, int):
        number = value
    elif is_integral(value):
        number = int(value)
    else:
        return None
    return number if low <= number <= high else None


def is_integral(value: float | Decimal) -> bool:
    if isinstance(value, Decimal):
        return value.is_finite() and value == value.to_integral_value()
    return math.isfinite(value) and value.is_integer()


def float_in(value: object, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    if isinstance(value, Decimal) and not value.is_finite():
        return None
    number = float(value)
    return number if math.isfinite(number) and low <= number <= high else None


_TIME_ZONE = r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2}"
"""An IANA-shaped name; compiled (and cached by ``re``) the first time a name is checked."""


MAX_TIME_ZONE_CHARS = 64


def is_time_zone_name(value: object) -> bool:
    """Shaped like an IANA time zone name ("America/New_York"), whether or not it exists."""
    return (
        isinstance(value, str)
        and len(value) <= MAX_TIME_ZONE_CHARS
        and re.fullmatch(_TIME_ZONE, value) is not None
    )
