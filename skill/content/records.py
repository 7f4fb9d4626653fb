"""The spoken content: immutable records, loaded once from ``content/compiled.json``.

Everything the person hears that is not glue lives in ``content/*.yaml`` (so a clinician or
writer can review it without reading Python), and :mod:`skill.content_yaml` validates every
field of it, so a bad edit fails with the file and field named and never reaches a person
mid-massage.

A cold start does not read the YAML. ``make generate`` (``scripts/compile_content.py``) keeps
the validated content in ``content/compiled.json``, as plain data shaped like the records
below, stamped with each source file's size and CRC-32. Loading checks the stamps against the
YAML files as they are now: when they match, the compiled data is exactly what was validated,
and it is turned into records in one pass, with no YAML library, no parsing and no checks to
repeat. When any file has changed since (or the compiled file is missing or unusable), all of
the YAML is read and validated again, so a stale compiled file costs time, never correctness.
The compiled file also keeps the routine lengths a first launch announces, worked out by the
coach from that same content.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from skill.record import Record
from skill.settings import Settings

SOURCE_FILES = ("techniques.yaml", "routines.yaml", "safety.yaml", "topics.yaml", "prompts.yaml")
"""The YAML sources (the same as :data:`skill.content_yaml.SOURCE_FILES`), in stamp order."""
COMPILED_FILE = "compiled.json"


# The content model is made of records (skill.record): immutable and typed like frozen
# dataclasses, but defining them costs a cold start next to nothing.


class Step(Record):
    say: str
    hold: int = 0
    """Seconds of timed silence after the instruction (0: an untimed step)."""


class Technique(Record):
    id: str
    name: str
    synonyms: tuple[str, ...]
    purpose: str
    steps: tuple[Step, ...]

    @property
    def hold_seconds(self) -> int:
        return sum(step.hold for step in self.steps)


class RoutineItem(Record):
    technique: Technique
    seconds: int
    """Total hold time for this technique in this routine; step holds are scaled to it."""

    def holds(self) -> tuple[int, ...]:
        """Each step's hold in this routine, in whole seconds, summing to ``seconds``."""
        return scale_holds([step.hold for step in self.technique.steps], self.seconds)


class Routine(Record):
    id: str
    name: str
    synonyms: tuple[str, ...]
    summary: str
    items: tuple[RoutineItem, ...]


class SafetyQuestion(Record):
    id: str
    kind: str
    """``condition`` (the article says avoid massage) or ``warning`` (see a provider)."""
    ask: str
    explain: str
    on_yes: str


class SafetyStatement(Record):
    """The ``statements`` style: the conditions and warning signs read out, one question after.

    ``ask`` asks only whether to go on ("yes" goes on); ``on_no`` is said when they won't.
    """

    say: str
    ask: str
    explain: str
    on_no: str


class Safety(Record):
    intro: str
    all_clear: str
    questions: tuple[SafetyQuestion, ...]
    compact: SafetyQuestion
    statement: SafetyStatement
    compact_statement: SafetyStatement
    style: str = "questions"
    """``questions`` (one yes/no question a turn) or ``statements`` (a list, then "go on?")."""


class Topic(Record):
    id: str
    intent: str
    title: str
    say: str
    card: str


class Content(Record):
    techniques: tuple[Technique, ...]
    routines: tuple[Routine, ...]
    safety: Safety
    topics: tuple[Topic, ...]
    prompts: Mapping[str, str]
    """Each glue prompt's first (or only) wording."""
    variants: Mapping[str, tuple[str, ...]] = {}
    """Every wording of each prompt; frequent cues have several (see :meth:`variant`)."""
    suggestions: tuple[tuple[str, str], ...] = ()
    """(topic id, how a closing prompt names it), in the order they are suggested."""
    lengths: Mapping[str, float] = {}
    """Routine lengths the coach worked out at build time (``make generate``), in seconds, by
    the coach's own key (:func:`skill.coach.routine_steps.length_key`): what a first launch
    announces, so a cold start need not play the routine through to say it. Empty when the
    compiled file is missing or was made from other sources; the coach then works them out."""

    def technique(self, technique_id: str) -> Technique:
        return next(t for t in self.techniques if t.id == technique_id)

    def routine(self, routine_id: str) -> Routine:
        return next(r for r in self.routines if r.id == routine_id)

    def topic_for_intent(self, intent: str) -> Topic | None:
        return next((t for t in self.topics if t.intent == intent), None)

    def prompt(self, key: str, **values: object) -> str:
        """A glue phrase from prompts.yaml with ``{placeholders}`` filled in."""
        return self.prompts[key].format(**values)

    def variant(self, key: str, position: int, /, **values: object) -> str:
        """Wording ``number`` of a prompt (cycling), so a frequent cue is not always the same.

        ``position`` is a place in the routine (e.g. the hold's number): chosen by position,
        never at random, the same place always sounds the same, and tests stay exact.
        """
        wordings = self.variants.get(key) or (self.prompts[key],)
        return wordings[position % len(wordings)].format(**values)

    def suggestion(self, skip: str | None = None, count: int = 1) -> list[str]:
        """How closing prompts name topics to ask about, leaving out the one just heard."""
        return [phrase for topic, phrase in self.suggestions if topic != skip][:count]


def scale_holds(holds: Sequence[int], total: int) -> tuple[int, ...]:
    """Scale step holds to ``total`` seconds, keeping whole seconds and the exact sum.

    Rounds each share to five seconds (cues land on easy numbers), then puts any
    remainder on the longest hold so the routine's advertised length stays true.
    """
    base = sum(holds)
    if base == 0:
        return tuple(holds)
    scaled = [max(5, round(h * total / base / 5) * 5) if h else 0 for h in holds]
    longest = max(range(len(holds)), key=lambda i: scaled[i])
    scaled[longest] += total - sum(scaled)
    return tuple(scaled)


# --------------------------------------------------------------------------- loading


def load_content(directory: Path) -> Content:
    """The content in ``directory``: compiled when it is current, else read from the YAML.

    Raises :class:`skill.content_yaml.ContentError` for a mistake in the YAML.
    """
    compiled = _compiled(directory)
    return compiled if compiled is not None else read_yaml_content(directory)


def read_yaml_content(directory: Path) -> Content:
    """The content validated from the YAML alone, ignoring any compiled file."""
    return content_from(_read_yaml(directory))


def content_from(data: Mapping[str, Any], lengths: Mapping[str, float] | None = None) -> Content:
    """Records from validated plain data (see :mod:`skill.content_yaml`), sharing techniques."""
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
    from skill.content_yaml import read_content  # only when the compiled file is not current

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
"""Works out the lengths a first launch announces (:func:`skill.coach.launch_lengths`)."""


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
