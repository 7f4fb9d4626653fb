"""The generated interaction models: complete, unambiguous, valid for Alexa, locales in step."""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from skill.alexa import builder as app
from skill.alexa import intents
from skill.settings import REPO_ROOT

SOURCES = {
    str(data.get("language", "en")): data
    for data in (
        yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((REPO_ROOT / "models").glob("utterances*.yaml"))
    )
}
"""Each language's samples (models/utterances.yaml is English), by language."""
SOURCE = SOURCES["en"]
LOCALES = tuple(locale for source in SOURCES.values() for locale in source["locales"])
ENGLISH = tuple(SOURCE["locales"])
LANGUAGE = {locale: language for language, s in SOURCES.items() for locale in s["locales"]}
YES_WORDS = {
    "en": {"yes", "yeah", "yep", "sure", "ok"},
    "de": {"ja", "klar", "okay", "ok", "genau"},
    "es": {"sí", "claro", "vale", "ok", "de acuerdo"},
}
"""Plain yeses each language's model must carry (the simulator knows only what it carries)."""
CONDITION_SAMPLES = {
    "en": ("yes i have osteoporosis", "i have high blood pressure", "what is osteoporosis"),
    "de": ("ja ich habe osteoporose", "ich habe bluthochdruck", "was ist osteoporose"),
    "es": ("sí tengo osteoporosis", "tengo la presión alta", "qué es la osteoporosis"),
}
"""A condition named as an answer (HaveCondition twice) and as a question (Explain)."""
CONDITIONS = {
    "en": ("osteoporosis", "varicose", "blood pressure", "hypertension", "swelling"),
    "de": ("osteoporose", "krampfader", "bluthochdruck", "blutdruck", "hypertonie", "schwellung"),
    "es": ("osteoporosis", "varices", "presión alta", "hipertensión", "hinchazón"),
}
SCRIPT = REPO_ROOT / "scripts" / "build_interaction_models.py"
SLOT_REF = re.compile(r"\{([a-z_]+)\}")
CUSTOM = sorted(
    value
    for name, value in vars(intents).items()
    if name.isupper() and isinstance(value, str) and value.endswith("Intent")
    if value not in intents.BUILT_IN
)


def _content(name: str, language: str = "en") -> list[dict[str, Any]]:
    data = yaml.safe_load((REPO_ROOT / "content" / language / name).read_text(encoding="utf-8"))
    items: list[dict[str, Any]] = data[name.removesuffix(".yaml")]
    return items


def _load(locale: str) -> dict[str, Any]:
    path = REPO_ROOT / "interaction_models" / f"{locale}.json"
    model: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["interactionModel"]
    return model["languageModel"]  # type: ignore[no-any-return]


MODELS = {locale: _load(locale) for locale in LOCALES}


def _intents(locale: str) -> dict[str, dict[str, Any]]:
    return {intent["name"]: intent for intent in MODELS[locale]["intents"]}


def _spoken(phrase: str) -> str:
    return " ".join(phrase.lower().replace("-", " ").split())


def _value_phrases(value: dict[str, Any]) -> list[str]:
    return [value["name"]["value"], *value["name"].get("synonyms", [])]


BUILT_IN_PHRASES = {
    intents.TIME_TYPE: {"nine", "seven pm", "seven thirty pm", "half past six", "noon", "evening"}
}
"""A sample of what Alexa's built-in slot types take, so samples using them can be expanded."""


def _phrases(locale: str) -> dict[str, set[str]]:
    """Slot type → every value and synonym, as spoken (built-in types: a sample of phrases)."""
    custom = {
        t["name"]: {_spoken(p) for v in t["values"] for p in _value_phrases(v)}
        for t in MODELS[locale]["types"]
    }
    return {**custom, **BUILT_IN_PHRASES}


