"""Generate interaction_models/<locale>.json from one source per language, so locales cannot drift.

Inputs, per language: ``models/utterances.yaml`` (English) or ``models/utterances.<language>.yaml``
(samples, locales, invocation name, knee sides, time zones) and ``content/<language>/``
(technique and routine names with their synonyms, the intent each information topic declares,
and the safety check's ``style``, which picks the style's own yes/no samples: only the
``questions`` style has samples that name a condition). Every language file has the same
shape; its ``language`` (default ``en``) names its content folder. Intent and slot names come
from ``skill/intents.py``; nothing here spells one.

    python scripts/build_interaction_models.py           # write the JSON files
    python scripts/build_interaction_models.py --check   # exit 1 if the committed files differ

Output is deterministic (sorted, two-space indent, trailing newline) so ``--check`` can
compare bytes and a diff shows only what really changed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable with any interpreter from a plain checkout
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from skill.alexa import intents  # noqa: E402

SLOT_TYPES: dict[str, str] = {
    intents.ROUTINE_SLOT: intents.ROUTINE_TYPE,
    intents.TECHNIQUE_SLOT: intents.TECHNIQUE_TYPE,
    intents.SIDE_SLOT: intents.SIDE_TYPE,
    intents.TIME_SLOT: intents.TIME_TYPE,
    intents.ZONE_SLOT: intents.ZONE_TYPE,
}
"""Each slot name has exactly one type in this skill, so samples only need ``{slot}``.
Types named ``AMAZON.*`` are Alexa's built-ins and have no values here."""

MIN_CUSTOM_SAMPLES = 8
_LETTERS = r"[^\W\d_]"
_WORD = rf"{_LETTERS}+(?:'{_LETTERS}+)*"
_SAMPLE_RE = re.compile(rf"^(?:{_WORD}|\{{[a-z_]+\}})(?: (?:{_WORD}|\{{[a-z_]+\}}))*$")
"""Alexa's sample rules: lowercase words (in the language's letters: "über", "rodilla"),
inner apostrophes, ``{slot}``; no digits or marks."""
_SLOT_REF = re.compile(r"\{([a-z_]+)\}")


class ModelError(ValueError):
    """The source files cannot make a valid model; the message names the file and entry."""


def _load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _items(data: Any, key: str, path: Path) -> list[Mapping[str, Any]]:
    """Content files hold a list under ``key`` (or, tolerated, a bare list)."""
    items = data.get(key) if isinstance(data, Mapping) else data
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise ModelError(f"{path}: {key}: must be a list of mappings")
    return items


def spoken_key(phrase: str) -> str:
    """How a phrase sounds, for de-duplication: case, hyphens and spacing do not count."""
    return " ".join(phrase.lower().replace("-", " ").split())


def _slot_value(ident: str, name: str, synonyms: Iterable[str]) -> dict[str, Any]:
    """One slot value; synonyms that sound like the name or each other are dropped."""
    seen = {spoken_key(name)}
    kept: list[str] = []
    for synonym in synonyms:
        key = spoken_key(synonym)
        if key not in seen:
            seen.add(key)
            kept.append(synonym.lower())
    value: dict[str, Any] = {"value": name}
    if kept:
        value["synonyms"] = sorted(kept)
    return {"id": ident, "name": value}


def _content_values(path: Path, key: str) -> list[dict[str, Any]]:
    values = []
    for index, item in enumerate(_items(_load_yaml(path), key, path)):
        where = f"{path}: {key}[{index}]"
        ident, name = item.get("id"), item.get("name")
        if not isinstance(ident, str) or not isinstance(name, str):
            raise ModelError(f"{where}: needs a string id and name")
        synonyms = item.get("synonyms") or []
        if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
            raise ModelError(f"{where}.synonyms: must be a list of strings")
        values.append(_slot_value(ident, name, synonyms))
    return values


def _slot_types(
    source: Mapping[str, Any], content_dir: Path, source_path: Path, locale: str
) -> list[Any]:
    def listed(key: str) -> list[dict[str, Any]]:
        values = source.get(key)
        if isinstance(values, Mapping):  # per locale: a name may mean another zone elsewhere
            values = values.get(locale)
        return [
            _slot_value(str(s["id"]), str(s["name"]), s.get("synonyms") or [])
            for s in _items(values, key, source_path)
        ]

    types = {
        intents.TECHNIQUE_TYPE: _content_values(content_dir / "techniques.yaml", "techniques"),
        intents.ROUTINE_TYPE: _content_values(content_dir / "routines.yaml", "routines"),
        intents.SIDE_TYPE: listed("sides"),
        intents.ZONE_TYPE: listed("time_zones"),
    }
    return [
        {"name": name, "values": sorted(values, key=lambda v: v["id"])}
        for name, values in sorted(types.items())
    ]


def _intent_name(key: object, source_path: Path) -> str:
    name = getattr(intents, key, None) if isinstance(key, str) else None
    if not isinstance(name, str) or not name.endswith("Intent"):
        raise ModelError(
            f"{source_path}: intents.{key!r}: not an intent constant in skill/intents.py"
            " (quote YES and NO: YAML reads them as booleans)"
        )
    return name


def _topic_intents(content_dir: Path) -> dict[str, str]:
    """Topic id → the intent name the topic declares in content/topics.yaml."""
    path = content_dir / "topics.yaml"
    found = {}
    for index, topic in enumerate(_items(_load_yaml(path), "topics", path)):
        ident, intent = topic.get("id"), topic.get("intent")
        if not isinstance(ident, str) or not isinstance(intent, str):
            raise ModelError(f"{path}: topics[{index}]: needs a string id and intent")
        found[ident] = intent
    return found


