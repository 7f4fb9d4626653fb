"""The spoken content, loaded from ``content/*.yaml`` once and validated on the way in.

Everything the person hears that is not glue lives in YAML so that a clinician or writer can
review it without reading Python. Loading turns it into frozen dataclasses, and any mistake
(a missing field, an unknown technique in a routine, a hold that is not a positive number,
text that would break SSML) fails at load with the file and field named, so a bad edit can
never reach a person mid-massage.

Parsing YAML is the slowest part of a cold start (the YAML library's import plus its
pure-Python parser: ~20 ms on Lambda), so ``content/compiled.json`` carries the parsed data
of each file, stamped with the file's size and CRC-32 (``scripts/compile_content.py`` writes
it). A file whose stamp matches is read from there; any other is parsed from YAML as before.
Validation runs on both paths alike, so the compiled file can only make loading faster, never
different, and a stale one costs time, not correctness.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from skill.prompt_keys import PROMPT_KEYS
from skill.record import Record
from skill.settings import Settings

SSML_BREAKING = re.compile(r"[<>&{}]|\\")
"""Characters that would break (or silently smuggle markup into) the SSML we build."""
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
SOURCE_FILES = ("techniques.yaml", "routines.yaml", "safety.yaml", "topics.yaml", "prompts.yaml")
COMPILED_FILE = "compiled.json"


class ContentError(ValueError):
    """Content on disk is not what the skill can speak; the message names file and field."""


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


SAFETY_STYLES = ("questions", "statements")
"""How the self-check is spoken (content/safety.yaml ``style``; docs/deploy.md says which)."""


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


class _Reader:
    """Reads one YAML file and reports problems as ``file: path.to.field: what``."""

    def __init__(self, path: Path, compiled: Mapping[str, Any] | None = None) -> None:
        self.path = path
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise ContentError(f"{path}: file is missing") from None
        self.stamp = stamp(raw)
        entry = (compiled or {}).get(path.name)
        if isinstance(entry, dict) and entry.get("stamp") == self.stamp:
            self.data: Any = entry.get("data")
        else:
            self.data = parse_yaml(path, raw)

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

    def words(self, parent: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        values = parent.get(key, [])
        if not isinstance(values, list):
            raise self.fail(f"{where}.{key}", "must be a list of phrases")
        return tuple(self.text({"v": v}, "v", f"{where}.{key}[{i}]") for i, v in enumerate(values))

    def template(self, parent: Mapping[str, Any], key: str) -> str:
        """Like :meth:`text`, but ``{name}`` placeholders are allowed (glue prompts)."""
        value = parent.get(key)
        shown = PLACEHOLDER.sub("x", value) if isinstance(value, str) else value
        return self._checked(value, key, "", shown)


def _techniques(reader: _Reader) -> tuple[Technique, ...]:
    root = reader.mapping(reader.data, "file")
    techniques = []
    for i, raw in enumerate(reader.items(root.get("techniques"), "techniques")):
        item = reader.mapping(raw, f"techniques[{i}]")
        tid = reader.text(item, "id", f"techniques[{i}]")
        steps = []
        for j, raw_step in enumerate(reader.items(item.get("steps"), f"{tid}.steps")):
            step = reader.mapping(raw_step, f"{tid}.steps[{j}]")
            where = f"{tid}.steps[{j}]"
            steps.append(
                Step(reader.text(step, "say", where), reader.seconds(step, "hold", where, 0))
            )
        if not 3 <= len(steps) <= 6:
            raise reader.fail(f"{tid}.steps", f"must have 3 to 6 steps, has {len(steps)}")
        techniques.append(
            Technique(
                id=tid,
                name=reader.text(item, "name", tid),
                synonyms=reader.words(item, "synonyms", tid),
                purpose=reader.text(item, "purpose", tid),
                steps=tuple(steps),
            )
        )
    _unique(reader, [t.id for t in techniques], "techniques[].id")
    return tuple(techniques)


def _routines(reader: _Reader, techniques: Sequence[Technique]) -> tuple[Routine, ...]:
    by_id = {t.id: t for t in techniques}
    root = reader.mapping(reader.data, "file")
    routines = []
    for i, raw in enumerate(reader.items(root.get("routines"), "routines")):
        item = reader.mapping(raw, f"routines[{i}]")
        rid = reader.text(item, "id", f"routines[{i}]")
        entries = []
        for j, raw_entry in enumerate(reader.items(item.get("techniques"), f"{rid}.techniques")):
            where = f"{rid}.techniques[{j}]"
            entry = reader.mapping(raw_entry, where)
            tid = reader.text(entry, "technique", where)
            if tid not in by_id:
                raise reader.fail(f"{where}.technique", f"unknown technique {tid!r}")
            entries.append(RoutineItem(by_id[tid], reader.seconds(entry, "seconds", where, None)))
        routines.append(
            Routine(
                id=rid,
                name=reader.text(item, "name", rid),
                synonyms=reader.words(item, "synonyms", rid),
                summary=reader.text(item, "summary", rid),
                items=tuple(entries),
            )
        )
    _unique(reader, [r.id for r in routines], "routines[].id")
    return tuple(routines)


def _question(reader: _Reader, raw: Any, where: str, qid: str | None = None) -> SafetyQuestion:
    item = reader.mapping(raw, where)
    kind = "group" if qid else reader.text(item, "kind", where)
    if kind not in {"condition", "warning", "group"}:
        raise reader.fail(f"{where}.kind", f"must be condition or warning, got {kind!r}")
    return SafetyQuestion(
        id=qid or reader.text(item, "id", where),
        kind=kind,
        ask=reader.text(item, "ask", where),
        explain=reader.text(item, "explain", where),
        on_yes=reader.text(item, "on_yes", where),
    )


def _statement(reader: _Reader, raw: Any, where: str) -> SafetyStatement:
    item = reader.mapping(raw, where)
    return SafetyStatement(
        say=reader.text(item, "say", where),
        ask=reader.text(item, "ask", where),
        explain=reader.text(item, "explain", where),
        on_no=reader.text(item, "on_no", where),
    )


def _safety(reader: _Reader) -> Safety:
    root = reader.mapping(reader.data, "file")
    questions = tuple(
        _question(reader, raw, f"questions[{i}]")
        for i, raw in enumerate(reader.items(root.get("questions"), "questions"))
    )
    _unique(reader, [q.id for q in questions], "questions[].id")
    style = reader.text(root, "style", "")
    if style not in SAFETY_STYLES:
        raise reader.fail("style", f"must be one of {', '.join(SAFETY_STYLES)}, got {style!r}")
    return Safety(
        intro=reader.text(root, "intro", ""),
        all_clear=reader.text(root, "all_clear", ""),
        questions=questions,
        compact=_question(reader, root.get("compact"), "compact", qid="compact"),
        statement=_statement(reader, root.get("statement"), "statement"),
        compact_statement=_statement(reader, root.get("compact_statement"), "compact_statement"),
        style=style,
    )


def _topics(reader: _Reader) -> tuple[Topic, ...]:
    root = reader.mapping(reader.data, "file")
    topics = []
    for i, raw in enumerate(reader.items(root.get("topics"), "topics")):
        item = reader.mapping(raw, f"topics[{i}]")
        tid = reader.text(item, "id", f"topics[{i}]")
        topics.append(
            Topic(
                id=tid,
                intent=reader.text(item, "intent", tid),
                title=reader.text(item, "title", tid),
                say=reader.text(item, "say", tid),
                card=reader.text(item, "card", tid),
            )
        )
    _unique(reader, [t.id for t in topics], "topics[].id")
    _unique(reader, [t.intent for t in topics], "topics[].intent")
    return tuple(topics)


SUGGESTIONS_KEY = "suggestions"
"""The one list in prompts.yaml that is not wordings: topics to suggest, and how to name them."""


def _prompts(reader: _Reader) -> dict[str, tuple[str, ...]]:
    """Every prompt's wordings: a string is one wording, a list several (cycled by position)."""
    root = reader.mapping(reader.data, "file")
    prompts: dict[str, tuple[str, ...]] = {}
    for key in (str(k) for k in root if k != SUGGESTIONS_KEY):
        value = root[key]
        if isinstance(value, list):
            # Several wordings: each is checked like a single prompt.
            listed = reader.items(value, key)
            prompts[key] = tuple(reader.template({key: v}, key) for v in listed)
        else:
            prompts[key] = (reader.template(root, key),)
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


