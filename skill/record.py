"""Immutable, typed records that cost a cold start next to nothing to define.

The domain model (content, replies, session state, progress, settings) is two dozen small
value types, all defined on the way to answering a Lambda's first request. Frozen dataclasses
generate and compile their methods' source for every class at import, and typing.NamedTuple
compiles a ``__new__`` for every class too: about a million instructions (~0.4 ms) a class,
in all about a third of what Knee Coach added to a cold start (docs/performance.md). A Record
does the same work once, here, for every subclass:

- its fields are its annotations, in order (a subclass's after its bases'), and their
  defaults are its class attributes, as in a dataclass;
- instances are immutable: assigning or deleting an attribute raises ``AttributeError``;
- two records are equal when they are of the same type with equal fields, and hash alike
  when their fields are hashable; ``repr`` names the fields;
- ``_replace(**changes)``, ``_asdict()`` and ``_fields`` work as on a NamedTuple;
- ``_check()`` runs after every construction and change, for records with invariants (it
  raises ``ValueError``; by default it checks nothing).

mypy reads a Record as a frozen dataclass (PEP 681, ``dataclass_transform``), so constructing
one with a wrong, missing or unknown field is a type error, as is assigning to one. Unlike a
NamedTuple, a Record is not a tuple: it does not unpack, index or compare equal to a tuple.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: Any) -> Any:
        """At run time the decorator only informs type checkers: nothing to do."""
        return lambda cls: cls


R = TypeVar("R", bound="Record")


class _Missing:
    """Marks a field that has no default in a class's template."""


_MISSING: Any = _Missing()


@dataclass_transform(frozen_default=True)
class Record:
    """Base of every immutable record type in the package (see the module docstring)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()
    """Field names in order, read from the annotations when the subclass is defined."""
    _template: dict[str, Any] = {}  # noqa: RUF012  # set per class, never changed
    """Every field with its default, or ``_MISSING`` where it has none."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = (
            name
            for base in reversed(cls.__mro__)
            for name in vars(base).get("__annotations__", {})
            if not name.startswith("_")
        )
        cls._fields = tuple(dict.fromkeys(names))
        cls._template = {name: getattr(cls, name, _MISSING) for name in cls._fields}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Built with dict operations only: records are made on every turn (a reply is a few
        # dozen, the content ~80 at start-up), so this is kept as quick as a NamedTuple's
        # generated __new__, and the common case (all known names, no repeats) makes no sets.
        values = dict(self._template)  # every field, in order; defaults or _MISSING
        if args:
            if len(args) > len(values):
                raise TypeError(f"{type(self).__name__} takes {len(values)} fields")
            values.update(zip(self._fields, args, strict=False))  # the rest come by name
        if kwargs:
            if not kwargs.keys() <= values.keys() or (
                args and not kwargs.keys().isdisjoint(self._fields[: len(args)])
            ):
                wrong = (kwargs.keys() - values.keys()) | (
                    kwargs.keys() & set(self._fields[: len(args)])
                )
                raise TypeError(
                    f"{type(self).__name__}: unexpected or repeated field {min(wrong)!r}"
                )
            values.update(kwargs)
        if _MISSING in values.values():
            missing = next(name for name, value in values.items() if value is _MISSING)
            raise TypeError(f"{type(self).__name__}: missing field {missing!r}")
        object.__setattr__(self, "__dict__", values)
        self._check()

    def _check(self) -> None:
        """Raise ``ValueError`` if the fields break the record's invariants (none by default)."""

    def _replace(self: R, **changes: Any) -> R:
        """A copy with some fields changed (checked like a new record)."""
        unknown = changes.keys() - self.__dict__.keys()
        if unknown:
            raise ValueError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        changed = object.__new__(type(self))
        object.__setattr__(changed, "__dict__", {**self.__dict__, **changes})
        changed._check()
        return changed

    def _asdict(self) -> dict[str, Any]:
        """The fields by name, in order (a new dict)."""
        return dict(self.__dict__)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: use _replace({name}=...)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self), *self.__dict__.values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self.__dict__.items())
        return f"{type(self).__name__}({fields})"
