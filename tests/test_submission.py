"""What certification reviews: the submission package, its icons, privacy, instructions, text.

``make skill-package PRIVACY_URL=...`` must give a package with icons, the privacy policy's
address and CanFulfill for every locale; a submission build without the address must stop
with a clear message. The testing instructions and the store description must say what the
skill really says and does: the first are written from a conversation with the skill when
the package is built, the second are checked here against one, and against the models.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from test_skill_package import FUNCTION_ARN, LOCALES, load_manifest, load_script, utterance_of

from skill.coach.state import ROUTINE, SAFETY, SIDE
from skill.content.load import default_content
from skill.content.records import Content
from skill.local.nlu import default_model
from skill.local.simulator import Conversation
from skill.local.walkthrough import to_first_step
from skill.voice import spelling

REPO_ROOT = Path(__file__).resolve().parent.parent
build_skill_package = load_script("build_skill_package")
testing_instructions = load_script("testing_instructions")
PRIVACY = "https://example.org/knee-coach/privacy"
TERMS = "https://example.org/knee-coach/terms"
SOURCE_TITLE = "Benefits of Massage For Knee Pain Relief"
ENGLISH = tuple(locale for locale in LOCALES if locale.startswith("en-"))
SPANISH = tuple(locale for locale in LOCALES if locale.startswith("es-"))
PER_LANGUAGE = "https://example.org/knee-coach/privacy-{language}.html"


@pytest.fixture(scope="module")
def instructions() -> str:
    text: str = testing_instructions.write()
    return text


def built(tmp_path: Path, instructions: str, **options: Any) -> dict[str, Any]:
    out = build_skill_package.build(
        options.pop("endpoint_arn", FUNCTION_ARN),
        tmp_path / "pkg",
        instructions=lambda: instructions,
        **options,
    )
    manifest: dict[str, Any] = json.loads((out / "skill.json").read_text(encoding="utf-8"))
    return manifest["manifest"]


# --------------------------------------------------------------------------- the package


def test_the_package_has_icons_privacy_and_can_fulfill_for_every_locale(
    tmp_path: Path, instructions: str
) -> None:
    manifest = built(tmp_path, instructions, privacy_url=PRIVACY)
    locales = manifest["publishingInformation"]["locales"]
    assert set(locales) == set(LOCALES)
    for locale, info in locales.items():
        for field, size in (("smallIconUri", 108), ("largeIconUri", 512)):
            uri = info[field]
            assert uri.startswith("file://assets/images/"), (locale, uri)
            with Image.open(tmp_path / "pkg" / uri.removeprefix("file://")) as icon:
                assert (icon.format, icon.size) == ("PNG", (size, size)), (locale, field)
    compliance = manifest["privacyAndCompliance"]
    assert compliance["locales"] == {loc: {"privacyPolicyUrl": PRIVACY} for loc in LOCALES}


def test_each_locale_links_the_privacy_policy_in_its_language(
    tmp_path: Path, instructions: str
) -> None:
    manifest = built(tmp_path, instructions, privacy_url=PER_LANGUAGE)
    compliance = manifest["privacyAndCompliance"]["locales"]
    assert compliance["de-DE"] == {"privacyPolicyUrl": PER_LANGUAGE.format(language="de")}
    assert compliance["es-MX"]["privacyPolicyUrl"].endswith("/privacy-es.html")
    assert compliance["en-GB"]["privacyPolicyUrl"].endswith("/privacy-en.html")
    found = build_skill_package.policies(load_manifest())
    assert sorted(found) == ["de", "en", "es"]
    assert all(path.is_file() for path in found.values())


def test_a_submission_in_several_languages_needs_a_url_per_language(
    tmp_path: Path, instructions: str
) -> None:
    with pytest.raises(build_skill_package.PackageError, match="language"):
        built(tmp_path, instructions, privacy_url=PRIVACY, for_submission=True)
    manifest = built(tmp_path, instructions, privacy_url=PER_LANGUAGE, for_submission=True)
    assert manifest["privacyAndCompliance"]["locales"]["es-US"]["privacyPolicyUrl"]
    interfaces = {i["type"] for i in manifest["apis"]["custom"]["interfaces"]}
    assert "CAN_FULFILL_INTENT_REQUEST" in interfaces
    assert manifest["publishingInformation"]["testingInstructions"] == instructions


def test_terms_of_use_go_beside_the_privacy_policy(tmp_path: Path, instructions: str) -> None:
    manifest = built(tmp_path, instructions, privacy_url=PRIVACY, terms_url=TERMS)
    for urls in manifest["privacyAndCompliance"]["locales"].values():
        assert urls == {"privacyPolicyUrl": PRIVACY, "termsOfUseUrl": TERMS}


def test_a_development_build_needs_no_privacy_url(tmp_path: Path, instructions: str) -> None:
    manifest = built(tmp_path, instructions)
    assert "locales" not in manifest["privacyAndCompliance"]


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"endpoint_arn": FUNCTION_ARN}, "PRIVACY_URL"),
        ({"endpoint_arn": None, "privacy_url": PRIVACY}, "ENDPOINT_ARN"),
    ],
)
def test_a_submission_build_without_privacy_url_or_endpoint_stops_clearly(
    tmp_path: Path, options: dict[str, Any], says: str
) -> None:
    with pytest.raises(build_skill_package.PackageError, match=says):
        build_skill_package.build(
            options.pop("endpoint_arn"),
            tmp_path / "pkg",
            for_submission=True,
            instructions=lambda: "unused",
            **options,
        )
    assert not (tmp_path / "pkg").exists(), "nothing half-built is left to upload"


def test_the_command_line_says_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--for-submission", "--endpoint-arn", FUNCTION_ARN, "--out", str(tmp_path / "pkg")]
    assert build_skill_package.main(args) == 1
    error = capsys.readouterr().err
    assert "privacy policy" in error and "PRIVACY_URL=https://" in error


@pytest.mark.parametrize("url", ["example.org/privacy", "ftp://example.org/p", "https://", ""])
def test_a_privacy_url_must_be_a_web_address(url: str) -> None:
    with pytest.raises(build_skill_package.PackageError, match="not an absolute"):
        build_skill_package.with_privacy(load_manifest(), url or "relative")


def test_an_icon_the_manifest_names_must_exist(tmp_path: Path) -> None:
    manifest = load_manifest()
    manifest["manifest"]["publishingInformation"]["locales"]["en-GB"]["smallIconUri"] = (
        "file://assets/images/missing.png"
    )
    with pytest.raises(build_skill_package.PackageError, match=r"en-GB\.smallIconUri"):
        build_skill_package.local_assets(manifest, REPO_ROOT / "skill-package")


POLICY_TOPICS = {
    "privacy-policy.md": (
        "safety check",
        "365 days",
        "no backups",
        "forget me",
        "disable",
        "contact",
    ),
    "privacy-policy.de.md": (
        "sicherheitscheck",
        "365 tage",
        "keine sicherungskopien",
        "vergiss mich",
        "deaktivieren",
        "kontakt",
    ),
    "privacy-policy.es.md": (
        "preguntas de seguridad",
        "365 días",
        "no hace copias de seguridad",
        "olvídame",
        "desactive",
        "contacto",
    ),
}
"""What each language's policy must say (the English one's topics, in the language)."""


@pytest.mark.parametrize("name", sorted(POLICY_TOPICS))
def test_the_privacy_policy_covers_what_the_issue_lists(name: str) -> None:
    policy = (REPO_ROOT / "docs" / name).read_text(encoding="utf-8").lower()
    for topic in POLICY_TOPICS[name]:
        assert topic in policy, topic
    manifest = load_manifest()["manifest"]
    assert manifest["privacyAndCompliance"]["usesPersonalInfo"] is False  # see docs/deploy.md


# --------------------------------------------------------------------------- instructions


def test_the_testing_instructions_follow_a_real_conversation(
    instructions: str, conversation: Callable[..., Conversation]
) -> None:
    """Every question a tester meets on the way in is quoted, with the answer that works."""
    exchanges = to_first_step(conversation(), side="right")
    phases = [e.phase for e in exchanges]
    assert phases[0] == SAFETY and SIDE in phases and phases[-1] == ROUTINE
    flat = " ".join(instructions.split())
    for exchange in exchanges[:-1]:
        question = " ".join(str(exchange.turn.card["content"]).split())
        assert f'"{question}" Say "{exchange.answer}"' in flat, question
    assert "which knee" in flat
    assert f'"{SOURCE_TITLE}"' in flat
    assert len(instructions) <= 4000


def test_every_phrase_a_tester_is_told_to_say_is_understood(instructions: str) -> None:
    model = default_model("en-US")
    english, _, others = instructions.partition("Other languages")
    told = re.findall(r'"([a-z][a-z \']{0,40})"', english)
    assert {"no", "right", "next", "resume", "what causes knee pain", "stop"} <= set(told)
    for phrase in told:
        assert model.match(phrase) is not None, phrase
    assert model.is_launch("Alexa, open Knee Coach") and "Alexa, pause" in instructions
    for locales, said in re.findall(r"([a-z]{2}-[A-Z]{2}(?:/[a-z]{2}-[A-Z]{2})*): ([^;]+)", others):
        phrases = re.findall(r'"([^"]+)"', said)
        for locale in locales.split("/"):
            other = default_model(locale)
            assert other.is_launch(phrases[0]), (locale, phrases[0])
            for phrase in phrases[1:]:
                assert other.match(phrase) is not None, (locale, phrase)
    assert "de-DE" in others and "es-ES/es-MX/es-US" in others


# --------------------------------------------------------------------------- description


def quoted(text: str) -> list[str]:
    return re.findall(r'"([^"]+)"', text)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_description_only_teaches_what_the_skill_understands(locale: str) -> None:
    info = load_manifest()["manifest"]["publishingInformation"]["locales"][locale]
    model = default_model(locale)
    invocation = model.invocation_name
    for phrase in quoted(info["description"]):
        if phrase == SOURCE_TITLE:
            continue
        if phrase.lower().startswith("alexa,"):
            asked = utterance_of(phrase, invocation, locale.split("-")[0])
            assert asked is None or model.match(asked) is not None, (locale, phrase)
        else:
            assert model.match(phrase) is not None, (locale, phrase)


@pytest.mark.parametrize("locale", ENGLISH)
def test_the_description_tells_the_flow_as_it_is(
    locale: str, content: Content, conversation: Callable[..., Conversation]
) -> None:
    text = load_manifest()["manifest"]["publishingInformation"]["locales"][locale]["description"]
    lower = text.lower()
    assert "choose a routine" not in lower and "offers the routines" not in lower
    phases = [e.phase for e in to_first_step(conversation(locale=locale))]
    first_side = phases.index(SIDE)
    assert all(p == SAFETY for p in phases[:first_side]), "safety questions, then the knee"
    assert lower.index("safety check") < lower.index("which knee") < lower.index("technique")
    count = ("zero", "one", "two", "three", "four", "five", "six", "seven")[
        len(content.routine("full").items)
    ]
    assert f"{count} techniques" in lower
    names = {t.name.lower().replace("-", " ") for t in content.techniques}
    names |= {s.lower() for t in content.techniques for s in t.synonyms}
    us_text = spelling.respell(lower, {"fibre": "fiber"}).replace("-", " ")
    for mentioned in re.findall(r"from the ([a-z ]+?) to ([a-z ]+?),", us_text)[0]:
        assert mentioned in names or mentioned.removesuffix(" friction") + " friction" in names
    assert f'"{SOURCE_TITLE}"' in text


def test_the_german_description_tells_the_flow_as_it_is(
    conversation: Callable[..., Conversation],
) -> None:
    """The same flow as in English, in the German description's own words."""
    text = load_manifest()["manifest"]["publishingInformation"]["locales"]["de-DE"]["description"]
    lower = text.lower()
    phases = [e.phase for e in to_first_step(conversation(locale="de-DE"))]
    first_side = phases.index(SIDE)
    assert all(p == SAFETY for p in phases[:first_side]), "safety questions, then the knee"
    assert lower.index("sicherheitscheck") < lower.index("welchem knie") < lower.index("technik")
    german = default_content(locale="de-DE")
    count = ("null", "eine", "zwei", "drei", "vier", "fünf", "sechs", "sieben")
    assert f"{count[len(german.routine('full').items)]} techniken" in lower
    assert german.techniques[-1].name.lower() in lower
    assert f'"{SOURCE_TITLE}"' in text


