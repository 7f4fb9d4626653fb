"""The Spanish models hear issue 21's findings and keep its near pairs apart, as English does.

``tests/phrases/issue_21_es.yaml`` has what issue 21 found not understood, as people say it in
Spanish, the safety check's own words, and the near pairs whose sides must never take each
other's meaning. Each is checked in es-ES, es-MX and es-US with our matcher, and with
virtual-alexa (a matcher we did not write) reading the same models, next to a spread of the
models' own samples. The statements style's model hears a partial yes as not sure and "tengo
una de esas" as a no, as in English.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from test_model_virtual_alexa import resolve_in_virtual_alexa, spread_samples

from skill.alexa import intents
from skill.local.nlu import InteractionModel, default_model
from skill.settings import REPO_ROOT

LOCALES = ("es-ES", "es-MX", "es-US")
PHRASES = yaml.safe_load((REPO_ROOT / "tests" / "phrases" / "issue_21_es.yaml").read_text())
FINDINGS = [(p["say"], p["expect"]) for p in PHRASES["findings"]]
PAIRS = [(p["say"], p["expect"]) for p in PHRASES["pairs"]]
MODELS = {locale: REPO_ROOT / "interaction_models" / f"{locale}.json" for locale in LOCALES}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("text", "intent"), FINDINGS + PAIRS)
def test_the_findings_and_the_near_pairs_are_heard_as_meant(
    locale: str, text: str, intent: str
) -> None:
    found = default_model(locale).match(text)
    assert found is not None and found.intent == intent, (locale, text, found)


def test_each_pair_has_two_sides() -> None:
    """A near pair is two meanings: every pair's words reach at least two intents."""
    assert len({intent for _, intent in PAIRS}) >= 10
    assert len(PAIRS) >= 30


@pytest.fixture(scope="module")
def spanish_statements(statements_in: Callable[[str], tuple[Any, Any, Any]]) -> InteractionModel:
    """The es-ES model of the ``statements`` style (conftest builds it once per locale)."""
    model: InteractionModel = statements_in("es-ES")[1]
    return model


@pytest.mark.parametrize(
    ("text", "questions", "statements_style"),
    [
        ("un poco", intents.YES, intents.NOT_SURE),  # a partial yes; to "¿Seguimos?" unsure
        ("a veces", intents.YES, intents.NOT_SURE),
        ("ninguna", intents.NO, intents.YES),  # "any of these?" / "shall we go on?"
        ("tengo una de esas", intents.YES, intents.NO),
        ("tengo artrosis", intents.LASTING_PAIN, None),  # own words: the questions style only
        ("me operaron de la rodilla", intents.RECENT_SURGERY, None),
        ("sí", intents.YES, intents.YES),
    ],
)
def test_answers_mean_what_they_mean_to_each_styles_question(
    text: str, questions: str, statements_style: str | None, spanish_statements: InteractionModel
) -> None:
    found = default_model("es-ES").match(text)
    assert found is not None and found.intent == questions
    other = spanish_statements.match(text)
    assert (other.intent if other else None) == statements_style


# --------------------------------------------------------------------------- virtual-alexa


@pytest.fixture(scope="module")
def resolved() -> dict[str, list[dict[str, Any]]]:
    phrases = [text for text, _ in FINDINGS + PAIRS] + spread_samples(MODELS["es-ES"])
    return resolve_in_virtual_alexa(MODELS, phrases)


@pytest.mark.parametrize("locale", LOCALES)
def test_virtual_alexa_hears_what_our_matcher_hears_in_spanish(
    resolved: dict[str, list[dict[str, Any]]], locale: str
) -> None:
    ours = InteractionModel.load(MODELS[locale])
    differ = []
    for entry in resolved[locale]:
        found = ours.match(entry["phrase"])
        mine = (found.intent, {k: v.spoken for k, v in found.slots.items()}) if found else None
        # our matcher folds accents in what it heard ("rapida"); virtual-alexa keeps them
        slots = {k: ours.normalise(str(v)) for k, v in entry["slots"].items()}
        theirs = (entry["intent"], slots) if entry["intent"] else None
        if mine != theirs:
            differ.append((entry["phrase"], mine, theirs))
    assert len(resolved[locale]) > 150
    assert not differ
