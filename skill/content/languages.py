"""What makes a language and a locale: the language file, plural wordings, locales, checks.

Every language folder (``content/en/``, ``content/de/``, ...) has a ``language.yaml`` (its
locales and the choices made for the ear), a ``screen.yaml`` (the words on screen buttons)
and the CLDR data ``make generate`` takes from Babel (``cldr.json``); a prompt may be written
with plural forms. A locale that must differ from its language says so in
``content/<locale>/locale.yaml`` (:func:`read_locale`). Whether a language says the same
things as English is :func:`check_against`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from skill.content.files import CLDR_FILE
from skill.content.prompt_keys import EXTRA_PLACEHOLDERS, LABEL_KEYS, PROMPT_KEYS
from skill.content.reader import PLACEHOLDER, ContentError, Data, Reader

PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
"""CLDR's plural categories; a plural prompt has a form for each its language uses."""


EXACT_FORM = re.compile(r"=\d+")


CLOCKS = (12, 24)


LOCALE_NAME = re.compile(r"[a-z]{2,3}-[A-Z]{2}")


def read_cldr(directory: Path) -> dict[str, Any]:
    """The language's CLDR data as ``make generate`` wrote it (plain JSON: no Babel needed)."""
    import json

    path = directory / CLDR_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ContentError(f"{path}: missing or unreadable ({error}): run make generate") from None
    if not isinstance(data, dict) or not isinstance(data.get("plural_runs"), list):
        raise ContentError(f"{path}: not CLDR data written by make generate")
    return {key: data[key] for key in CLDR_KEYS if key in data}


CLDR_KEYS = ("plural_runs", "plural_upto", "lists", "day_periods")
"""What ``cldr.json`` gives the language (see :class:`skill.content.records.Language`)."""


def read_locale(path: Path, base: Data) -> Data:
    """A locale's differences from its language (``content/<locale>/locale.yaml``), validated.

    ``prompts``: wordings that replace the language's (any prompt key, same placeholders);
    ``spellings``: words of shown text (cards, screens) spelled the locale's way, lower case
    (en-US "fiber" → en-GB "fibre"). Both are optional: a locale says only what differs.
    """
    reader = Reader(path)
    root = reader.mapping(reader.data or {}, "file")
    unknown = sorted(set(root) - {"prompts", "spellings"})
    if unknown:
        raise reader.fail(unknown[0], "is not a part of a locale file (prompts, spellings)")
    prompts: dict[str, list[Any]] = {}
    raw_prompts = reader.mapping(root.get("prompts") or {}, "prompts")
    for key in (str(k) for k in raw_prompts):
        if key not in PROMPT_KEYS:
            raise reader.fail(f"prompts.{key}", "is not a prompt the skill uses (typo?)")
        prompts[key] = wordings(reader, raw_prompts, key, base["language"])
        allowed = placeholders(base["variants"][key]) | set(EXTRA_PLACEHOLDERS.get(key, ()))
        extra = sorted(placeholders(prompts[key]) - allowed)
        if extra:
            raise reader.fail(f"prompts.{key}", f"uses {{{extra[0]}}}, which the skill never fills")
    spellings: dict[str, str] = {}
    for word, other in reader.mapping(root.get("spellings") or {}, "spellings").items():
        if not isinstance(word, str) or word != word.lower() or not word.isalpha():
            raise reader.fail(f"spellings.{word}", "must be one lower-case word")
        spellings[word] = reader.text({"v": other}, "v", f"spellings.{word}")
    return {"prompts": prompts, "spellings": spellings}


def wordings(
    reader: Reader, root: Mapping[str, Any], key: str, language: Mapping[str, Any]
) -> list[Any]:
    value = root[key]
    listed = reader.items(value, key) if isinstance(value, list) else [value]
    # Several wordings: each is checked like a single prompt.
    return [
        plural(reader, v, key, language)
        if isinstance(v, Mapping)
        else reader.template({key: v}, key)
        for v in listed
    ]


def plural(reader: Reader, value: Mapping[str, Any], key: str, language: Mapping[str, Any]) -> Data:
    """A wording with a form per plural category (CLDR's, from the language's cldr.json).

    ``plural`` names the placeholder whose number picks the form; ``other`` is required, as is
    every category the language gives a whole number up to its table's end, unless an exact
    form (``"=1"``) covers each number of that category.
    """
    count = value.get("plural")
    if not isinstance(count, str) or not count:
        raise reader.fail(key, "a mapping must name its number: plural: <placeholder>")
    forms: dict[str, str] = {}
    for form in (str(f) for f in value if f != "plural"):
        if form not in PLURAL_CATEGORIES and not EXACT_FORM.fullmatch(form):
            raise reader.fail(f"{key}.{form}", "is not a CLDR plural category or =<number>")
        forms[form] = reader.template(value, form)
    if "other" not in forms:
        raise reader.fail(f"{key}.other", "is missing")
    upto = int(language.get("plural_upto", 200))
    runs = language.get("plural_runs") or [[0, "other"]]
    for number in range(upto + 1):
        category = next(c for start, c in reversed(runs) if start <= number)
        if f"={number}" not in forms and category not in forms:
            problem = f"is missing: the language says {number} is {category!r}"
            raise reader.fail(f"{key}.{category}", problem)
    return {"plural": count, "forms": forms}


