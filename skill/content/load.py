"""Loading a locale's content: its language's compiled file when current, else the YAML.

Each language has its folder (``content/en/``, ``content/de/``, ``content/es/``) with the same
files in one schema, and a locale that must differ from its language has a folder of its own
with only the differences (``content/en-GB/locale.yaml``: British spelling on screens;
``content/es-MX/locale.yaml``: the time zones it names). A locale is served by its language
(es-MX by es), and a locale of a language the skill does not speak by English.

``make generate`` (``scripts/compile_content.py``) keeps each language's validated content,
with its locales' differences, as plain data shaped like the records in
``content/<language>/compiled.json``, stamped with each source file's size and CRC-32.
Loading checks the stamps against the files as they are now: when they match, the compiled
data is exactly what was validated and becomes records in one pass, with no YAML library
and no checks to repeat. When any file has changed since (or the compiled file is missing or
unusable), that language's YAML is read and validated again (:mod:`skill.content.validate`),
so a stale compiled file costs time, never correctness. Only the session's language is read:
an English launch opens no German or Spanish file. The compiled file also keeps the routine
lengths a first launch announces, worked out by the coach from that same content.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from skill.content.files import CLDR_FILE, COMPILED_FILE, LOCALE_FILE, SOURCE_FILES
from skill.content.records import (
    Content,
    Language,
    Plural,
    Routine,
    RoutineItem,
    Safety,
    SafetyFollowUp,
    SafetyQuestion,
    SafetyStatement,
    Step,
    Technique,
    Topic,
)
from skill.settings import Settings

SHIPPED = "checked current by scripts/build_lambda.py, which left the sources out"
"""The ``sources`` of a compiled file in a build artifact (the Lambda zip): its YAML is not
there to compare with, because the build compared it before leaving it out."""
DEFAULT_LOCALE = "en-US"
FALLBACK_LANGUAGE = "en"
"""The language of a locale the skill does not speak, and the reference for the others."""


def language_of(locale: str | None) -> str:
    """The language part of a locale: ``de`` for ``de-DE``."""
    return (locale or DEFAULT_LOCALE).split("-")[0].lower()


def language_dir(directory: Path, locale: str | None) -> Path:
    """The folder serving ``locale``: its language's, or English for any other language."""
    folder = directory / language_of(locale)
    return folder if (folder / "language.yaml").is_file() else directory / FALLBACK_LANGUAGE


def load_content(directory: Path, locale: str = DEFAULT_LOCALE) -> Content:
    """The content for ``locale`` in ``directory`` (``content/``), compiled when current.

    Raises :class:`skill.content.validate.ContentError` for a mistake in the YAML.
    """
    folder = language_dir(directory, locale)
    document = _compiled(folder)
    if document is not None:
        try:
            return content_for(document, locale)
        except (KeyError, TypeError, ValueError, AttributeError):
            pass  # hand-edited, or written by another version of this module: use the YAML
    return content_for(read_document(folder), locale)


def read_yaml_content(directory: Path, locale: str = DEFAULT_LOCALE) -> Content:
    """The content validated from the YAML alone, ignoring any compiled file."""
    return content_for(read_document(language_dir(directory, locale)), locale)


def content_for(document: Mapping[str, Any], locale: str) -> Content:
    """Records for one locale from a language's document (compiled, or read from the YAML)."""
    overlay = (document.get("locales") or {}).get(locale) or {}
    data = document["content"]
    lengths = document.get("lengths")
    prompts = overlay.get("prompts")
    if prompts:
        data = {**data, "variants": {**data["variants"], **prompts}}
        lengths = overlay.get("lengths")  # said differently: worked out for this locale
    content = content_from(data, lengths, locale)
    spellings = overlay.get("spellings")
    return content._replace(spellings=dict(spellings)) if spellings else content


def content_from(
    data: Mapping[str, Any], lengths: Mapping[str, float] | None = None, locale: str | None = None
) -> Content:
    """Records from validated plain data (see :mod:`skill.content.validate`), sharing techniques."""
    techniques = tuple(
        Technique(
            **{**t, "synonyms": tuple(t["synonyms"]), "steps": tuple(Step(**s) for s in t["steps"])}
        )
        for t in data["techniques"]
    )
    by_id = {t.id: t for t in techniques}
    routines = tuple(
        Routine(
            **{
                **r,
                "synonyms": tuple(r["synonyms"]),
                "items": tuple(
                    RoutineItem(by_id[i["technique"]], i["seconds"]) for i in r["items"]
                ),
            }
        )
        for r in data["routines"]
    )
    safety = data["safety"]
    variants: dict[str, tuple[str, ...]] = {}
    plurals: dict[str, tuple[Plural, ...]] = {}
    for key, wordings in data["variants"].items():
        if all(isinstance(w, str) for w in wordings):
            variants[key] = tuple(wordings)
            continue
        forms = tuple(
            Plural(w["plural"], w["forms"]) if isinstance(w, dict) else Plural("", {"other": w})
            for w in wordings
        )
        plurals[key] = forms
        variants[key] = tuple(p.forms["other"] for p in forms)
    return Content(
        techniques=techniques,
        routines=routines,
        safety=Safety(
            **{
                **safety,
                "questions": tuple(SafetyQuestion(**q) for q in safety["questions"]),
                "provider": SafetyFollowUp(**safety["provider"]),
                "named": dict(safety["named"]),
                "compact": SafetyQuestion(**safety["compact"]),
                "statement": SafetyStatement(**safety["statement"]),
                "compact_statement": SafetyStatement(**safety["compact_statement"]),
            }
        ),
        topics=tuple(Topic(**t) for t in data["topics"]),
        prompts={key: wordings[0] for key, wordings in variants.items()},
        variants=variants,
        suggestions=tuple((topic, say) for topic, say in data["suggestions"]),
        lengths=_lengths(lengths),
        language=_language(data["language"], locale),
        plurals=plurals,
        labels=dict(data["labels"]),
    )