def _expansions(intent: dict[str, Any], phrases: dict[str, set[str]]) -> set[str]:
    """Every utterance a sample stands for, each slot filled with each of its phrases."""
    types = {s["name"]: s["type"] for s in intent.get("slots", [])}
    out = set()
    for sample in intent.get("samples", []):
        slots = SLOT_REF.findall(sample)
        for fill in itertools.product(*(sorted(phrases[types[s]]) for s in slots)):
            text = sample
            for slot, value in zip(slots, fill, strict=True):
                text = text.replace(f"{{{slot}}}", value, 1)
            out.add(_spoken(text))
    return out


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_interaction_models", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_locale_is_generated_and_listed_in_the_source() -> None:
    assert ENGLISH == ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
    assert {"de-DE", "es-ES", "es-MX", "es-US"} <= set(LOCALES)
    assert sorted(p.stem for p in (REPO_ROOT / "interaction_models").glob("*.json")) == sorted(
        LOCALES
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_invocation_name(locale: str) -> None:
    """Each language's own: "knee coach", "knie coach", "entrenador de rodillas"."""
    expected = {"en": "knee coach", "de": "knie coach", "es": "entrenador de rodillas"}
    assert MODELS[locale]["invocationName"] == expected[LANGUAGE[locale]]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_intent_constant_is_in_the_model(locale: str) -> None:
    missing = (set(CUSTOM) | set(intents.BUILT_IN)) - set(_intents(locale))
    assert not missing


@pytest.mark.parametrize("locale", LOCALES)
def test_every_topic_has_its_intent(locale: str) -> None:
    topic_intents = {topic["intent"] for topic in _content("topics.yaml")}
    assert topic_intents <= set(_intents(locale))
    assert len(topic_intents) == len(_content("topics.yaml")), "two topics share an intent"


@pytest.mark.parametrize("locale", LOCALES)
def test_custom_intents_have_at_least_eight_samples(locale: str) -> None:
    built_in = set(intents.BUILT_IN)
    thin = {
        name: len(intent["samples"])
        for name, intent in _intents(locale).items()
        if name not in built_in and len(intent["samples"]) < 8
    }
    assert not thin


@pytest.mark.parametrize("locale", LOCALES)
def test_built_ins_are_present_and_fallback_and_home_have_no_samples(locale: str) -> None:
    model = _intents(locale)
    assert set(intents.BUILT_IN) <= set(model)
    assert model[intents.FALLBACK]["samples"] == []
    assert model[intents.NAVIGATE_HOME]["samples"] == []
    assert "keep going" not in model[intents.RESUME]["samples"]
    assert YES_WORDS[LANGUAGE[locale]] <= set(model[intents.YES]["samples"])


@pytest.mark.parametrize("locale", ENGLISH)
def test_keep_going_has_phrases_beyond_the_one_resume_may_claim(locale: str) -> None:
    """Alexa's ResumeIntent may hear "keep going" itself, so the mode needs its own phrases."""
    model = _intents(locale)
    samples = set(model[intents.KEEP_GOING]["samples"])
    assert "keep going" in samples and "keep going" not in model[intents.RESUME]["samples"]
    distinct = {
        "keep going without stopping",
        "don't stop between steps",
        "play the whole technique",
        "no need to wait for me",
    }
    assert distinct <= samples


@pytest.mark.parametrize("locale", LOCALES)
def test_answers_that_name_a_condition_capture_no_health_data(locale: str) -> None:
    """ "yes I have osteoporosis" is HaveConditionIntent with plain samples: no slot could
    carry the condition anywhere, so which one was named is never known."""
    model = _intents(locale)
    named, named_again, asked = CONDITION_SAMPLES[LANGUAGE[locale]]
    assert named in model[intents.HAVE_CONDITION]["samples"]
    assert named_again in model[intents.HAVE_CONDITION]["samples"]
    assert asked in model[intents.EXPLAIN]["samples"]
    own_words = [name for name in OWN_WORDS if name in model or LANGUAGE[locale] == "en"]
    for name in (intents.YES, intents.NO, intents.EXPLAIN, intents.HAVE_CONDITION, *own_words):
        assert "slots" not in model[name], name
    conditions = CONDITIONS[LANGUAGE[locale]]
    every_value = set().union(*_phrases(locale).values())
    assert not {v for v in every_value if any(c in v for c in conditions)}


@pytest.mark.parametrize("locale", LOCALES)
def test_samples_follow_alexa_rules(locale: str) -> None:
    word = r"[a-zäöüßáéíóúñ]+(?:'[a-zäöüßáéíóúñ]+)*"  # the languages' letters, lower case
    rule = re.compile(rf"^(?:{word}|\{{[a-z_]+\}})(?: (?:{word}|\{{[a-z_]+\}}))*$")
    for name, intent in _intents(locale).items():
        declared = {slot["name"] for slot in intent.get("slots", [])}
        used = set()
        for sample in intent["samples"]:
            assert rule.match(sample), f"{name}: {sample!r}"
            used |= set(SLOT_REF.findall(sample))
        assert used == declared, name


@pytest.mark.parametrize("locale", LOCALES)
def test_no_sample_is_shared_between_intents(locale: str) -> None:
    owners = defaultdict(set)
    for name, intent in _intents(locale).items():
        for sample in intent["samples"]:
            owners[_spoken(sample)].add(name)
    assert not {s: o for s, o in owners.items() if len(o) > 1}


@pytest.mark.parametrize("locale", LOCALES)
def test_no_utterance_is_shared_after_filling_slots(locale: str) -> None:
    phrases = _phrases(locale)
    owners = defaultdict(set)
    for name, intent in _intents(locale).items():
        for utterance in _expansions(intent, phrases):
            owners[utterance].add(name)
    assert not {u: o for u, o in owners.items() if len(o) > 1}


@pytest.mark.parametrize("locale", LOCALES)
def test_shared_carrier_phrases_use_slot_types_that_cannot_overlap(locale: str) -> None:
    """'the {side} one' and 'do the {routine} one' may share a shape only with disjoint values."""
    shapes = defaultdict(set)
    for name, intent in _intents(locale).items():
        types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        for sample in intent["samples"]:
            if SLOT_REF.search(sample):
                shape = SLOT_REF.sub("{}", sample)
                shapes[shape].add((name, tuple(types[s] for s in SLOT_REF.findall(sample))))
    phrases = _phrases(locale)
    for shape, users in shapes.items():
        for (a, types_a), (b, types_b) in itertools.combinations(sorted(users), 2):
            for ta, tb in zip(types_a, types_b, strict=True):
                assert a == b or not phrases[ta] & phrases[tb], (shape, a, b)


@pytest.mark.parametrize("locale", LOCALES)
def test_slot_value_sets_do_not_overlap(locale: str) -> None:
    phrases = _phrases(locale)
    assert set(phrases) == {
        intents.TECHNIQUE_TYPE,
        intents.ROUTINE_TYPE,
        intents.SIDE_TYPE,
        intents.ZONE_TYPE,
        intents.TIME_TYPE,
    }
    for a, b in itertools.combinations(sorted(phrases), 2):
        assert not phrases[a] & phrases[b], (a, b)


@pytest.mark.parametrize("locale", LOCALES)
def test_no_slot_value_is_also_a_literal_sample(locale: str) -> None:
    """A value such as 'next' would make 'next' mean two things."""
    every_value = set().union(*_phrases(locale).values())
    literal = {
        _spoken(sample)
        for intent in _intents(locale).values()
        for sample in intent["samples"]
        if not SLOT_REF.search(sample)
    }
    assert not every_value & literal


@pytest.mark.parametrize("locale", LOCALES)
def test_slot_values_are_unique_within_their_type(locale: str) -> None:
    for slot_type in MODELS[locale]["types"]:
        spoken = [_spoken(p) for v in slot_type["values"] for p in _value_phrases(v)]
        assert len(spoken) == len(set(spoken)), slot_type["name"]
        for value in slot_type["values"]:
            for phrase in value["name"].get("synonyms", []):
                assert re.fullmatch(r"[a-zäöüßáéíóúñ][a-zäöüßáéíóúñ' ]*", phrase), phrase


@pytest.mark.parametrize("locale", LOCALES)
def test_every_technique_and_synonym_is_a_technique_value(locale: str) -> None:
    types = {t["name"]: t for t in MODELS[locale]["types"]}
    by_id = {v["id"]: v["name"] for v in types[intents.TECHNIQUE_TYPE]["values"]}
    techniques = _content("techniques.yaml", LANGUAGE[locale])
    assert set(by_id) == {t["id"] for t in techniques}
    for technique in techniques:
        value = by_id[technique["id"]]
        spoken = {_spoken(p) for p in [value["value"], *value.get("synonyms", [])]}
        wanted = {_spoken(p) for p in [technique["name"], *technique.get("synonyms", [])]}
        assert wanted <= spoken, technique["id"]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_routine_and_synonym_is_a_routine_value(locale: str) -> None:
    types = {t["name"]: t for t in MODELS[locale]["types"]}
    by_id = {v["id"]: v["name"] for v in types[intents.ROUTINE_TYPE]["values"]}
    routines = _content("routines.yaml", LANGUAGE[locale])
    assert set(by_id) == {r["id"] for r in routines}
    for routine in routines:
        value = by_id[routine["id"]]
        spoken = {_spoken(p) for p in [value["value"], *value.get("synonyms", [])]}
        assert {_spoken(p) for p in [routine["name"], *routine.get("synonyms", [])]} <= spoken


@pytest.mark.parametrize("locale", LOCALES)
def test_knee_sides_are_left_right_and_both(locale: str) -> None:
    types = {t["name"]: t for t in MODELS[locale]["types"]}
    assert [v["id"] for v in types[intents.SIDE_TYPE]["values"]] == ["both", "left", "right"]


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc not in ("en-US", "es-ES")])
def test_locales_agree_except_for_declared_extra_samples(locale: str) -> None:
    """Within a language, locales differ only where declared: extra samples, and (Spanish)
    the time zones each country names."""
    source = SOURCES[LANGUAGE[locale]]
    first = source["locales"][0]
    reference, other = MODELS[first], MODELS[locale]
    per_locale = {intents.ZONE_TYPE} if isinstance(source.get("time_zones"), dict) else set()
    assert [t for t in reference["types"] if t["name"] not in per_locale] == [
        t for t in other["types"] if t["name"] not in per_locale
    ]
    ref_intents, other_intents = _intents(first), _intents(locale)
    assert set(ref_intents) == set(other_intents)
    extras = source.get("locale_extras") or {}
    for name, intent in ref_intents.items():
        assert intent.get("slots") == other_intents[name].get("slots"), name
        key = next((k for k, v in vars(intents).items() if v == name and k.isupper()), name)
        ours = set(intent["samples"]) - set(extras.get(first, {}).get(key, []))
        theirs = set(other_intents[name]["samples"]) - set(extras.get(locale, {}).get(key, []))
        assert ours == theirs, name


