"""Typed text → intent and slots, using only what an interaction model carries.

The text simulator must exercise the real model, not a shortcut: a phrase works here only if
it is a sample utterance (or a slot value) in ``interaction_models/<locale>.json``. Matching
runs in tiers, most exact first, the way Alexa prefers a literal sample to a loose guess:

1. the normalised text equals a sample, each ``{slot}`` being one of its type's values or
   synonyms (longest first); a contraction and its long form are the same words ("I am
   done" is "I'm done"), as they are to Alexa's speech recognition, and so are a word's
   spellings ("ya" is "yeah"); a built-in intent also has the phrases Alexa knows for it
   without samples ("absolutely" is a yes);
2. a near match: the same once hesitations and hedges are left out wherever they are ("um",
   "just", "really", "actually": "that really hurts" is "that hurts"), and a word said twice
   running is heard once ("yes yes"), as Alexa's model does not hang on them. Nothing else is
   near: a missing or changed content word is a different utterance, so a gap in the model
   shows as a miss here too;
3. both again after peeling filler people say around a request ("alexa", "please", "ask knee
   coach to", "can we", "sorry", "love", "at the moment"), including the connecting word of a
   one-shot ("ask knee coach for help" is the utterance "help", as Alexa hears it): one phrase
   at a time from either end, the fewest peeled first, so the most of what was said counts;
4. a sample with at least two literal words whose slot takes any short phrase, like Alexa
   filling a custom slot with a word it does not know (the value then has no id).

Typed text is normalised in the model's language: German "ü" and "ue" read the same, as do
Spanish "á" and "a"; number words, filler and times of day are each language's
(``models/typed_text.yaml``), so the matcher works the same way in every language.

Nothing matched → ``None``; the simulator sends ``AMAZON.FallbackIntent`` as Alexa would.
Pure: no SDK, no I/O beyond :meth:`InteractionModel.load`.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from skill.local.typed_text import language_of, typed_text
from skill.settings import Settings

_SLOT_REF = re.compile(r"\{([a-z_]+)\}")
_BUILT_IN_TYPE = "AMAZON."
_WILD = r"[a-z0-9]+(?: [a-z0-9]+){0,3}"
"""Any phrase of one to four words: what Alexa would put in a slot it cannot resolve."""


def normalise(text: str, locale: str = "en-US") -> str:
    """Typed text as the matcher compares it, in ``locale``'s language: lower case words,
    letters folded, digits as the words samples use ("4 minute" → "four minute")."""
    way = typed_text(language_of(locale))
    return way.normalise(way.words_for_digits(way.normalise(text)))


def time_value(spoken: str, locale: str = "en-US") -> str | None:
    """The ``AMAZON.TIME`` value Alexa would give for a (normalised) time phrase."""
    return typed_text(language_of(locale)).time_value(spoken)


@dataclass(frozen=True)
class SlotValue:
    """What filled a slot: the words heard, and the value id they resolve to (None: unknown)."""

    spoken: str
    id: str | None
    name: str | None = None
    """The resolved value's canonical name, as Alexa returns it in ``resolutions``."""


@dataclass(frozen=True)
class Match:
    intent: str
    slots: dict[str, SlotValue] = field(default_factory=dict)


@dataclass(frozen=True)
class _Value:
    id: str
    name: str


@dataclass(frozen=True)
class _Sample:
    intent: str
    text: str
    exact: re.Pattern[str]
    near: re.Pattern[str]
    wild: re.Pattern[str] | None
    slot_types: Mapping[str, str]
    literal: int
    """How many literal characters the sample has: more is more specific, and wins."""


_AMBIGUOUS = ""
"""In the near table: two intents' samples are the same once hedges are left out."""


