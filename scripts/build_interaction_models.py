"""Generate interaction_models/<locale>.json from one source per language, so locales cannot drift.

Inputs, per language: ``models/utterances.yaml`` (English) or
``models/utterances.<language>.yaml`` (samples, locales, invocation name, knee sides, time
zones) and ``content/<language>/`` (every language file has the same shape; its ``language``,
by default ``en``, names its content folder): technique and routine names with their synonyms,
the intent each information topic declares, and the
safety check's ``style``, which picks the style's own samples: only the ``questions`` style has
samples that name a condition, and intents whose samples are all in its section (the check's
kinds in a person's own words, such as ``LastingPainIntent``) are in its models only, so the
``statements`` style's model has no intent that names one). Intent and slot names come from
``skill/alexa/intents.py``; nothing here spells one.

Samples are patterns (``scripts/sample_grammar.py``): ``(hang | hold) on [a <moment>]`` stands
for every phrasing it spells out. The build fails, naming the entries, on a sample Alexa would
refuse, a sample listed twice, one sample claimed by two intents (also once slots are filled
with their values), a group nobody uses, and a model past Alexa's size limits.

    python scripts/build_interaction_models.py           # write the JSON files
    python scripts/build_interaction_models.py --check   # exit 1 if the committed files differ

Output is deterministic (sorted, two-space indent, trailing newline) so ``--check`` can
compare bytes and a diff shows only what really changed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable with any interpreter from a plain checkout
    sys.path.insert(0, str(ROOT))

SCRIPTS = str(Path(__file__).resolve().parent)
if SCRIPTS not in sys.path:  # the grammar lives beside this script
    sys.path.insert(0, SCRIPTS)

import yaml  # noqa: E402
from model_samples import (  # noqa: E402
    SLOT_REF,
    Entry,
    SampleError,
    check_filled_slots,
    check_limits,
    check_value,
    expand_all,
)
from sample_grammar import groups_used  # noqa: E402

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


class ModelError(ValueError):
    """The source files cannot make a valid model; the message names the file and entry."""


class _Loader(yaml.SafeLoader):
    """YAML that refuses a key given twice: plain YAML keeps the last one without a word,
    so two lists for one intent (two people adding one at once) would lose the first."""


def _unique_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)  # type: ignore[no-untyped-call]
        if key in seen:
            mark = key_node.start_mark
            raise ModelError(f"{mark.name}:{mark.line + 1}: {key!r} is given twice")
        seen.add(key)
    return loader.construct_mapping(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def _load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        try:
            return yaml.load(handle, Loader=_Loader)
        except yaml.YAMLError as error:
            raise ModelError(
                f"{path}: not valid YAML ({error}); a pattern that starts with [ or {{"
                " must be quoted"
            ) from None


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


def _entries(section: Any, key: str, path: Path) -> list[Entry]:
    """The entries of a section of utterances.yaml: intent constant → list of patterns.

    An intent listed with no samples (Fallback) is one entry with an empty pattern.
    """
    found = []
    for name, patterns in (section or {}).items():
        intent = _intent_name(name, path)
        if not isinstance(patterns, list):
            raise ModelError(f"{path}: {key}.{name}: must be a list of samples")
        found += [Entry(intent, f"{key}.{name}[{i}]", p) for i, p in enumerate(patterns)]
        found += [Entry(intent, f"{key}.{name}", "")] if not patterns else []
    return found


def _source_entries(
    source: Mapping[str, Any], content_dir: Path, path: Path, style: str
) -> list[Entry]:
    """Every entry the models of ``style`` share, in file order."""
    section = STYLE_SECTIONS[style]
    found = _entries(source.get("intents"), "intents", path)
    found += _entries(source.get(section), section, path)
    topic_intents = _topic_intents(content_dir)
    topic_samples = source.get("topics") or {}
    unknown = sorted(set(topic_samples) - set(topic_intents))
    missing = sorted(set(topic_intents) - set(topic_samples))
    if unknown or missing:
        raise ModelError(f"{path}: topics: unknown {unknown}, missing {missing} (see topics.yaml)")
    for topic_id, patterns in topic_samples.items():
        intent = topic_intents[topic_id]
        found += [Entry(intent, f"topics.{topic_id}[{i}]", p) for i, p in enumerate(patterns)]
    missing_built_ins = sorted(set(intents.BUILT_IN) - {e.intent for e in found})
    if missing_built_ins:
        raise ModelError(f"{path}: intents: built-ins missing: {missing_built_ins}")
    return found


def _groups(source: Mapping[str, Any], path: Path) -> dict[str, list[str]]:
    """The named groups of words (``<name>`` in a pattern); each must be used somewhere."""
    groups = source.get("groups") or {}
    if not isinstance(groups, Mapping) or not all(
        isinstance(v, list) and all(isinstance(p, str) for p in v) for v in groups.values()
    ):
        raise ModelError(f"{path}: groups: each group must be a list of quoted phrases")
    every_pattern = [
        pattern
        for key in ("intents", "topics", *STYLE_SECTIONS.values())
        for patterns in (source.get(key) or {}).values()
        for pattern in patterns or []
        if isinstance(pattern, str)
    ] + [
        pattern
        for extra in (source.get("locale_extras") or {}).values()
        for patterns in (extra or {}).values()
        for pattern in patterns
    ]
    unused = sorted(set(groups) - groups_used(every_pattern, groups))
    if unused:
        raise ModelError(f"{path}: groups: never used: {unused}")
    return {str(name): list(phrases) for name, phrases in groups.items()}


def _intent(name: str, samples: Sequence[str], path: Path) -> dict[str, Any]:
    if name not in intents.BUILT_IN and len(samples) < MIN_CUSTOM_SAMPLES:
        raise ModelError(f"{path}: {name}: needs at least {MIN_CUSTOM_SAMPLES} samples")
    slots = sorted({slot for sample in samples for slot in SLOT_REF.findall(sample)})
    intent: dict[str, Any] = {"name": name, "samples": sorted(samples)}
    if slots:
        intent["slots"] = [{"name": slot, "type": SLOT_TYPES[slot]} for slot in slots]
    return intent


def _value_phrases(types: Sequence[Mapping[str, Any]], path: Path) -> dict[str, list[str]]:
    """Custom slot type → every value and synonym (each within Alexa's length limit)."""
    phrases: dict[str, list[str]] = {}
    for slot_type in types:
        spoken = phrases.setdefault(slot_type["name"], [])
        for value in slot_type["values"]:
            for phrase in [value["name"]["value"], *value["name"].get("synonyms", [])]:
                check_value(phrase, f"{path}: {slot_type['name']}")
                spoken.append(phrase.lower())
    return phrases


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
    base = _source_entries(source, content_dir, source_path, style)
    groups = _groups(source, source_path)
    extras = source.get("locale_extras") or {}
    models = {}
    for locale in source["locales"]:
        types = _slot_types(source, content_dir, source_path, locale)
        phrases = _value_phrases(types, source_path)
        more = _entries(extras.get(locale), f"locale_extras.{locale}", source_path)
        try:
            samples = expand_all([*base, *more], groups, SLOT_TYPES, str(source_path))
            check_filled_slots(samples, SLOT_TYPES, phrases, f"{source_path} ({locale})")
        except SampleError as error:
            raise ModelError(str(error)) from None
        language_model = {
            "invocationName": source["invocation_name"],
            "intents": [_intent(n, list(s), source_path) for n, s in sorted(samples.items())],
            "types": types,
        }
        model = {"interactionModel": {"languageModel": language_model}}
        try:
            check_limits(render(model), len(samples), len(types), locale)
        except SampleError as error:
            raise ModelError(str(error)) from None
        models[locale] = model
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