def _suggestions(reader: _Reader, topics: Sequence[Topic]) -> tuple[tuple[str, str], ...]:
    root = reader.mapping(reader.data, "file")
    known = {t.id for t in topics}
    found = []
    for i, raw in enumerate(reader.items(root.get(SUGGESTIONS_KEY), SUGGESTIONS_KEY)):
        where = f"{SUGGESTIONS_KEY}[{i}]"
        item = reader.mapping(raw, where)
        topic_id = reader.text(item, "topic", where)
        if topic_id not in known:
            raise reader.fail(f"{where}.topic", f"{topic_id!r} is not a topic in topics.yaml")
        found.append((topic_id, reader.text(item, "say", where)))
    if len(set(found)) < 3:
        raise reader.fail(SUGGESTIONS_KEY, "needs at least three topics (two, besides the last)")
    return tuple(found)


def _unique(reader: _Reader, values: Sequence[str], where: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise reader.fail(where, f"duplicate {value!r}")
        seen.add(value)


def load_content(directory: Path) -> Content:
    """Load and validate every content file in ``directory``; raise :class:`ContentError`."""
    document = _compiled(directory)
    files = document.get("files")
    readers = {name: _Reader(directory / name, files) for name in SOURCE_FILES}
    techniques = _techniques(readers["techniques.yaml"])
    topics = _topics(readers["topics.yaml"])
    variants = _prompts(readers["prompts.yaml"])
    return Content(
        techniques=techniques,
        routines=_routines(readers["routines.yaml"], techniques),
        safety=_safety(readers["safety.yaml"]),
        topics=topics,
        prompts={key: wordings[0] for key, wordings in variants.items()},
        variants=variants,
        suggestions=_suggestions(readers["prompts.yaml"], topics),
        lengths=_lengths(document.get("lengths"), sources_stamp(r.stamp for r in readers.values())),
    )


def sources_stamp(stamps: Iterable[str]) -> str:
    """Identifies this version of all the source files together (their stamps, in order)."""
    return " ".join(stamps)


def _lengths(entry: Any, stamp: str) -> dict[str, float]:
    """Worked-out lengths from the compiled file, if it was made from these very sources."""
    if not isinstance(entry, dict) or entry.get("stamp") != stamp:
        return {}
    seconds = entry.get("seconds")
    if not isinstance(seconds, dict):
        return {}
    return {
        str(key): float(value)
        for key, value in seconds.items()
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    }


# --------------------------------------------------------------------------- compiled data


def stamp(raw: bytes) -> str:
    """Identifies one version of a source file: its size and CRC-32, cheap to compute."""
    return f"{len(raw)}:{zlib.crc32(raw):08x}"


def parse_yaml(path: Path, raw: bytes) -> Any:
    """One YAML file's data; the YAML library is imported only when something needs parsing."""
    import yaml

    try:
        return yaml.safe_load(raw.decode("utf-8"))
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from None


def _compiled(directory: Path) -> dict[str, Any]:
    """The compiled file: ``files`` (entries by source name) and ``lengths``; empty when it is
    missing or unreadable."""
    try:
        data = json.loads((directory / COMPILED_FILE).read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    files = data.get("files")
    return {"files": files if isinstance(files, dict) else {}, "lengths": data.get("lengths")}


WorkOut = Callable[[Content], Mapping[str, float]]
"""Works out the lengths a first launch announces (:func:`skill.coach.launch_lengths`)."""


def compile_content(directory: Path, work_out: WorkOut | None = None) -> str:
    """The text of ``compiled.json`` for the YAML files in ``directory``.

    The content is validated first, so a file that would not load is never compiled. A file
    whose data does not survive a JSON round trip unchanged (say, a key YAML reads as a
    boolean) is left out, and keeps being parsed from YAML. ``work_out`` adds the lengths the
    coach works out from this content (this module knows nothing of the coach).
    """
    content = load_content(directory)._replace(lengths={})
    files: dict[str, Any] = {}
    for name in SOURCE_FILES:
        raw = (directory / name).read_bytes()
        data = parse_yaml(directory / name, raw)
        if json.loads(json.dumps(data)) == data:
            files[name] = {"stamp": stamp(raw), "data": data}
    document: dict[str, Any] = {
        "comment": "Generated by scripts/compile_content.py from the YAML files; do not edit.",
        "files": files,
    }
    if work_out is not None:
        stamps = (stamp((directory / name).read_bytes()) for name in SOURCE_FILES)
        seconds = dict(sorted(work_out(content).items()))
        document["lengths"] = {"stamp": sources_stamp(stamps), "seconds": seconds}
    return json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


@lru_cache(maxsize=4)
def default_content(directory: Path | None = None) -> Content:
    """The content the running skill speaks, loaded once per process."""
    return load_content(directory or Settings.from_env().content_dir)
