"""The held-out phrase sets: how well the model understands phrasings it has never seen.

Each ``tests/phrases/held_out_en*.yaml`` was written from how people talk, without looking at
the samples (``held_out_en_2.yaml`` also without looking at the first set), and is never
copied into them: a miss is fixed by a general carrier or core in ``models/utterances.yaml``,
never by the phrase itself. The typed-text matcher (the one the chat and the dialog tests
use, which hears only what the model carries) must recognise at least 95 % of every set,
intent and slot ids alike; each set is scored and reported on its own (a set the model was
tuned on says less than a fresh one), its misses printed grouped by intent.

Phrases for an intent the model does not have yet (another branch adds it) are counted
apart, as pending, so the test measures everything once those intents are merged.

    python tests/phrases/test_held_out.py [--model interaction_models/en-US.json] [SET ...]
prints the report of every English set (or of the sets named) for any model file
(``--model interaction_models/de-DE.json tests/phrases/held_out_de.yaml`` for German, whose
sets, ``held_out_de.yaml`` and ``held_out_de_2.yaml``, are held to the same 95 %).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # runnable as a script from a plain checkout
    sys.path.insert(0, str(REPO))

from skill.local.nlu import InteractionModel  # noqa: E402

HERE = Path(__file__).parent
SETS = tuple(sorted(HERE.glob("held_out_en*.yaml")))
"""Every English held-out set, each measured on its own."""
PHRASES = HERE / "held_out_en.yaml"
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
AT_LEAST = 0.95
SET_AT_LEAST = 200
"""Phrasings a set needs to say anything; together the sets hold at least 350."""
FALLBACK = "AMAZON.FallbackIntent"
PHASES = {"launch", "safety", "side", "routine", "paused", "done", "reminder", "any"}
SLOTS = {"routine", "technique", "side", "time", "zone"}


@dataclass(frozen=True)
class Phrase:
    say: str
    phase: str
    expect: str
    slots: dict[str, str]


@dataclass
class Score:
    """What the matcher made of the set: hits, misses (with what it heard), pending."""

    hits: int = 0
    misses: list[tuple[Phrase, str]] = field(default_factory=list)
    pending: Counter[str] = field(default_factory=Counter)

    @property
    def measured(self) -> int:
        return self.hits + len(self.misses)

    @property
    def rate(self) -> float:
        return self.hits / self.measured if self.measured else 0.0


def load_phrases(path: Path = PHRASES) -> list[Phrase]:
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Phrase(str(p["say"]), str(p["phase"]), str(p["expect"]), dict(p.get("slots") or {}))
        for p in data["phrases"]
    ]


def heard(model: InteractionModel, text: str) -> tuple[str, dict[str, str]]:
    """The intent and the resolved slot ids, as the skill would receive them."""
    found = model.match(text)
    if found is None:
        return FALLBACK, {}
    return found.intent, {k: v.id for k, v in found.slots.items() if v.id is not None}


def score(model: InteractionModel, phrases: Sequence[Phrase]) -> Score:
    known = set(model.intents)
    result = Score()
    for phrase in phrases:
        if phrase.expect not in known:
            result.pending[phrase.expect] += 1
            continue
        intent, slots = heard(model, phrase.say)
        if (intent, slots) == (phrase.expect, phrase.slots):
            result.hits += 1
        else:
            shown = intent + "".join(f" {k}={v}" for k, v in sorted(slots.items()))
            result.misses.append((phrase, shown))
    return result


def report(result: Score, title: str) -> str:
    lines = [
        f"{title}: {result.hits} of {result.measured} understood ({result.rate:.1%});"
        f" {sum(result.pending.values())} pending for intents not in the model yet"
    ]
    by_intent: dict[str, list[tuple[Phrase, str]]] = defaultdict(list)
    for phrase, got in result.misses:
        by_intent[phrase.expect].append((phrase, got))
    for intent, misses in sorted(by_intent.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lines.append(f"  missed {intent} ({len(misses)}):")
        for phrase, got in misses:
            wanted = "".join(f" {k}={v}" for k, v in sorted(phrase.slots.items()))
            lines.append(f"    [{phrase.phase}] {phrase.say!r}{wanted} -> {got}")
    if result.pending:
        counts = ", ".join(f"{name} {n}" for name, n in sorted(result.pending.items()))
        lines.append(f"  pending (not measured): {counts}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the tests


def test_every_set_is_found() -> None:
    assert PHRASES in SETS and len(SETS) >= 2, SETS


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.stem)
def test_each_set_is_well_formed_and_big_enough(path: Path) -> None:
    phrases = load_phrases(path)
    assert len(phrases) >= SET_AT_LEAST
    assert {p.phase for p in phrases} <= PHASES
    assert {p.phase for p in phrases} >= PHASES - {"any"}, "every phase has phrasings"
    assert all(p.say == p.say.lower() and p.say.strip() == p.say for p in phrases)
    assert all(set(p.slots) <= SLOTS for p in phrases)
    says = [p.say for p in phrases]
    assert len(says) == len(set(says)), [s for s, n in Counter(says).items() if n > 1]


def test_the_sets_together_are_big_enough() -> None:
    assert sum(len(load_phrases(path)) for path in SETS) >= 350


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.stem)
@pytest.mark.parametrize("locale", LOCALES)
def test_the_matcher_understands_each_held_out_set(locale: str, path: Path) -> None:
    model = InteractionModel.load(REPO / "interaction_models" / f"{locale}.json")
    result = score(model, load_phrases(path))
    text = report(result, f"{path.name}, {locale}")
    print(text)
    assert result.measured >= SET_AT_LEAST
    assert result.rate >= AT_LEAST, text


# The blind set (blind_en.yaml): written apart from the samples and from the sets above, and
# scored only once the model was done. Its rate is the honest measure of how well the model
# understands people it has never heard (docs/interaction-model.md); nobody tunes to it, so
# it is held to a floor that catches a regression, not to the tuned sets' 95 %.
BLIND = HERE / "blind_en.yaml"
BLIND_AT_LEAST = 0.70


@pytest.mark.parametrize("locale", LOCALES)
def test_the_blind_set_measures_how_far_the_model_generalises(locale: str) -> None:
    model = InteractionModel.load(REPO / "interaction_models" / f"{locale}.json")
    result = score(model, load_phrases(BLIND))
    text = report(result, f"blind set, {locale}")
    print(text)
    assert result.measured >= 200
    assert result.rate >= BLIND_AT_LEAST, text


# German (de-DE): its own sets, never copied in. held_out_de.yaml was written before the German
# model's families; held_out_de_2.yaml, a fresh tuning set, before the German generalisation
# pass (its first score is in docs/translations.md). Each is held to the same 95 %.
GERMAN = Path(__file__).with_name("held_out_de.yaml")
GERMAN_SETS = (GERMAN, Path(__file__).with_name("held_out_de_2.yaml"))


@pytest.mark.parametrize("path", GERMAN_SETS, ids=lambda p: p.stem)
def test_the_german_set_is_well_formed_and_big_enough(path: Path) -> None:
    phrases = load_phrases(path)
    assert len(phrases) >= 150
    assert {p.phase for p in phrases} == PHASES, "every phase has phrasings"
    assert all(p.say == p.say.lower() and p.say.strip() == p.say for p in phrases)
    assert all(set(p.slots) <= SLOTS for p in phrases)
    says = [p.say for p in phrases]
    assert len(says) == len(set(says)), [s for s, n in Counter(says).items() if n > 1]


def test_the_german_sets_are_apart() -> None:
    first, second = ({p.say for p in load_phrases(path)} for path in GERMAN_SETS)
    assert not first & second, sorted(first & second)


@pytest.mark.parametrize("path", GERMAN_SETS, ids=lambda p: p.stem)
def test_the_matcher_understands_the_german_held_out_phrases(path: Path) -> None:
    model = InteractionModel.load(REPO / "interaction_models" / "de-DE.json")
    result = score(model, load_phrases(path))
    text = report(result, f"{path.name}, de-DE")
    print(text)
    assert not result.pending, "every intent of the German set is in the model"
    assert result.rate >= AT_LEAST, text


# The German blind set: written by someone who saw neither the German samples nor the German
# held-out set, scored once, never tuned on (like the English blind set above).
GERMAN_BLIND = HERE / "blind_de.yaml"
GERMAN_BLIND_AT_LEAST = 0.64


def test_the_german_blind_set_measures_how_far_the_model_generalises() -> None:
    phrases = load_phrases(GERMAN_BLIND)
    assert {p.phase for p in phrases} == PHASES, "every phase has phrasings"
    model = InteractionModel.load(REPO / "interaction_models" / "de-DE.json")
    result = score(model, phrases)
    text = report(result, "blind set, de-DE")
    print(text)
    assert result.measured >= 200
    assert result.rate >= GERMAN_BLIND_AT_LEAST, text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score a model against the held-out sets.")
    parser.add_argument("--model", type=Path, default=REPO / "interaction_models" / "en-US.json")
    parser.add_argument(
        "sets", nargs="*", type=Path, default=list(SETS), help="held-out sets (default: all)"
    )
    args = parser.parse_args(argv)
    model = InteractionModel.load(args.model)
    failed = False
    for path in args.sets:
        result = score(model, load_phrases(path))
        print(report(result, f"{path.name}, {args.model}"))
        failed |= result.rate < AT_LEAST
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
