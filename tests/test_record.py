"""skill.record: immutable, typed value types with no code generated per class."""

from __future__ import annotations

import copy

import pytest

from skill.record import Record


class Point(Record):
    x: int
    y: int = 0
    label: str = ""


class Labelled(Point):
    colour: str = "red"


class Positive(Record):
    value: int = 1

    def _check(self) -> None:
        if self.value <= 0:
            raise ValueError("must be positive")


def test_fields_come_from_the_annotations_in_order_with_their_defaults() -> None:
    assert Point._fields == ("x", "y", "label")
    assert Labelled._fields == ("x", "y", "label", "colour")
    point = Point(3, label="a")
    assert (point.x, point.y, point.label) == (3, 0, "a")
    assert Labelled(1, 2).colour == "red"


@pytest.mark.parametrize(
    ("args", "kwargs", "problem"),
    [
        ((), {}, "missing field 'x'"),
        ((1, 2, "a", "extra"), {}, "takes 3 fields"),
        ((1,), {"z": 2}, "unexpected or repeated field 'z'"),
        ((1,), {"x": 2}, "unexpected or repeated field 'x'"),
    ],
)
def test_a_wrong_construction_is_a_type_error(
    args: tuple[object, ...], kwargs: dict[str, object], problem: str
) -> None:
    with pytest.raises(TypeError, match=problem):
        Point(*args, **kwargs)


def test_records_are_immutable() -> None:
    point = Point(1)
    with pytest.raises(AttributeError, match="immutable"):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del point.x  # type: ignore[misc]
    assert point.x == 1


def test_replace_makes_a_changed_copy_and_refuses_unknown_fields() -> None:
    point = Point(1, 2)
    moved = point._replace(y=5)
    assert (point.y, moved.y, moved.x) == (2, 5, 1)
    assert type(moved) is Point
    with pytest.raises(ValueError, match="no field 'z'"):
        point._replace(z=1)


def test_equality_and_hash_are_by_type_and_fields() -> None:
    assert Point(1, 2) == Point(1, 2)
    assert hash(Point(1, 2)) == hash(Point(1, 2))
    assert Point(1, 2) != Point(2, 1)
    assert Point(1, 2, "") != Labelled(1, 2, "")  # another type, even with the same fields
    assert Point(1, 2) != (1, 2, "")  # not a tuple
    assert {Point(1): "a"}[Point(1)] == "a"


def test_repr_and_asdict_name_the_fields() -> None:
    assert repr(Point(1, label="a")) == "Point(x=1, y=0, label='a')"
    assert Point(1)._asdict() == {"x": 1, "y": 0, "label": ""}


def test_invariants_are_checked_on_construction_and_on_every_change() -> None:
    assert Positive(2).value == 2
    with pytest.raises(ValueError, match="positive"):
        Positive(0)
    with pytest.raises(ValueError, match="positive"):
        Positive(3)._replace(value=-1)


def test_records_copy_deeply() -> None:
    original = Labelled(1, 2, "a", "blue")
    assert copy.deepcopy(original) == original
