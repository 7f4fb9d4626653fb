"""Reads ``content/*.yaml`` and validates every field, into the plain data the skill loads.

Everything the person hears that is not glue lives in YAML, so that a clinician or writer can
review it without reading Python. Any mistake (a missing field, an unknown technique in a
routine, a hold that is not a positive number, text that would break SSML) fails here with
the file and field named, so a bad edit can never reach a person mid-massage.

The result is plain data (dicts, lists, strings and numbers, shaped like the records of
:mod:`skill.content`, texts with their whitespace folded): what ``content/compiled.json``
keeps, and what :func:`skill.content.load.content_from` turns into records. A cold start reads the
compiled file and needs none of this module or of the YAML library; they run when the
compiled file is made (``make generate``) and whenever a YAML file has changed since.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from skill.content.prompt_keys import PROMPT_KEYS
from skill.content.records import NAMED_KINDS, SAFETY_KINDS

SOURCE_FILES = ("techniques.yaml", "routines.yaml", "safety.yaml", "topics.yaml", "prompts.yaml")
"""The content's sources, in the order their stamps are joined (see :mod:`skill.content`)."""
SSML_BREAKING = re.compile(r"[<>&{}]|\\")
"""Characters that would break (or silently smuggle markup into) the SSML we build."""
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
SAFETY_STYLES = ("questions", "statements")
"""How the self-check is spoken (content/safety.yaml ``style``; docs/deploy.md says which)."""
FOLLOW_UP_TEXTS = (
    "ask", "explain", "on_yes", "on_no", "choice", "choice_explain", "on_go", "on_stop", "again",
    "noted",
)  # fmt: skip
"""The `provider` follow-up's texts (:class:`skill.content.records.SafetyFollowUp`)."""
SUGGESTIONS_KEY = "suggestions"
"""The one list in prompts.yaml that is not wordings: topics to suggest, and how to name them."""

Data = dict[str, Any]


class ContentError(ValueError):
    """A content file is missing, malformed or inconsistent; the message says where."""


def read_content(directory: Path) -> Data:
    """Every content file in ``directory``, validated; raise :class:`ContentError`.

    The data is keyed like :class:`skill.content.records.Content`'s fields: ``techniques``,
    ``routines`` (each item names its technique by id), ``safety``, ``topics``, ``variants``
    (every wording of each prompt) and ``suggestions``.
    """
    readers = {name: _Reader(directory / name) for name in SOURCE_FILES}
    techniques = _techniques(readers["techniques.yaml"])
    topics = _topics(readers["topics.yaml"])
    return {
        "techniques": techniques,
        "routines": _routines(readers["routines.yaml"], techniques),
        "safety": _safety(readers["safety.yaml"]),
        "topics": topics,
        "variants": _prompts(readers["prompts.yaml"]),
        "suggestions": _suggestions(readers["prompts.yaml"], topics),
    }


def parse_yaml(path: Path, raw: bytes) -> Any:
    """One YAML file's data; the YAML library is imported only when something needs parsing."""
    import yaml

    try:
        return yaml.safe_load(raw.decode("utf-8"))
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from None


class _Reader:
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


def _techniques(reader: _Reader) -> list[Data]:
    root = reader.mapping(reader.data, "file")
    techniques: list[Data] = []
    for i, raw in enumerate(reader.items(root.get("techniques"), "techniques")):
        item = reader.mapping(raw, f"techniques[{i}]")
        tid = reader.text(item, "id", f"techniques[{i}]")
        steps: list[Data] = []
        for j, raw_step in enumerate(reader.items(item.get("steps"), f"{tid}.steps")):
            step = reader.mapping(raw_step, f"{tid}.steps[{j}]")
            where = f"{tid}.steps[{j}]"
            say, hold = reader.text(step, "say", where), reader.seconds(step, "hold", where, 0)
            steps.append({"say": say, "hold": hold})
        if not 3 <= len(steps) <= 6:
            raise reader.fail(f"{tid}.steps", f"must have 3 to 6 steps, has {len(steps)}")
        techniques.append(
            {
                "id": tid,
                "name": reader.text(item, "name", tid),
                "synonyms": reader.words(item, "synonyms", tid),
                "purpose": reader.text(item, "purpose", tid),
                "steps": steps,
            }
        )
    _unique(reader, [t["id"] for t in techniques], "techniques[].id")
    return techniques


def _routines(reader: _Reader, techniques: Sequence[Data]) -> list[Data]:
    known = {t["id"] for t in techniques}
    root = reader.mapping(reader.data, "file")
    routines: list[Data] = []
    for i, raw in enumerate(reader.items(root.get("routines"), "routines")):
        item = reader.mapping(raw, f"routines[{i}]")
        rid = reader.text(item, "id", f"routines[{i}]")
        entries: list[Data] = []
        for j, raw_entry in enumerate(reader.items(item.get("techniques"), f"{rid}.techniques")):
            where = f"{rid}.techniques[{j}]"
            entry = reader.mapping(raw_entry, where)
            tid = reader.text(entry, "technique", where)
            if tid not in known:
                raise reader.fail(f"{where}.technique", f"unknown technique {tid!r}")
            seconds = reader.seconds(entry, "seconds", where, None)
            entries.append({"technique": tid, "seconds": seconds})
        routines.append(
            {
                "id": rid,
                "name": reader.text(item, "name", rid),
                "synonyms": reader.words(item, "synonyms", rid),
                "summary": reader.text(item, "summary", rid),
                "items": entries,
            }
        )
    _unique(reader, [r["id"] for r in routines], "routines[].id")
    return routines