@pytest.mark.parametrize("locale", SPANISH)
def test_the_spanish_description_tells_the_flow_as_it_is(
    locale: str, conversation: Callable[..., Conversation]
) -> None:
    """The same as in English, in the Spanish words: the check, then which knee, then the six
    techniques named as the content names them, and the article's title."""
    said = default_content(locale=locale)
    text = load_manifest()["manifest"]["publishingInformation"]["locales"][locale]["description"]
    lower = text.lower()
    phases = [e.phase for e in to_first_step(conversation(locale=locale))]
    first_side = phases.index(SIDE)
    assert all(p == SAFETY for p in phases[:first_side]), "safety questions, then the knee"
    assert lower.index("control de seguridad") < lower.index("qué rodilla") < lower.index("técnica")
    count = ("cero", "una", "dos", "tres", "cuatro", "cinco", "seis", "siete")[
        len(said.routine("full").items)
    ]
    assert f"{count} técnicas" in lower
    names = {t.name.lower() for t in said.techniques}
    first, last = re.findall(r"del ([a-záéíóúñ ]+?) a la ([a-záéíóúñ ]+?),", lower)[0]
    assert first in names and f"{last}" in names, (first, last)
    assert f'"{SOURCE_TITLE}"' in text


DESCRIBED = {
    "en": (
        "safety check",
        "yes or no",
        ("safety question", " list"),
        ("osteoporosis", "surgery", "swelling", "ongoing knee pain"),
    ),
    "de": (
        "sicherheitscheck",
        "ja oder nein",
        ("sicherheitsfrage", " liste"),
        ("osteoporose", "knie-op", "schwellung", "anhaltenden knieschmerzen"),
    ),
    "es": (
        "control de seguridad",
        "sí o no",
        ("preguntas de seguridad", " lista"),
        ("osteoporosis", "operación", "hinchazón", "dolor de rodilla de hace tiempo"),
    ),
}
"""How each language's store description names the check, its answers, what it must not
promise (a question about each condition, or a list: either style may be built), and every
kind of caution (a condition, surgery, an acute sign, lasting pain)."""