def placeholders(wordings: Sequence[Any]) -> set[str]:
    """Every ``{placeholder}`` the wordings use (all forms of a plural, and its number)."""
    found: set[str] = set()
    for wording in wordings:
        if isinstance(wording, Mapping):
            found.add(str(wording["plural"]))
            texts: Sequence[str] = list(wording["forms"].values())
        else:
            texts = [wording]
        for text in texts:
            found.update(name[1:-1] for name in PLACEHOLDER.findall(text))
    return found


def language(reader: Reader, folder: str) -> Data:
    """``language.yaml``: which language, its locales, and the choices made for the ear."""
    root = reader.mapping(reader.data, "file")
    code = reader.text(root, "language", "")
    if code != folder:
        raise reader.fail("language", f"must be the folder's name {folder!r}, got {code!r}")
    locales = reader.words(root, "locales", "")
    if not locales:
        raise reader.fail("locales", "must list at least one locale")
    for locale in locales:
        if not LOCALE_NAME.fullmatch(locale) or not locale.startswith(code + "-"):
            raise reader.fail("locales", f"{locale!r} is not a locale of {code!r}")
    speed = root.get("words_per_minute")
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not 60 <= speed <= 300:
        raise reader.fail("words_per_minute", f"must be a number from 60 to 300, got {speed!r}")
    clock = root.get("clock")
    if clock not in CLOCKS:
        raise reader.fail("clock", f"must be 12 or 24, got {clock!r}")
    ordinals = reader.words(root, "ordinals", "")
    if len(ordinals) < 10:
        raise reader.fail("ordinals", "must give the ordinal words at least up to the tenth")
    alexa = reader.mapping(root.get("alexa"), "alexa")
    return {
        "code": code,
        "locales": locales,
        "words_per_minute": float(speed),
        "clock": clock,
        "ordinals": ordinals,
        "permission_question": reader.text(alexa, "permission_question", "alexa"),
        "approvals": reader.words(alexa, "approve", "alexa") or none(reader, "alexa.approve"),
        "refusals": reader.words(alexa, "refuse", "alexa") or none(reader, "alexa.refuse"),
    }


def none(reader: Reader, where: str) -> list[str]:
    raise reader.fail(where, "must list at least one phrase")


def labels(reader: Reader) -> dict[str, str]:
    """``screen.yaml``: the words on screen buttons and labels (exactly :data:`LABEL_KEYS`)."""
    root = reader.mapping(reader.data, "file")
    labels = reader.mapping(root.get("labels"), "labels")
    missing = sorted(set(LABEL_KEYS) - set(labels))
    unknown = sorted(set(labels) - set(LABEL_KEYS))
    if missing:
        raise reader.fail(f"labels.{missing[0]}", "is missing")
    if unknown:
        raise reader.fail(f"labels.{unknown[0]}", "is not a label the screen shows (typo?)")
    return {key: reader.template(labels, key) for key in LABEL_KEYS}


def check_against(data: Data, reference: Data, where: str) -> None:
    """Fail unless ``data`` (one language) says the same things as ``reference`` (English).

    The same techniques with the same steps and holds, the same routines, safety questions
    (ids, kinds, style), topics and suggestions, and no placeholder the skill never fills: a
    translation changes words, never what the routine does or how long it takes.
    """

    def shape(d: Data) -> Any:
        return {
            "techniques": [(t["id"], [s["hold"] for s in t["steps"]]) for t in d["techniques"]],
            "routines": [(r["id"], r["items"]) for r in d["routines"]],
            "safety": (
                d["safety"]["style"],
                [(q["id"], q["kind"]) for q in d["safety"]["questions"]],
            ),
            "topics": [(t["id"], t["intent"]) for t in d["topics"]],
            "suggestions": [topic for topic, _ in d["suggestions"]],
        }

    mine, theirs = shape(data), shape(reference)
    for part in mine:
        if mine[part] != theirs[part]:
            raise ContentError(
                f"{where}: {part} differ from English: {mine[part]} != {theirs[part]}"
            )
    for key, wordings in data["variants"].items():
        allowed = placeholders(reference["variants"][key]) | set(EXTRA_PLACEHOLDERS.get(key, ()))
        extra = sorted(placeholders(wordings) - allowed)
        if extra:
            problem = f"uses {{{extra[0]}}}, which the skill never fills"
            raise ContentError(f"{where}/prompts.yaml: {key}: {problem}")
    for key, label in data["labels"].items():
        extra = sorted(placeholders([label]) - placeholders([reference["labels"][key]]))
        if extra:
            raise ContentError(f"{where}/screen.yaml: labels.{key}: uses {{{extra[0]}}}")