def _language(data: Mapping[str, Any], locale: str | None) -> Language:
    return Language(
        code=data["code"],
        locale=locale or data["locales"][0],
        words_per_minute=float(data["words_per_minute"]),
        clock=int(data["clock"]),
        ordinals=tuple(data["ordinals"]),
        plural_runs=tuple((int(start), str(category)) for start, category in data["plural_runs"]),
        plural_upto=int(data.get("plural_upto", 200)),
        lists=dict(data.get("lists") or {}),
        day_periods=tuple(data.get("day_periods") or ()),
        permission_question=data["permission_question"],
        approvals=tuple(data["approvals"]),
        refusals=tuple(data["refusals"]),
    )


def read_document(folder: Path) -> dict[str, Any]:
    """A language's content and its locales' differences, validated from the YAML."""
    from skill.content.validate import read_content, read_locale  # not when compiled is current

    data = read_content(folder)
    locales = {
        locale.name: read_locale(locale / LOCALE_FILE, data) for locale in locale_dirs(folder)
    }
    return {"content": data, "locales": {k: v for k, v in locales.items() if v != _NOTHING}}


_NOTHING: dict[str, dict[str, Any]] = {"prompts": {}, "spellings": {}}


def locale_dirs(folder: Path) -> list[Path]:
    """The locale folders of a language folder's language (``content/en-GB`` for ``content/en``)."""
    prefix = folder.name + "-"
    with os.scandir(folder.parent) as entries:
        names = sorted(e.name for e in entries if e.name.startswith(prefix) and e.is_dir())
    return [folder.parent / name for name in names]


def _compiled(folder: Path) -> dict[str, Any] | None:
    """The compiled document, if ``compiled.json`` was made from the files as they are (or is
    a build artifact's, shipped without them: :data:`SHIPPED`)."""
    try:
        document = json.loads((folder / COMPILED_FILE).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict):
        return None
    if document.get("sources") == SHIPPED and not (folder / SOURCE_FILES[0]).exists():
        return document
    try:
        stamps = sources_stamp(folder)
    except OSError:
        return None
    return document if document.get("sources") == stamps else None


def sources_stamp(folder: Path) -> str:
    """Identifies this version of a language's source files together: their stamps, in order.

    Its YAML, its CLDR data and every locale folder of the language (by name), so editing
    any of them makes the compiled file stale.
    """
    stamps = [stamp((folder / name).read_bytes()) for name in (*SOURCE_FILES, CLDR_FILE)]
    for locale in locale_dirs(folder):
        stamps.append(f"{locale.name}={stamp((locale / LOCALE_FILE).read_bytes())}")
    return " ".join(stamps)


def stamp(raw: bytes) -> str:
    """Identifies one version of a source file: its size and CRC-32, cheap to compute."""
    import zlib  # a build artifact has no sources to stamp, so its cold start never loads it

    return f"{len(raw)}:{zlib.crc32(raw):08x}"


def _lengths(seconds: Any) -> dict[str, float]:
    """The worked-out lengths, keeping only well-formed entries (positive numbers)."""
    if not isinstance(seconds, dict):
        return {}
    return {
        str(key): float(value)
        for key, value in seconds.items()
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    }


WorkOut = Callable[[Content], Mapping[str, float]]
"""Works out the lengths a first launch announces (:func:`skill.coach.machine.launch_lengths`)."""


def compile_content(folder: Path, work_out: WorkOut | None = None) -> str:
    """The text of ``compiled.json`` for one language folder (``content/de``).

    The content is validated from the YAML first, so a file that would not load is never
    compiled. ``work_out`` adds the lengths the coach works out from this content (this
    module knows nothing of the coach), for the language and for each locale whose words
    differ from it.
    """
    document = read_document(folder)
    result: dict[str, Any] = {
        "comment": "Generated by scripts/compile_content.py from the YAML files; do not edit.",
        "sources": sources_stamp(folder),
        **document,
    }
    if work_out is not None:
        base = content_for(document, document["content"]["language"]["locales"][0])
        result["lengths"] = dict(sorted(work_out(base).items()))
        for locale, overlay in document["locales"].items():
            if overlay.get("prompts"):
                said = content_for({**document, "lengths": None}, locale)
                overlay["lengths"] = dict(sorted(work_out(said).items()))
    return json.dumps(result, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def default_content(directory: Path | None = None, locale: str = DEFAULT_LOCALE) -> Content:
    """The content the running skill speaks in ``locale``, loaded once per process."""
    return _loaded(directory or Settings.from_env().content_dir, locale)


@lru_cache(maxsize=16)
def _loaded(directory: Path, locale: str) -> Content:
    return load_content(directory, locale)


class Contents:
    """The content for each request's locale, each language loaded on its first request.

    ``fixed`` serves one content to every locale (tests that change the content).
    """

    def __init__(self, directory: Path | None = None, fixed: Content | None = None) -> None:
        self.directory = directory
        self.fixed = fixed

    def __call__(self, locale: str | None) -> Content:
        if self.fixed is not None:
            return self.fixed
        return default_content(self.directory, locale or DEFAULT_LOCALE)