def _question(reader: _Reader, raw: Any, where: str, qid: str | None = None) -> Data:
    item = reader.mapping(raw, where)
    kind = "group" if qid else reader.text(item, "kind", where)
    if kind not in {*SAFETY_KINDS, "group"}:
        known = ", ".join(SAFETY_KINDS)
        raise reader.fail(f"{where}.kind", f"must be one of {known}, got {kind!r}")
    question = {
        "id": qid or reader.text(item, "id", where),
        "kind": kind,
        "ask": reader.text(item, "ask", where),
        "explain": reader.text(item, "explain", where),
    }
    if kind == "lasting":  # a yes asks one more thing (`provider`): it holds nothing off
        if "on_yes" in item:
            raise reader.fail(f"{where}.on_yes", "a lasting question's yes asks `provider` instead")
        return question
    return {**question, "on_yes": reader.text(item, "on_yes", where)}


def _texts(reader: _Reader, raw: Any, where: str, keys: Sequence[str]) -> Data:
    """A mapping of exactly these spoken texts (no other key: a typo fails here)."""
    item = reader.mapping(raw, where)
    unknown = sorted(set(item) - set(keys))
    if unknown:
        raise reader.fail(f"{where}.{unknown[0]}", f"is not one of {', '.join(keys)} (typo?)")
    return {key: reader.text(item, key, where) for key in keys}


def _statement(reader: _Reader, raw: Any, where: str) -> Data:
    item = reader.mapping(raw, where)
    return {
        "say": reader.text(item, "say", where),
        "ask": reader.text(item, "ask", where),
        "explain": reader.text(item, "explain", where),
        "on_no": reader.text(item, "on_no", where),
    }


def _safety(reader: _Reader) -> Data:
    root = reader.mapping(reader.data, "file")
    questions = [
        _question(reader, raw, f"questions[{i}]")
        for i, raw in enumerate(reader.items(root.get("questions"), "questions"))
    ]
    _unique(reader, [q["id"] for q in questions], "questions[].id")
    style = reader.text(root, "style", "")
    if style not in SAFETY_STYLES:
        raise reader.fail("style", f"must be one of {', '.join(SAFETY_STYLES)}, got {style!r}")
    return {
        "intro": reader.text(root, "intro", ""),
        "all_clear": reader.text(root, "all_clear", ""),
        "questions": questions,
        "provider": _texts(reader, root.get("provider"), "provider", FOLLOW_UP_TEXTS),
        "named": _texts(reader, root.get("named"), "named", NAMED_KINDS),
        "compact": _question(reader, root.get("compact"), "compact", qid="compact"),
        "statement": _statement(reader, root.get("statement"), "statement"),
        "compact_statement": _statement(reader, root.get("compact_statement"), "compact_statement"),
        "style": style,
    }


def _topics(reader: _Reader) -> list[Data]:
    root = reader.mapping(reader.data, "file")
    topics: list[Data] = []
    for i, raw in enumerate(reader.items(root.get("topics"), "topics")):
        item = reader.mapping(raw, f"topics[{i}]")
        tid = reader.text(item, "id", f"topics[{i}]")
        topics.append(
            {
                "id": tid,
                "intent": reader.text(item, "intent", tid),
                "title": reader.text(item, "title", tid),
                "say": reader.text(item, "say", tid),
                "card": reader.text(item, "card", tid),
            }
        )
    _unique(reader, [t["id"] for t in topics], "topics[].id")
    _unique(reader, [t["intent"] for t in topics], "topics[].intent")
    return topics


def _prompts(reader: _Reader) -> dict[str, list[str]]:
    """Every prompt's wordings: a string is one wording, a list several (cycled by position)."""
    root = reader.mapping(reader.data, "file")
    prompts: dict[str, list[str]] = {}
    for key in (str(k) for k in root if k != SUGGESTIONS_KEY):
        value = root[key]
        if isinstance(value, list):
            # Several wordings: each is checked like a single prompt.
            listed = reader.items(value, key)
            prompts[key] = [reader.template({key: v}, key) for v in listed]
        else:
            prompts[key] = [reader.template(root, key)]
    missing = sorted(set(PROMPT_KEYS) - set(prompts))
    unknown = sorted(set(prompts) - set(PROMPT_KEYS))
    if missing:
        raise reader.fail(missing[0], "is missing")
    if unknown:
        raise reader.fail(unknown[0], "is not a prompt the skill uses (typo?)")
    for key, wordings in prompts.items():
        slots = {frozenset(PLACEHOLDER.findall(w)) for w in wordings} if len(wordings) > 1 else ()
        if len(slots) > 1:
            raise reader.fail(key, "every wording must use the same {placeholders}")
    return prompts


def _suggestions(reader: _Reader, topics: Sequence[Data]) -> list[list[str]]:
    root = reader.mapping(reader.data, "file")
    known = {t["id"] for t in topics}
    found = []
    for i, raw in enumerate(reader.items(root.get(SUGGESTIONS_KEY), SUGGESTIONS_KEY)):
        where = f"{SUGGESTIONS_KEY}[{i}]"
        item = reader.mapping(raw, where)
        topic_id = reader.text(item, "topic", where)
        if topic_id not in known:
            raise reader.fail(f"{where}.topic", f"{topic_id!r} is not a topic in topics.yaml")
        found.append([topic_id, reader.text(item, "say", where)])
    if len({tuple(pair) for pair in found}) < 3:
        raise reader.fail(SUGGESTIONS_KEY, "needs at least three topics (two, besides the last)")
    return found


def _unique(reader: _Reader, values: Sequence[str], where: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise reader.fail(where, f"duplicate {value!r}")
        seen.add(value)