class InteractionModel:
    """One locale's interaction model, compiled for matching typed text."""

    def __init__(self, locale: str, data: Mapping[str, Any]) -> None:
        language_model = data["interactionModel"]["languageModel"]
        self.locale = locale
        self.typing = way = typed_text(language_of(locale))
        self.invocation_name: str = language_model["invocationName"]
        self._slots: dict[str, dict[str, str]] = {
            i["name"]: {s["name"]: s["type"] for s in i.get("slots", [])}
            for i in language_model["intents"]
        }
        self._values = {
            t["name"]: _phrase_table(t["values"], self._words) for t in language_model["types"]
        }
        every = [
            (intent["name"], sample)
            for intent in language_model["intents"]
            for sample in [*intent.get("samples", []), *way.native.get(intent["name"], ())]
        ]
        self._literal: dict[str, str] = {}
        """A sample with no slot, as its words → its intent (first one wins, as in the model)."""
        self._owners: dict[str, set[str]] = {}
        for intent, sample in every:
            if not _SLOT_REF.search(sample):
                words = self._words(sample)
                self._literal.setdefault(words, intent)
                self._owners.setdefault(words, set()).add(intent)
        self._near = self._near_table()
        self._slotted = [self._compile(i, s) for i, s in every if _SLOT_REF.search(s)]
        inv = self.normalise(self.invocation_name)
        # the longest first: "using knee coach" goes whole, not as "knee coach" then "using"
        self._prefixes = _longest_first(way.canonical(p.format(inv=inv)) for p in way.prefixes)
        self._suffixes = _longest_first(way.canonical(s.format(inv=inv)) for s in way.suffixes)
        self._wake = tuple(way.canonical(p) for p in way.prefixes[:2])
        """The wake word as people type it ("hey alexa", "alexa"): the file lists it first."""
        self._polite = way.canonical(way.suffixes[0]) if way.suffixes else ""
        """The polite word ("please"), left out anywhere: the file lists it first."""

    def _words(self, text: str) -> str:
        """Typed text as the tiers compare it: normalised, contractions in their long form."""
        return self.typing.canonical(self.normalise(text))

    def _near_table(self) -> dict[str, str]:
        """Literal samples without their hedges → intent, or _AMBIGUOUS when two differ.

        A sample that is already free of hedges owns its words outright: "no" stays No
        even though "actually no" (MeantNo) is "no" without its hedge.
        """
        near = self.typing.near
        table = {words: intent for words, intent in self._literal.items() if words == near(words)}
        reduced: dict[str, str] = {}
        for words, intent in self._literal.items():
            key = near(words)
            if key in table or not key:
                continue
            reduced[key] = intent if reduced.get(key, intent) == intent else _AMBIGUOUS
        return {**reduced, **table}

    def normalise(self, text: str) -> str:
        """Typed text as this model's language compares it (see :func:`normalise`)."""
        return normalise(text, self.locale)

    @classmethod
    def load(cls, path: Path | str) -> InteractionModel:
        """Read ``<locale>.json``; the file name is the locale."""
        path = Path(path)
        return cls(path.stem, json.loads(path.read_text(encoding="utf-8")))

    def value_name(self, slot_type: str, ident: str) -> str:
        """How the model names a slot value ("right" → "rechts" in German)."""
        return next(v.name for v in self._values[slot_type].values() if v.id == ident)

    @property
    def intents(self) -> tuple[str, ...]:
        return tuple(self._slots)

    def slots_of(self, intent: str) -> dict[str, str]:
        """Slot name → slot type for an intent (Alexa sends every slot, filled or not)."""
        return dict(self._slots.get(intent, {}))

    def values_of(self, slot_type: str) -> dict[str, str]:
        """Every spoken phrase (normalised) of a slot type → the value id it resolves to."""
        return {phrase: value.id for phrase, value in self._values[slot_type].items()}

    def shared_words(self) -> dict[str, set[str]]:
        """Literal samples of different intents that are the same words (a contraction and
        its long form): the model is ambiguous there, whatever the build saw."""
        return {words: owners for words, owners in self._owners.items() if len(owners) > 1}

    def is_launch(self, text: str) -> bool:
        """True for "open knee coach" and the like: a LaunchRequest, not an intent."""
        words = _strip_words(self._words(text), self._wake, ())
        inv = self._words(self.invocation_name)
        return words == inv or any(
            words in (f"{verb} {inv}", f"{inv} {verb}") for verb in self.typing.launch_verbs
        )

    def match(self, text: str) -> Match | None:
        """The intent and slots Alexa would most likely hear in ``text``, or None."""
        candidates = list(self._candidates(self._words(text)))
        # the most of what was said first: "wait, um, no" is near "wait no" (MeantNo) before
        # it is "no" without its "wait"; a loose slot only once nothing else fits
        for candidate in candidates:
            found = self._exact(candidate) or self._near_match(candidate)
            if found is not None:
                return found
        for candidate in candidates:
            found = self._wild(candidate)
            if found is not None:
                return found
        return None

    def _candidates(self, text: str) -> Iterator[str]:
        """The text, then versions with filler peeled off, fewest peeled first.

        A phrase is peeled from the front or from the end, one at a time, each way tried:
        "wait a sec, love" is "a sec" once "wait" and "love" are peeled, though "wait a sec"
        is filler too (before "did you say ...").
        """
        seen = {text}
        waiting = deque([text] if text else [])
        while waiting:
            current = waiting.popleft()
            yield current
            without_please = " ".join(w for w in current.split() if w != self._polite)
            for peeled in (
                without_please,
                _strip_words(without_please, self._prefixes, (), once=True),
                _strip_words(without_please, (), self._suffixes, once=True),
            ):
                if peeled and peeled not in seen:
                    seen.add(peeled)
                    waiting.append(peeled)

    def _exact(self, text: str) -> Match | None:
        intent = self._literal.get(text)
        if intent is not None:
            return Match(intent)
        return self._best(text, "exact")

    def _near_match(self, text: str) -> Match | None:
        words = self.typing.near(text)
        if words == text:
            return None  # nothing left out: the exact tier already said no
        intent = self._near.get(words)
        if intent:
            return Match(intent)
        return None if intent == _AMBIGUOUS else self._best(words, "near")

    def _wild(self, text: str) -> Match | None:
        return self._best(text, "wild")

    def _best(self, text: str, tier: str) -> Match | None:
        best: tuple[int, Match] | None = None
        for sample in self._slotted:
            pattern = getattr(sample, tier)
            found = pattern.fullmatch(text) if pattern is not None else None
            if found is None:
                continue
            match = Match(sample.intent, self._slot_values(sample, found))
            if best is None or sample.literal > best[0]:
                best = (sample.literal, match)
        return best[1] if best else None

    def _slot_values(self, sample: _Sample, found: re.Match[str]) -> dict[str, SlotValue]:
        slots = {}
        for slot, slot_type in sample.slot_types.items():
            spoken = found.group(f"s_{slot}")
            if slot_type.startswith(_BUILT_IN_TYPE):
                slots[slot] = SlotValue(spoken, self.typing.time_value(spoken))
                continue
            value = self._values[slot_type].get(spoken)
            slots[slot] = SlotValue(
                spoken, value.id if value else None, value.name if value else None
            )
        return slots

    def _compile(self, intent: str, sample: str) -> _Sample:
        slot_types = {s: self._slots[intent][s] for s in _SLOT_REF.findall(sample)}
        literal_words = _SLOT_REF.sub(" ", sample).split()

        def pattern(tier: str) -> re.Pattern[str]:
            parts = []
            for token in sample.split():
                ref = _SLOT_REF.fullmatch(token)
                if ref is None:
                    words = self._words(token)
                    if tier == "near":
                        words = self.typing.near(words)
                    parts += [re.escape(words)] if words else []
                    continue
                if slot_types[ref[1]].startswith(_BUILT_IN_TYPE):  # AMAZON.TIME
                    parts.append(f"(?P<s_{ref[1]}>{self.typing.time_phrase})")
                    continue
                phrases = sorted(self._values[slot_types[ref[1]]], key=lambda p: (-len(p), p))
                body = _WILD if tier == "wild" else "|".join(re.escape(p) for p in phrases)
                parts.append(f"(?P<s_{ref[1]}>{body})")
            return re.compile(" ".join(parts))

        custom = [t for t in slot_types.values() if not t.startswith(_BUILT_IN_TYPE)]
        wild_ok = bool(custom) and len(literal_words) >= 2
        return _Sample(
            intent=intent,
            text=sample,
            exact=pattern("exact"),
            near=pattern("near"),
            wild=pattern("wild") if wild_ok else None,
            slot_types=slot_types,
            literal=sum(len(w) for w in literal_words),
        )