STYLE_SECTIONS = {"questions": "question_style", "statements": "statement_style"}
"""Per safety style, the section of utterances.yaml whose samples only that style carries."""


def safety_style(content_dir: Path) -> str:
    """The safety check's style, as content/safety.yaml sets it."""
    path = content_dir / "safety.yaml"
    style = (_load_yaml(path) or {}).get("style")
    if style not in STYLE_SECTIONS:
        raise ModelError(f"{path}: style: must be one of {sorted(STYLE_SECTIONS)}")
    return str(style)


def _samples_by_intent(
    source: Mapping[str, Any], content_dir: Path, path: Path, style: str
) -> dict[str, Any]:
    by_intent: dict[str, list[str]] = {}
    for key, samples in (source.get("intents") or {}).items():
        by_intent[_intent_name(key, path)] = list(samples or [])
    for key, samples in (source.get(STYLE_SECTIONS[style]) or {}).items():
        by_intent.setdefault(_intent_name(key, path), []).extend(samples or [])
    topic_intents = _topic_intents(content_dir)
    topic_samples = source.get("topics") or {}
    unknown = sorted(set(topic_samples) - set(topic_intents))
    missing = sorted(set(topic_intents) - set(topic_samples))
    if unknown or missing:
        raise ModelError(f"{path}: topics: unknown {unknown}, missing {missing} (see topics.yaml)")
    for topic_id, samples in topic_samples.items():
        by_intent[topic_intents[topic_id]] = list(samples or [])
    missing_built_ins = sorted(set(intents.BUILT_IN) - set(by_intent))
    if missing_built_ins:
        raise ModelError(f"{path}: intents: built-ins missing: {missing_built_ins}")
    return by_intent


def _check_sample(intent: str, sample: str, path: Path) -> None:
    if not _SAMPLE_RE.match(sample) or sample != sample.lower():
        raise ModelError(f"{path}: {intent}: {sample!r} breaks Alexa's sample rules")
    for slot in _SLOT_REF.findall(sample):
        if slot not in SLOT_TYPES:
            raise ModelError(f"{path}: {intent}: {sample!r} uses unknown slot {{{slot}}}")


def _intent(name: str, samples: Sequence[object], path: Path) -> dict[str, Any]:
    for sample in samples:
        if not isinstance(sample, str):  # YAML reads a bare yes/no/on/off as a boolean
            raise ModelError(f"{path}: {name}: {sample!r} must be a quoted string")
        _check_sample(name, sample, path)
    if name not in intents.BUILT_IN and len(set(samples)) < MIN_CUSTOM_SAMPLES:
        raise ModelError(f"{path}: {name}: needs at least {MIN_CUSTOM_SAMPLES} samples")
    slots = sorted({slot for sample in samples for slot in _SLOT_REF.findall(sample)})
    intent: dict[str, Any] = {"name": name, "samples": sorted(set(samples))}
    if slots:
        intent["slots"] = [{"name": slot, "type": SLOT_TYPES[slot]} for slot in slots]
    return intent


def source_files(root: Path = ROOT) -> list[Path]:
    """Each language's samples: ``models/utterances.yaml`` (English), ``utterances.de.yaml`` ..."""
    return sorted((root / "models").glob("utterances*.yaml"))


def build(root: Path = ROOT, style: str | None = None) -> dict[str, dict[str, Any]]:
    """Every locale's model of every language, keyed by locale, as Alexa's JSON structure.

    ``style`` is the safety check's style; by default the one content/<language>/safety.yaml
    sets.
    """
    models: dict[str, dict[str, Any]] = {}
    for source_path in source_files(root):
        models.update(build_language(root, source_path, style))
    return models


def build_language(root: Path, source_path: Path, style: str | None) -> dict[str, dict[str, Any]]:
    """The models of one language's locales, from its samples and its content folder."""
    source = _load_yaml(source_path)
    content_dir = root / "content" / str(source.get("language", "en"))
    style = style or safety_style(content_dir)
    if style not in STYLE_SECTIONS:
        raise ModelError(f"unknown safety style {style!r}")
    base = _samples_by_intent(source, content_dir, source_path, style)
    extras = source.get("locale_extras") or {}
    models = {}
    for locale in source["locales"]:
        samples = {name: list(s) for name, s in base.items()}
        for key, more in (extras.get(locale) or {}).items():
            samples[_intent_name(key, source_path)].extend(more)
        language_model = {
            "invocationName": source["invocation_name"],
            "intents": [_intent(n, s, source_path) for n, s in sorted(samples.items())],
            "types": _slot_types(source, content_dir, source_path, locale),
        }
        models[locale] = {"interactionModel": {"languageModel": language_model}}
    return models


def render(model: Mapping[str, Any]) -> str:
    return json.dumps(model, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if committed files differ")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root")
    args = parser.parse_args(argv)
    try:
        models = build(args.root)
    except ModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out_dir = args.root / "interaction_models"
    stale = []
    for locale, model in models.items():
        path = out_dir / f"{locale}.json"
        text = render(model)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(path.name)
        else:
            out_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(args.root)}")
    if stale:
        print(f"out of date: {', '.join(stale)}; run {Path(__file__).name}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
