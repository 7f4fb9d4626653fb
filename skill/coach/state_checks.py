"""Checking session values against the types their :class:`~skill.coach.state.State`
fields declare.

Session attributes come back from Alexa each turn and could be stale or tampered with; each
field is checked strictly on the way in (a bool is not an int, numbers are finite and
JSON-safe, containers have their declared shape), so a bad value yields a fresh state
instead of a crash in a later turn.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from skill.record import Record

MAX_JSON_INT = 2**53
"""Integers beyond this do not survive a JSON round trip through other languages."""


class Unusable(ValueError):
    """A session value does not have the type its field declares."""


Check = Callable[[Any], Any]


def checked(value: Any, kind: Any) -> Any:
    """``value`` as field type ``kind`` (JSON lists become tuples), or :class:`Unusable`.

    Strict on purpose: a bool is not an int, a string is not a bool, numbers are finite and
    integers JSON-safe, and containers have exactly their declared shape. Supports what state
    fields use: ``bool``, ``int``, ``float``, ``str``, ``None``, unions, ``tuple[...]`` (fixed or
    ``...``), ``dict[K, V]``, records (as the list of their fields) and ``Any`` (any JSON
    value with finite numbers).
    """
    return checker(kind)(value)


@functools.cache
def checker(kind: Any) -> Check:
    """The check for ``kind``, built once (every turn checks every field); ``TypeError`` for a
    type with no rule, so a new State field of an unsupported type fails on first use (and in
    the tests, which check every field)."""
    origin, args = get_origin(kind), get_args(kind)
    if kind is Any:
        return _json_value
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    if origin in (Union, UnionType):
        return _one_of(tuple(checker(arg) for arg in args), kind)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _tuple_of(checker(args[0]))
    if origin is tuple:
        return _fixed_tuple(tuple(checker(arg) for arg in args))
    if origin is dict:
        return _dict_of(checker(args[0]), checker(args[1]))
    if isinstance(kind, type) and issubclass(kind, Record):
        return _record(kind)
    raise TypeError(
        f"State field type {kind!r} has no validation rule in skill.coach.state_checks.checker"
    )


def _unusable(value: Any, what: str) -> Unusable:
    return Unusable(f"{value!r:.40} is not {what}")


def _none(value: Any) -> None:
    if value is not None:
        raise _unusable(value, "None")


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _unusable(value, "a bool")
    return value


def _int(value: Any) -> int:
    if type(value) is not int or not -MAX_JSON_INT < value < MAX_JSON_INT:
        raise _unusable(value, "a JSON-safe int")
    return value


def _float(value: Any) -> float:
    if type(value) is int:
        return float(_int(value))
    if type(value) is not float or not math.isfinite(value):
        raise _unusable(value, "a finite number")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise _unusable(value, "a string")
    return value


_SIMPLE: dict[Any, Check] = {bool: _bool, int: _int, float: _float, str: _str, type(None): _none}


def _one_of(options: tuple[Check, ...], kind: Any) -> Check:
    def check(value: Any) -> Any:
        for option in options:
            try:
                return option(value)
            except Unusable:
                continue
        raise _unusable(value, f"any of {kind}")

    return check


def _tuple_of(item: Check) -> Check:
    def check(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, (list, tuple)):
            raise _unusable(value, "a list")
        return tuple(item(x) for x in value)

    return check


def _fixed_tuple(items: tuple[Check, ...]) -> Check:
    def check(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, (list, tuple)) or len(value) != len(items):
            raise _unusable(value, f"a list of {len(items)}")
        return tuple(item(x) for item, x in zip(items, value, strict=True))

    return check


def _record(kind: Any) -> Check:
    """A record (such as :class:`~skill.coach.habits.Habits`), sent as the list of its fields."""
    hints = get_type_hints(kind)
    items = _fixed_tuple(tuple(checker(hints[name]) for name in kind._fields))

    def check(value: Any) -> Any:
        return kind(*items(value))

    return check


def _dict_of(key: Check, item: Check) -> Check:
    def check(value: Any) -> dict[Any, Any]:
        if not isinstance(value, dict):
            raise _unusable(value, "a map")
        return {key(k): item(v) for k, v in value.items()}

    return check


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if type(value) is int:
        return _int(value)
    if type(value) is float:
        return _float(value)
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {_str(k): _json_value(v) for k, v in value.items()}
    raise Unusable(f"{type(value).__name__} is not JSON")