def test_the_same_zone_name_means_its_own_countrys_zone() -> None:
    def zone(locale: str, name: str) -> str:
        types = {t["name"]: t for t in MODELS[locale]["types"]}
        values = types[intents.ZONE_TYPE]["values"]
        return str(next(v["id"] for v in values if v["name"]["value"] == name))

    assert zone("es-MX", "centro") == "America/Mexico_City"
    assert zone("es-US", "centro") == "America/Chicago"


def test_british_spelling_only_where_it_belongs() -> None:
    def says(locale: str, word: str) -> bool:
        samples = _intents(locale)[intents.START_ROUTINE]["samples"]
        return any(word in sample.split() for sample in samples)

    assert says("en-GB", "programme") and not says("en-GB", "program")
    assert says("en-US", "program") and not says("en-US", "programme")


def test_generator_check_passes_on_the_committed_models() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    for folder in ("models", "content", "interaction_models"):
        shutil.copytree(REPO_ROOT / folder, tmp_path / folder)
    return tmp_path


def test_generator_check_fails_when_a_model_was_edited_by_hand(repo_copy: Path) -> None:
    path = repo_copy / "interaction_models" / "en-GB.json"
    path.write_text(path.read_text(encoding="utf-8").replace("knee coach", "knee coach two"))
    generator = _generator()
    assert generator.main(["--check", "--root", str(repo_copy)]) == 1
    assert generator.main(["--root", str(repo_copy)]) == 0
    assert generator.main(["--check", "--root", str(repo_copy)]) == 0


