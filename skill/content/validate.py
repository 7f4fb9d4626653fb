"""Reads ``content/<language>/*.yaml`` and validates every field, into the data the skill loads.

Everything the person hears that is not glue lives in YAML, so that a clinician or writer can
review it without reading Python. Any mistake (a missing field, an unknown technique in a
routine, a hold that is not a positive number, text that would break SSML) fails here with
the file and field named, so a bad edit can never reach a person mid-massage.

The result is plain data (dicts, lists, strings and numbers, shaped like the records of
:mod:`skill.content`, texts with their whitespace folded): what ``content/compiled.json``
keeps, and what :func:`skill.content.load.content_from` turns into records. A cold start reads the
compiled file and needs none of this module or of the YAML library; they run when the
compiled file is made (``make generate``) and whenever a YAML file has changed since.

Every language has the same files in the same schema (``content/en/``, ``content/de/``, ...),
and one validator for all of them. A locale may differ from its language only where it must,
in ``content/<locale>/locale.yaml`` (some prompts, the spelling of shown text): see
:func:`skill.content.languages.read_locale`. Whether two languages say the same things (the
same techniques with the same holds, the same questions, the same placeholders) is
:func:`skill.content.languages.check_against`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from skill.content.files import SOURCE_FILES
from skill.content.languages import (
    check_against,
    labels,
    language,
    placeholders,
    read_cldr,
    read_locale,
    wordings,
)
from skill.content.prompt_keys import PROMPT_KEYS
from skill.content.reader import ContentError, Data, Reader, parse_yaml, unique
from skill.content.records import NAMED_KINDS, SAFETY_KINDS

__all__ = [
    "ContentError",
    "check_against",
    "parse_yaml",
    "read_content",
    "read_locale",
]


SAFETY_STYLES = ("questions", "statements")
"""How the self-check is spoken (content/safety.yaml ``style``; docs/deploy.md says which)."""
FOLLOW_UP_TEXTS = (
    "ask", "explain", "on_yes", "on_no", "choice", "choice_explain", "on_go", "on_stop", "again",
    "noted",
)  # fmt: skip
"""The `provider` follow-up's texts (:class:`skill.content.records.SafetyFollowUp`)."""


SUGGESTIONS_KEY = "suggestions"
"""The one list in prompts.yaml that is not wordings: topics to suggest, and how to name them."""


def read_content(directory: Path, cldr: Mapping[str, Any] | None = None) -> Data:
    """Every content file of one language (``content/<language>/``), validated.

    Raises :class:`ContentError`. The data is keyed like
    :class:`skill.content.records.Content`'s fields: ``techniques``, ``routines`` (each item
    names its technique by id), ``safety``, ``topics``, ``variants`` (every wording of each
    prompt: a string, or a plural's forms), ``suggestions``, ``labels`` and ``language`` (the
    language file with the CLDR data of ``cldr.json``, or ``cldr`` when given).
    """
    readers = {name: Reader(directory / name) for name in SOURCE_FILES}
    spoken = language(readers["language.yaml"], directory.name)
    spoken.update(read_cldr(directory) if cldr is None else dict(cldr))
    techniques = _techniques(readers["techniques.yaml"])
    topics = _topics(readers["topics.yaml"])
    return {
        "techniques": techniques,
        "routines": _routines(readers["routines.yaml"], techniques),
        "safety": _safety(readers["safety.yaml"]),
        "topics": topics,
        "variants": _prompts(readers["prompts.yaml"], spoken),
        "suggestions": _suggestions(readers["prompts.yaml"], topics),
        "labels": labels(readers["screen.yaml"]),
        "language": spoken,
    }


def _techniques(reader: Reader) -> list[Data]:
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
    unique(reader, [t["id"] for t in techniques], "techniques[].id")
    return techniques


def _routines(reader: Reader, techniques: Sequence[Data]) -> list[Data]:
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
    unique(reader, [r["id"] for r in routines], "routines[].id")
    return routines


def _question(reader: Reader, raw: Any, where: str, qid: str | None = None) -> Data:
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


def _texts(reader: Reader, raw: Any, where: str, keys: Sequence[str]) -> Data:
    """A mapping of exactly these spoken texts (no other key: a typo fails here)."""
    item = reader.mapping(raw, where)
    unknown = sorted(set(item) - set(keys))
    if unknown:
        raise reader.fail(f"{where}.{unknown[0]}", f"is not one of {', '.join(keys)} (typo?)")
    return {key: reader.text(item, key, where) for key in keys}


def _statement(reader: Reader, raw: Any, where: str) -> Data:
    item = reader.mapping(raw, where)
    return {
        "say": reader.text(item, "say", where),
        "ask": reader.text(item, "ask", where),
        "explain": reader.text(item, "explain", where),
        "on_no": reader.text(item, "on_no", where),
    }


def _safety(reader: Reader) -> Data:
    root = reader.mapping(reader.data, "file")
    questions = [
        _question(reader, raw, f"questions[{i}]")
        for i, raw in enumerate(reader.items(root.get("questions"), "questions"))
    ]
    unique(reader, [q["id"] for q in questions], "questions[].id")
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


def _topics(reader: Reader) -> list[Data]:
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
    unique(reader, [t["id"] for t in topics], "topics[].id")
    unique(reader, [t["intent"] for t in topics], "topics[].intent")
    return topics


def _prompts(reader: Reader, language: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Every prompt's wordings: a string is one wording, a list several (cycled by position),
    and a mapping with ``plural`` one wording whose form depends on a number (:func:`_plural`)."""
    root = reader.mapping(reader.data, "file")
    prompts: dict[str, list[Any]] = {}
    for key in (str(k) for k in root if k != SUGGESTIONS_KEY):
        prompts[key] = wordings(reader, root, key, language)
    missing = sorted(set(PROMPT_KEYS) - set(prompts))
    unknown = sorted(set(prompts) - set(PROMPT_KEYS))
    if missing:
        raise reader.fail(missing[0], "is missing")
    if unknown:
        raise reader.fail(unknown[0], "is not a prompt the skill uses (typo?)")
    for key, said in prompts.items():
        slots = {frozenset(placeholders([w])) for w in said} if len(said) > 1 else ()
        if len(slots) > 1:
            raise reader.fail(key, "every wording must use the same {placeholders}")
    return prompts


def _suggestions(reader: Reader, topics: Sequence[Data]) -> list[list[str]]:
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
