"""Offline checks of the Alexa skill package: the manifest, the models it ships, the build.

What the developer console would reject (or certification would bounce) is checked here:
required manifest fields and limits, example phrases that no sample utterance matches, a
published locale without a model, slots of undeclared types, one utterance in two intents.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = REPO_ROOT / "interaction_models"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:knee-coach-KneeCoachFunction-Ab1"

LAUNCH_VERBS = {
    "en": ("open", "start", "launch", "begin", "load", "run", "use"),
    "de": ("öffne", "starte"),
    "es": ("abre", "inicia"),
}
"""How a launch names the skill, per language ("Alexa, öffne Knie Coach")."""
ASKING = {
    "en": ("(?:ask|tell) {inv}", ("to", "for", "about", "if", "whether", "that")),
    "de": ("(?:frag|sag) {inv}", ("nach", "ob")),
    "es": ("(?:pide a|pregunta a|dile a) {inv}", ("que", "si")),
}
"""How a one-shot names the skill, per language, and the words that may join the request."""
NOT_MEDICAL_ADVICE = {
    "en": ("not medical advice", "Not medical advice"),
    "de": ("keine medizinische Beratung", "Keine medizinische Beratung"),
    "es": ("no es consejo médico", "No es consejo médico"),
}
"""The disclaimer each language's description and summary carry."""
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN", "de-DE", "es-ES", "es-MX", "es-US")
REQUIRED_BUILT_INS = {"AMAZON.CancelIntent", "AMAZON.HelpIntent", "AMAZON.StopIntent"}


def load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


build_skill_package = load_script("build_skill_package")


def load_manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(build_skill_package.MANIFEST.read_text(encoding="utf-8"))
    return data


def load_models() -> dict[str, dict[str, Any]]:
    """Every interaction model by locale; skips when the models have not been generated yet."""
    paths = sorted(MODELS_DIR.glob("*.json"))
    if not paths:
        pytest.skip(f"{MODELS_DIR} has no interaction model JSON yet")
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in paths}