def _longest_first(phrases: Iterable[str]) -> list[str]:
    return sorted(dict.fromkeys(phrases), key=lambda p: -len(p.split()))


def _phrase_table(
    values: Sequence[Mapping[str, Any]], normal: Callable[[str], str]
) -> dict[str, _Value]:
    table = {}
    for value in values:
        resolved = _Value(value["id"], value["name"]["value"])
        for phrase in [value["name"]["value"], *value["name"].get("synonyms", [])]:
            table[normal(phrase)] = resolved
    return table


def _strip_words(
    text: str, prefixes: Sequence[str], suffixes: Sequence[str], *, once: bool = False
) -> str:
    """Remove a leading or trailing filler phrase (whole words only); all of them unless once."""
    while True:
        before = text
        for prefix in prefixes:
            if text.startswith(prefix + " "):
                text = text[len(prefix) + 1 :]
                break
        else:
            for suffix in suffixes:
                if text.endswith(" " + suffix):
                    text = text[: -len(suffix) - 1]
                    break
        if once or text == before:
            return text


def default_model(locale: str = "en-US") -> InteractionModel:
    """The model the skill ships for ``locale``, loaded once per process."""
    return _cached_model(locale)


@cache
def _cached_model(locale: str) -> InteractionModel:
    # Keyed by the locale alone: a cache on default_model would treat default_model() and
    # default_model("en-US") as different calls and load the file twice.
    return InteractionModel.load(Settings.from_env().models_dir / f"{locale}.json")