@pytest.mark.parametrize("style", ["questions", "statements"])
def test_the_description_fits_the_safety_style_built(
    style: str, statements: Any, conversation: Callable[..., Conversation]
) -> None:
    """Either style may be built (docs/deploy.md: submit ``statements``): the description is
    true of both. A short safety check answered yes or no, then which knee; it promises
    neither a question about each condition nor a list, and names every kind of caution."""
    for locale in (*ENGLISH, "de-DE", *SPANISH):
        text = load_manifest()["manifest"]["publishingInformation"]["locales"][locale]
        lower = text["description"].lower()
        check, answer, never, cautions = DESCRIBED[locale.split("-")[0]]
        assert check in lower and answer in lower
        assert not [word for word in never if word in lower], locale
        for caution in cautions:
            assert caution in lower, (locale, caution)
    if style == "statements":
        _, model, handler = statements
        person = Conversation(handler, model)
    else:
        person = conversation()
    phases = [exchange.phase for exchange in to_first_step(person)]
    first_side = phases.index(SIDE)
    assert first_side >= 1 and all(p == SAFETY for p in phases[:first_side]), phases
    assert phases[-1] == ROUTINE


@pytest.mark.parametrize("locale", [loc for loc in ENGLISH if loc != "en-US"])
def test_the_description_uses_the_locale_spelling(locale: str) -> None:
    text = load_manifest()["manifest"]["publishingInformation"]["locales"][locale]["description"]
    assert spelling.respell(text, default_content(locale=locale).spellings) == text
    assert "fibre" in text