def language_model(model: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = model["interactionModel"]["languageModel"]
    return result


def slot_values(model: dict[str, Any]) -> dict[str, list[str]]:
    """Every value and synonym of each custom slot type, lower-cased."""
    values: dict[str, list[str]] = {}
    for slot_type in language_model(model).get("types", []):
        words = values.setdefault(slot_type["name"], [])
        for value in slot_type.get("values", []):
            name = value["name"]
            words += [name["value"].lower(), *(s.lower() for s in name.get("synonyms", []))]
    return values


def sample_patterns(model: dict[str, Any]) -> list[re.Pattern[str]]:
    """Each sample utterance as a pattern; a ``{slot}`` matches one of its type's values.

    A built-in slot type (``AMAZON.*``) has no list here, so it matches any words.
    """
    values = slot_values(model)
    patterns = []
    for intent in language_model(model)["intents"]:
        types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
        for sample in intent.get("samples", []):
            pieces = re.split(r"\{(\w+)\}", sample.lower())
            regex = ""
            for index, piece in enumerate(pieces):
                if index % 2 == 0:
                    regex += re.escape(piece)
                elif types[piece] in values:
                    regex += "(?:" + "|".join(re.escape(v) for v in values[types[piece]]) + ")"
                else:
                    regex += r"[\w' -]+"
            patterns.append(re.compile(regex))
    return patterns


def utterance_of(phrase: str, invocation: str, language: str = "en") -> str | None:
    """What an example phrase asks once the wake word and invocation are taken off.

    ``None`` for a bare launch ("Alexa, open knee coach"); raises for a phrase that does
    not name the skill the way Alexa requires in ``language``.
    """
    text = re.sub(r"[.?!¿¡:]", "", phrase.strip().lower())
    verbs = "|".join(LAUNCH_VERBS[language])
    launch = re.fullmatch(rf"alexa, (?:{verbs}) {re.escape(invocation)}", text)
    if launch:
        return None
    asking, joining = ASKING[language]
    connectors = "|".join(joining)
    ask = re.fullmatch(
        rf"alexa, {asking.format(inv=re.escape(invocation))} (?:(?:{connectors}) )?(.+)", text
    )
    if not ask:
        raise AssertionError(f"{phrase!r} neither launches nor asks {invocation!r}")
    return ask.group(1)


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return load_manifest()


@pytest.fixture(scope="module")
def models() -> dict[str, dict[str, Any]]:
    return load_models()


def test_manifest_has_the_required_top_level_fields(manifest: dict[str, Any]) -> None:
    body = manifest["manifest"]
    assert body["manifestVersion"] == "1.0"
    assert {"publishingInformation", "privacyAndCompliance", "apis"} <= set(body)
    publishing = body["publishingInformation"]
    assert publishing["category"] == "HEALTH_AND_FITNESS"
    assert publishing["testingInstructions"].strip()
    assert publishing["distributionCountries"]
    assert set(publishing["locales"]) == set(LOCALES)


def test_each_locale_is_described_within_alexas_limits(manifest: dict[str, Any]) -> None:
    for locale, info in manifest["manifest"]["publishingInformation"]["locales"].items():
        assert 2 <= len(info["name"]) <= 50, locale
        assert 0 < len(info["summary"]) <= 160, locale
        assert 0 < len(info["description"]) <= 4000, locale
        assert 1 <= len(info["examplePhrases"]) <= 3, locale
        assert len(info.get("keywords", [])) <= 30, locale


def test_description_carries_the_health_disclaimer(manifest: dict[str, Any]) -> None:
    for locale, info in manifest["manifest"]["publishingInformation"]["locales"].items():
        in_text, in_summary = NOT_MEDICAL_ADVICE[locale.split("-")[0]]
        assert in_text in info["description"], locale
        assert in_summary in info["summary"], locale


def test_privacy_and_compliance_flags_are_true_for_this_skill(manifest: dict[str, Any]) -> None:
    assert manifest["manifest"]["privacyAndCompliance"] == {
        "allowsPurchases": False,
        "usesPersonalInfo": False,
        "isChildDirected": False,
        "isExportCompliant": True,
        "containsAds": False,
    }


def test_endpoints_are_the_placeholder_the_build_fills(manifest: dict[str, Any]) -> None:
    body = manifest["manifest"]
    placeholder = build_skill_package.ENDPOINT_PLACEHOLDER
    assert body["apis"]["custom"]["endpoint"] == {"uri": placeholder}
    assert body["events"]["endpoint"] == {"uri": placeholder}
    assert {"eventName": "SKILL_DISABLED"} in body["events"]["subscriptions"]


def test_every_published_locale_has_a_model_and_back(
    manifest: dict[str, Any], models: dict[str, dict[str, Any]]
) -> None:
    assert set(manifest["manifest"]["publishingInformation"]["locales"]) == set(models)


def test_models_have_the_fields_alexa_requires(models: dict[str, dict[str, Any]]) -> None:
    for locale, model in models.items():
        lm = language_model(model)
        assert re.fullmatch(r"[a-z][a-z .']*[a-z]", lm["invocationName"]), locale
        intents = {i["name"]: i for i in lm["intents"]}
        assert set(intents) >= REQUIRED_BUILT_INS, locale
        declared = {t["name"] for t in lm.get("types", [])}
        for intent in intents.values():
            slots = {s["name"]: s["type"] for s in intent.get("slots", [])}
            for name, slot_type in slots.items():
                assert slot_type in declared or slot_type.startswith("AMAZON."), (
                    f"{locale}: {intent['name']}.{name} has undeclared type {slot_type}"
                )
            for sample in intent.get("samples", []):
                for used in re.findall(r"\{(\w+)\}", sample):
                    assert used in slots, f"{locale}: {sample!r} uses unknown slot {used}"


def test_no_utterance_belongs_to_two_intents(models: dict[str, dict[str, Any]]) -> None:
    for locale, model in models.items():
        owner: dict[str, str] = {}
        for intent in language_model(model)["intents"]:
            for sample in intent.get("samples", []):
                key = sample.strip().lower()
                assert owner.setdefault(key, intent["name"]) == intent["name"], (
                    f"{locale}: {sample!r} is in {owner[key]} and {intent['name']}"
                )


def test_example_phrases_match_sample_utterances(
    manifest: dict[str, Any], models: dict[str, dict[str, Any]]
) -> None:
    for locale, info in manifest["manifest"]["publishingInformation"]["locales"].items():
        model = models[locale]
        invocation = language_model(model)["invocationName"]
        language = locale.split("-")[0]
        phrases = info["examplePhrases"]
        assert utterance_of(phrases[0], invocation, language) is None, "the first must launch"
        patterns = sample_patterns(model)
        for phrase in phrases[1:]:
            utterance = utterance_of(phrase, invocation, language)
            assert utterance is not None, f"{locale}: {phrase!r} repeats the launch phrase"
            assert any(p.fullmatch(utterance) for p in patterns), (
                f"{locale}: {phrase!r}: no sample utterance matches {utterance!r}"
            )


def test_phrase_parsing_needs_the_invocation_name() -> None:
    assert utterance_of("Alexa, open knee coach", "knee coach") is None
    assert utterance_of("Alexa, ask knee coach to start", "knee coach") == "start"
    assert utterance_of("Alexa, ask knee coach what is this?", "knee coach") == "what is this"
    with pytest.raises(AssertionError):
        utterance_of("Alexa, start my knee routine", "knee coach")


def test_build_copies_the_models_and_fills_the_endpoint(
    tmp_path: Path, models: dict[str, dict[str, Any]]
) -> None:
    out = build_skill_package.build(FUNCTION_ARN, tmp_path / "pkg")
    for locale in models:
        copied = out / "interactionModels" / "custom" / f"{locale}.json"
        assert copied.read_bytes() == (MODELS_DIR / f"{locale}.json").read_bytes()
    built = json.loads((out / "skill.json").read_text(encoding="utf-8"))["manifest"]
    assert built["apis"]["custom"]["endpoint"] == {"uri": FUNCTION_ARN}
    assert built["events"]["endpoint"] == {"uri": FUNCTION_ARN}
    assert build_skill_package.ENDPOINT_PLACEHOLDER not in (out / "skill.json").read_text()


def test_first_build_leaves_the_endpoints_out(
    tmp_path: Path, models: dict[str, dict[str, Any]]
) -> None:
    out = build_skill_package.build(None, tmp_path / "pkg")
    built = json.loads((out / "skill.json").read_text(encoding="utf-8"))["manifest"]
    assert "endpoint" not in built["apis"]["custom"]
    assert "events" not in built

    def described(publishing: dict[str, Any]) -> dict[str, Any]:
        # everything but the testing instructions, which the build writes from a dialog
        return {k: v for k, v in publishing.items() if k != "testingInstructions"}

    source = load_manifest()["manifest"]["publishingInformation"]
    assert described(built["publishingInformation"]) == described(source)


def test_build_refuses_an_arn_that_is_not_a_function(models: dict[str, dict[str, Any]]) -> None:
    with pytest.raises(build_skill_package.PackageError, match="not a Lambda function ARN"):
        build_skill_package.with_endpoint(load_manifest(), "arn:aws:s3:::bucket")


def test_build_names_a_locale_without_a_model(tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    (models_dir / "en-US.json").write_text("{}", encoding="utf-8")
    with pytest.raises(build_skill_package.PackageError, match="en-AU, en-CA, en-GB, en-IN"):
        build_skill_package.build(None, tmp_path / "pkg", models_dir=models_dir)


def test_screen_devices_are_declared_because_the_skill_renders_apl(
    manifest: dict[str, Any],
) -> None:
    """Without the interface Echo Show never reports APL support, and the screens stay dark."""
    from skill.alexa import device

    interfaces = manifest["manifest"]["apis"]["custom"].get("interfaces", [])
    declared = {interface["type"] for interface in interfaces}
    assert "ALEXA_PRESENTATION_APL" in declared
    assert device.supports_apl  # the skill side of the same contract
    viewports = next(i for i in interfaces if i["type"] == "ALEXA_PRESENTATION_APL")
    shapes = {v["shape"] for v in viewports["supportedViewports"]}
    assert shapes == {"ROUND", "RECTANGLE"}


def test_the_manifest_declares_the_permission_the_skill_asks_for() -> None:
    """AskFor and the consent card only work for a scope the manifest declares."""
    from skill.alexa.intents import REMINDERS_SCOPE

    permissions = load_manifest()["manifest"]["permissions"]
    assert permissions == [{"name": REMINDERS_SCOPE}]
    built = build_skill_package.with_endpoint(load_manifest(), FUNCTION_ARN)
    assert built["manifest"]["permissions"] == permissions
