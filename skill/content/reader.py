"""Reading one content YAML file, and reporting a mistake with the file and field named.

Shared by :mod:`skill.content.validate` (the content files) and
:mod:`skill.content.languages` (what makes a language and a locale).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

SSML_BREAKING = re.compile(r"[<>&{}]|\\")
"""Characters that would break (or silently smuggle markup into) the SSML we build."""


PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


Data = dict[str, Any]


class ContentError(ValueError):
    """A content file is missing, malformed or inconsistent; the message says where."""


def parse_yaml(path: Path, raw: bytes) -> Any:
    """One YAML file's data; the YAML library is imported only when something needs parsing."""
    import yaml

    try:
        return yaml.safe_load(raw.decode("utf-8"))
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from None


class Reader:
    """Reads one YAML file and reports problems as ``file: path.to.field: what``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise ContentError(f"{path}: file is missing") from None
        self.data: Any = parse_yaml(path, raw)

    def fail(self, where: str, problem: str) -> ContentError:
        return ContentError(f"{self.path.parent.name}/{self.path.name}: {where}: {problem}")

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, f"must be a mapping, got {type(value).__name__}")
        return value

    def items(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list) or not value:
            raise self.fail(where, "must be a non-empty list")
        return value

    def text(self, parent: Mapping[str, Any], key: str, where: str) -> str:
        """A spoken text, whitespace folded: present, and free of what would break SSML."""
        return self._checked(parent.get(key), key, where, parent.get(key))

    def _checked(self, value: Any, key: str, where: str, shown: Any) -> str:
        """``shown`` is what is checked for markup (a template with its placeholders filled)."""
        words = value.split() if isinstance(value, str) else None
        if not words:
            raise self.fail(f"{where}.{key}" if where else key, "is missing or empty")
        if SSML_BREAKING.search(shown):
            problem = f"contains a character that breaks speech markup: {value!r}"
            raise self.fail(f"{where}.{key}" if where else key, problem)
        return " ".join(words)

    def seconds(self, parent: Mapping[str, Any], key: str, where: str, default: int | None) -> int:
        value = parent.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            if value == 0 and default == 0:
                return 0
            raise self.fail(
                f"{where}.{key}", f"must be a positive number of seconds, got {value!r}"
            )
        return int(value)

    def words(self, parent: Mapping[str, Any], key: str, where: str) -> list[str]:
        values = parent.get(key, [])
        if not isinstance(values, list):
            raise self.fail(f"{where}.{key}", "must be a list of phrases")
        return [self.text({"v": v}, "v", f"{where}.{key}[{i}]") for i, v in enumerate(values)]

    def template(self, parent: Mapping[str, Any], key: str) -> str:
        """Like :meth:`text`, but ``{name}`` placeholders are allowed (glue prompts)."""
        value = parent.get(key)
        shown = PLACEHOLDER.sub("x", value) if isinstance(value, str) else value
        return self._checked(value, key, "", shown)


def unique(reader: Reader, values: Sequence[str], where: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise reader.fail(where, f"duplicate {value!r}")
        seen.add(value)