def test_generator_output_is_deterministic() -> None:
    generator = _generator()
    first, second = generator.build(REPO_ROOT), generator.build(REPO_ROOT)
    assert [generator.render(m) for m in first.values()] == [
        generator.render(m) for m in second.values()
    ]
    text = generator.render(first["en-US"])
    assert text.endswith("}\n") and text.startswith('{\n  "interactionModel"')


@pytest.mark.parametrize(
    ("sample", "complaint"),
    [
        ("go to step 3", "sample rules"),
        ("what's next?", "sample rules"),
        ("go to {knee}", "unknown slot"),
        ("yes", "quoted string"),  # written below as a bare YAML boolean
    ],
)
def test_generator_rejects_samples_alexa_would_reject(
    repo_copy: Path, sample: str, complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo_copy / "models" / "utterances.yaml"
    text = path.read_text(encoding="utf-8")
    entry = "yes" if sample == "yes" else f'"{sample}"'
    path.write_text(text.replace("  WHERE_AM_I:\n", f"  WHERE_AM_I:\n    - {entry}\n"))
    assert _generator().main(["--check", "--root", str(repo_copy)]) == 2
    assert complaint in capsys.readouterr().err


@pytest.mark.parametrize("locale", LOCALES)
def test_every_model_intent_is_handled(locale: str) -> None:
    """Each model intent reaches a handler, and each handled intent is in every model."""
    assert set(_intents(locale)) == set(app.handled_intents())


# --------------------------------------------------------------------------- safety styles

CONDITION_NAMES = {
    "en": (
        "osteoporosis",
        "varicose",
        "blood pressure",
        "hypertension",
        "swelling",
        "swollen",
        "redness",
        "locking",
        "locks",
        "popping",
        "clicking",
        "clicks",
        "fever",
        "chills",
        "arthritis",
        "surgery",
        "operation",
        "knee replacement",
        "replaced",
        "injur",
        "stairs",
        "most days",
        "for years",
    ),
    "de": (
        "osteoporose",
        "krampfader",
        "blutdruck",
        "hypertonie",
        "schwellung",
        "rötung",
        "blockiert",
        "knacken",
        "klicken",
        "fieber",
        "schüttelfrost",
        "geschwollen",
        "gerötet",
        "blockier",
        "knackt",
        "knirsch",
        "klickt",
        "arthrose",
        "arthritis",
        "operation",
        "operiert",
        "knie op",
        "prothese",
        "kniegelenk",
        "verletz",
        "gestürzt",
        "treppe",
        "seit jahren",
    ),
    "es": (
        "osteoporosis",
        "varices",
        "presión alta",
        "presión arterial",
        "hipertensión",
        "hinchazón",
        "enrojecimiento",
        "bloque",
        "cruj",
        "chasque",
        "fiebre",
        "escalofríos",
        "artrosis",
        "artritis",
        "operación",
        "operaron",
        "prótesis",
        "lesión",
        "hinchad",
        "tensión alta",
        "truena",
        "escaleras",
        "desde hace años",
    ),
}
"""The safety check's conditions and warning signs, as a sample would name them. Pain in the
moment ("it aches when I press") is not among them: every style must hear it, to stop."""
OWN_WORDS = (
    intents.LASTING_PAIN,
    intents.PROVIDER_KNOWS,
    intents.RECENT_SURGERY,
    intents.ACUTE_SIGN,
    intents.KNEE_SOUNDS,
)
"""The check's kinds in a person's own words: questions style only, no slot."""


@pytest.fixture(scope="module")
def statement_models() -> dict[str, dict[str, Any]]:
    built: dict[str, dict[str, Any]] = _generator().build(style="statements")
    return {locale: model["interactionModel"]["languageModel"] for locale, model in built.items()}


@pytest.mark.parametrize("locale", LOCALES)
def test_the_statements_style_has_no_sample_that_names_a_condition(
    locale: str, statement_models: dict[str, dict[str, Any]]
) -> None:
    """For a reviewer who would read a spoken yes to "osteoporosis?" as collecting it.

    Information questions are the same in both styles and say nothing about the person
    ("what are the risk factors for osteoarthritis"): only the topics' intents may name one.
    """
    conditions = CONDITION_NAMES[LANGUAGE[locale]]
    topics = {topic["intent"] for topic in _content("topics.yaml", LANGUAGE[locale])}
    named = [
        (intent["name"], sample)
        for intent in statement_models[locale]["intents"]
        if intent["name"] not in topics
        for sample in intent["samples"]
        if any(condition in sample for condition in conditions)
    ]
    assert not named
    # The committed (questions) models do have them, as answers to their questions.
    assert any(
        condition in sample
        for intent in MODELS[locale]["intents"]
        for sample in intent["samples"]
        for condition in conditions
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_both_styles_have_the_same_intents_and_no_shared_samples(
    locale: str, statement_models: dict[str, dict[str, Any]]
) -> None:
    model = statement_models[locale]
    questions_only = [i["name"] for i in MODELS[locale]["intents"] if i["name"] in OWN_WORDS]
    assert sorted(questions_only) == sorted(OWN_WORDS)  # the committed models have them all
    assert [i["name"] for i in model["intents"]] == [
        i["name"] for i in MODELS[locale]["intents"] if i["name"] not in OWN_WORDS
    ]
    owners = defaultdict(set)
    for intent in model["intents"]:
        for sample in intent["samples"]:
            owners[_spoken(sample)].add(intent["name"])
    assert not {s: o for s, o in owners.items() if len(o) > 1}


@pytest.mark.parametrize(
    ("sample", "questions", "statements"),
    [
        ("none of those", intents.NO, intents.YES),  # "Any of these?" / "Shall we go on?"
        ("i don't have any of those", intents.NO, intents.YES),
        ("i have one of those", intents.YES, intents.NO),
        ("i have", intents.YES, None),
        ("yes", intents.YES, intents.YES),
        ("no", intents.NO, intents.NO),
        # a partial yes is a yes for the item asked about; to "okay to go ahead?" it is unsure
        ("a little", intents.YES, intents.NOT_SURE),
        ("a bit", intents.YES, intents.NOT_SURE),
        ("sometimes", intents.YES, intents.NOT_SURE),
        ("yes a bit", intents.YES, None),
        ("kind of", intents.NOT_SURE, intents.NOT_SURE),
        # the thing itself, in the questions style only
        ("a little swelling", intents.ACUTE_SIGN, None),
        ("only when i climb stairs", intents.LASTING_PAIN, None),
        ("i have arthritis", intents.LASTING_PAIN, None),
        ("just the usual arthritis", intents.LASTING_PAIN, None),
        ("my doctor knows about it", intents.PROVIDER_KNOWS, None),
        ("i had a knee replacement", intents.RECENT_SURGERY, None),
        ("i had surgery last month", intents.RECENT_SURGERY, None),
        ("not since my operation", intents.RECENT_SURGERY, None),
        ("my knee clicks", intents.KNEE_SOUNDS, None),
        ("not yet", intents.NO, None),
    ],
)
def test_answers_mean_what_they_mean_to_each_styles_question(
    sample: str,
    questions: str,
    statements: str | None,
    statement_models: dict[str, dict[str, Any]],
) -> None:
    def owner(model: dict[str, Any]) -> str | None:
        found = [i["name"] for i in model["intents"] if sample in i.get("samples", [])]
        return found[0] if found else None

    assert owner(MODELS["en-US"]) == questions
    assert owner(statement_models["en-US"]) == statements


@pytest.mark.parametrize(
    ("sample", "questions", "statements"),
    [
        ("nichts davon", intents.NO, intents.YES),  # "Haben Sie ...?" / "Sollen wir anfangen?"
        ("ich habe nichts davon", intents.NO, intents.YES),
        ("ich habe eines davon", intents.YES, intents.NO),
        ("habe ich", intents.YES, None),
        ("ja", intents.YES, intents.YES),
        ("nein", intents.NO, intents.NO),
        # a partial yes is a yes for the item asked about; to "Sollen wir anfangen?" it is unsure
        ("ein bisschen", intents.YES, intents.NOT_SURE),
        ("ein wenig", intents.YES, intents.NOT_SURE),
        ("manchmal", intents.YES, intents.NOT_SURE),
        ("ja ein bisschen", intents.YES, None),
        ("jein", intents.NOT_SURE, intents.NOT_SURE),
        ("ja fangen wir an", None, intents.YES),
        # the thing itself, in the questions style only
        ("eine leichte schwellung", intents.ACUTE_SIGN, None),
        ("es ist geschwollen", intents.ACUTE_SIGN, None),
        ("nur wenn ich treppen steige", intents.LASTING_PAIN, None),
        ("ich habe arthrose", intents.LASTING_PAIN, None),
        ("mein arzt weiß bescheid", intents.PROVIDER_KNOWS, None),
        ("ich hatte eine knie op", intents.RECENT_SURGERY, None),
        ("seit der operation nicht mehr", intents.RECENT_SURGERY, None),
        ("es knackt", intents.KNEE_SOUNDS, None),
        ("noch nicht", intents.NO, intents.NO),
        ("das tut ein bisschen weh", intents.PAIN, intents.PAIN),
    ],
)
def test_german_answers_mean_what_they_mean_to_each_styles_question(
    sample: str,
    questions: str | None,
    statements: str | None,
    statement_models: dict[str, dict[str, Any]],
) -> None:
    """The same two questions in German: "nichts davon" goes on in one style, stops in the other."""
    model = statement_models["de-DE"]

    def owner(model: dict[str, Any]) -> str | None:
        found = [i["name"] for i in model["intents"] if sample in i.get("samples", [])]
        return found[0] if found else None

    assert owner(MODELS["de-DE"]) == questions
    assert owner(model) == statements


def test_the_committed_models_follow_the_contents_safety_style() -> None:
    styles = {
        yaml.safe_load((REPO_ROOT / "content" / language / "safety.yaml").read_text())["style"]
        for language in SOURCES
    }
    assert len(styles) == 1, "every language speaks the check in the same style"
    (style,) = styles
    generator = _generator()
    assert generator.build(style=style) == generator.build()
    with pytest.raises(generator.ModelError, match="unknown safety style"):
        generator.build(style="quiz")
