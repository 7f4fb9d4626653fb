"""Loading the content: from ``content/compiled.json`` when it is current, else the YAML.

``make generate`` (``scripts/compile_content.py``) keeps the validated content as plain data
shaped like the records, stamped with each source file's size and CRC-32. Loading checks
the stamps against the YAML files as they are now: when they match, the compiled data is
exactly what was validated and becomes records in one pass, with no YAML library and no
checks to repeat. When any file has changed since (or the compiled file is missing or
unusable), all of the YAML is read and validated again (:mod:`skill.content.validate`), so
a stale compiled file costs time, never correctness. The compiled file also keeps the
routine lengths a first launch announces, worked out by the coach from that same content.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from skill.content.records import (
    Content,
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

SOURCE_FILES = ("techniques.yaml", "routines.yaml", "safety.yaml", "topics.yaml", "prompts.yaml")
"""The YAML sources (the same as :data:`skill.content.validate.SOURCE_FILES`), in stamp order."""
COMPILED_FILE = "compiled.json"


def load_content(directory: Path) -> Content:
    """The content in ``directory``: compiled when it is current, else read from the YAML.

    Raises :class:`skill.content.validate.ContentError` for a mistake in the YAML.
    """
    compiled = _compiled(directory)
    return compiled if compiled is not None else read_yaml_content(directory)


def read_yaml_content(directory: Path) -> Content:
    """The content validated from the YAML alone, ignoring any compiled file."""
    return content_from(_read_yaml(directory))


def content_from(data: Mapping[str, Any], lengths: Mapping[str, float] | None = None) -> Content:
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
    variants = {key: tuple(wordings) for key, wordings in data["variants"].items()}
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
    )


def _read_yaml(directory: Path) -> dict[str, Any]:
    from skill.content.validate import read_content  # only when the compiled file is not current

    return read_content(directory)


def _compiled(directory: Path) -> Content | None:
    """The compiled content, if ``compiled.json`` was made from the YAML files as they are."""
    try:
        stamps = sources_stamp(directory)
        document = json.loads((directory / COMPILED_FILE).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("sources") != stamps:
        return None
    try:
        return content_from(document["content"], document.get("lengths"))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # hand-edited, or written by another version of this module: use the YAML


def sources_stamp(directory: Path) -> str:
    """Identifies this version of all the source files together: their stamps, in order."""
    return " ".join(stamp((directory / name).read_bytes()) for name in SOURCE_FILES)


def stamp(raw: bytes) -> str:
    """Identifies one version of a source file: its size and CRC-32, cheap to compute."""
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


def compile_content(directory: Path, work_out: WorkOut | None = None) -> str:
    """The text of ``compiled.json`` for the YAML files in ``directory``.

    The content is validated from the YAML first, so a file that would not load is never
    compiled. ``work_out`` adds the lengths the coach works out from this content (this
    module knows nothing of the coach).
    """
    data = _read_yaml(directory)
    document: dict[str, Any] = {
        "comment": "Generated by scripts/compile_content.py from the YAML files; do not edit.",
        "sources": sources_stamp(directory),
        "content": data,
    }
    if work_out is not None:
        document["lengths"] = dict(sorted(work_out(content_from(data)).items()))
    return json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


@lru_cache(maxsize=4)
def default_content(directory: Path | None = None) -> Content:
    """The content the running skill speaks, loaded once per process."""
    return load_content(directory or Settings.from_env().content_dir)