# --------------------------------------------------------------------------- viewports


def _holds(expression: str, viewport: dict[str, Any]) -> bool:
    """Evaluate one of the document's ``when`` conditions (they only read ``viewport``)."""
    body = expression.strip()
    assert body.startswith("${") and body.endswith("}"), expression
    code = body[2:-1].replace("&&", " and ").replace("||", " or ")
    code = re.sub(r"viewport\.(\w+)", r"viewport['\1']", code)
    return bool(eval(code, {"__builtins__": {}}, {"viewport": viewport}))


def _resources(document: dict[str, Any], viewport: dict[str, Any]) -> dict[str, str]:
    """The document's resources as a device with this viewport resolves them."""
    resolved: dict[str, str] = {}
    for block in document["resources"]:
        if "when" not in block or _holds(block["when"], viewport):
            for group in ("dimensions", "strings"):
                resolved.update(block.get(group, {}))
    return resolved


def _dp(value: str) -> float:
    assert value.endswith("dp"), value
    return float(value.removesuffix("dp"))


def test_every_declared_viewport_gets_a_layout_that_fits() -> None:
    from skill.alexa.apl import default_screens

    document = default_screens().document
    interfaces = load_manifest()["manifest"]["apis"]["custom"]["interfaces"]
    declared = next(i for i in interfaces if i["type"] == "ALEXA_PRESENTATION_APL")
    profiles = declared["supportedViewports"]
    modes = {(p["mode"], p["shape"]) for p in profiles}
    assert {("HUB", "ROUND"), ("HUB", "RECTANGLE"), ("TV", "RECTANGLE")} <= modes
    assert any(p["minHeight"] > p["maxWidth"] for p in profiles), "a portrait hub is declared"
    for profile in profiles:
        for width, height in (
            (profile["minWidth"], profile["minHeight"]),
            (profile["maxWidth"], profile["maxHeight"]),
        ):
            viewport = {
                "shape": profile["shape"].lower(),
                "mode": profile["mode"].lower(),
                "width": width,
                "height": height,
            }
            found = _resources(document, viewport)
            column = viewport["shape"] == "round" or height > width
            assert found["bodyDirection"] == ("column" if column else "row"), viewport
            if viewport["shape"] == "rectangle":
                row = 4 * _dp(found["buttonWidth"]) + 3 * _dp(found["buttonGap"])
                assert 2 * _dp(found["pad"]) + row <= width, (viewport, found)
