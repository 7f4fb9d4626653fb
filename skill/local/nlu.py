"""Typed text → intent and slots, using only what an interaction model carries.

The text simulator must exercise the real model, not a shortcut: a phrase works here only if
it is a sample utterance (or a slot value) in ``interaction_models/<locale>.json``. Matching
runs in tiers, most exact first, the way Alexa prefers a literal sample to a loose guess:

1. the normalised text equals a sample, each ``{slot}`` being one of its type's values or
   synonyms (longest first); a contraction and its long form are the same words ("I am
   done" is "I'm done"), as they are to Alexa's speech recognition;
2. the same after dropping filler people type around a request ("alexa", "please",
   "ask knee coach to", "can you"), including the connecting word of a one-shot
   ("ask knee coach for help" is the utterance "help", as Alexa hears it);
3. a near match: the same once hesitations and hedges are left out wherever they are ("um",
   "just", "really", "actually": "that really hurts" is "that hurts"), as Alexa's model
   does not hang on them. Nothing else is near: a missing or changed content word is a
   different utterance, so a gap in the model shows as a miss here too;
4. a sample with at least two literal words whose slot takes any short phrase, like Alexa
   filling a custom slot with a word it does not know (the value then has no id).

Nothing matched → ``None``; the simulator sends ``AMAZON.FallbackIntent`` as Alexa would.
Pure: no SDK, no I/O beyond :meth:`InteractionModel.load`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from skill.alexa import intents
from skill.settings import Settings

_NUMBERS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
)  # fmt: skip

_FILLER_PREFIXES = (
    "hey alexa", "alexa", "ask {inv} to", "tell {inv} to", "ask {inv} for", "ask {inv} about",
    "ask {inv} if", "ask {inv} whether", "tell {inv} that", "use {inv} to",
    "open {inv} and", "launch {inv} and", "start {inv} and", "use {inv} and", "begin {inv} and",
    "ask {inv}", "tell {inv}", "{inv}",
    "can you", "could you", "would you", "will you", "i want to", "i wanna", "i would like to",
    "id like to", "i need to", "lets", "um", "uh", "er", "so", "ok", "okay", "now", "just",
    "and", "then", "well", "oh", "hey",
)  # fmt: skip
_FILLER_SUFFIXES = (
    "please", "now", "right now", "thanks", "thank you", "for me", "alexa", "{inv}", "then",
    "using {inv}", "with {inv}", "from {inv}", "on {inv}",
    "i think", "i suppose", "i guess", "to be honest", "if thats ok", "if thats okay",
    "if thats alright", "if thats all right", "if you dont mind",
)  # fmt: skip
"""Said around a request, changing nothing: one-shot connecting words Alexa itself takes
("ask knee coach if ...", "open knee coach and ..."), and politeness or a hedge at the end."""
_LAUNCH_VERBS = ("open", "launch", "start", "talk to", "run", "play", "begin", "use", "ask")

_HOME_PHRASES = (
    "home", "go home", "take me home", "main menu", "go to the main menu", "home screen",
    "go to the home screen", "back to the home screen", "go back to the home screen",
)  # fmt: skip
_NATIVE_PHRASES: Mapping[str, Sequence[str]] = {intents.NAVIGATE_HOME: _HOME_PHRASES}
"""Phrases Alexa's own built-in model knows for built-ins our model may not extend."""

_CONTRACTIONS = {
    "im": "i am", "ive": "i have", "ill": "i will", "id": "i would", "youre": "you are",
    "youve": "you have", "youll": "you will", "youd": "you would", "theyre": "they are",
    "theyve": "they have", "weve": "we have", "its": "it is", "thats": "that is",
    "whats": "what is", "wheres": "where is", "hows": "how is", "whos": "who is",
    "theres": "there is", "heres": "here is", "lets": "let us", "dont": "do not",
    "doesnt": "does not", "didnt": "did not", "cant": "can not", "cannot": "can not",
    "wont": "will not", "isnt": "is not", "arent": "are not", "wasnt": "was not",
    "werent": "were not", "havent": "have not", "hasnt": "has not", "hadnt": "had not",
    "shouldnt": "should not", "wouldnt": "would not", "couldnt": "could not",
    "wanna": "want to", "gonna": "going to", "okay": "ok",
}  # fmt: skip
"""Contractions (apostrophes already dropped) and their long forms: the same spoken words.
"were", "well", "shed" and "hell" stay as they are: each is also a word of its own."""

_HEDGES = frozenset(
    ("um", "uh", "er", "erm", "hmm", "mm", "ah", "oh", "just", "really", "actually", "please")
)
"""Words a near match leaves out wherever they are: hesitations, and hedges that do not
change what is asked ("just wait", "that really hurts", "actually, stop")."""

_SLOT_REF = re.compile(r"\{([a-z_]+)\}")
_BUILT_IN_TYPE = "AMAZON."
_WILD = r"[a-z0-9]+(?: [a-z0-9]+){0,3}"
"""Any phrase of one to four words: what Alexa would put in a slot it cannot resolve."""


# --------------------------------------------------------------------------- AMAZON.TIME
# Alexa resolves a spoken time to "HH:MM", or to MO / AF / EV / NI for a vague part of the
# day; the simulator does the same for the phrases people type.

_HOURS = _NUMBERS[1:13]
_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_TEENS = "|".join(_NUMBERS[10:20])
_MINUTE = rf"(?:oh (?:{_UNITS})|{_TEENS}|(?:twenty|thirty|forty|fifty)(?: (?:{_UNITS}))?|\d\d)"
_MARK = r"(?:am|a m|pm|p m|in the morning|in the afternoon|in the evening|at night|tonight)"
_CLOCK = r"(?:oclock|o clock)"
_RELATION = r"(?:half past|quarter past|quarter to|half)"
""""half seven" is half past seven where it is said (en-GB, en-AU, en-IN), as Alexa hears it."""
_VAGUE = {
    "morning": "MO", "in the morning": "MO", "this morning": "MO",
    "afternoon": "AF", "in the afternoon": "AF", "this afternoon": "AF",
    "evening": "EV", "in the evening": "EV", "this evening": "EV", "tonight": "EV",
    "night": "NI", "at night": "NI",
}  # fmt: skip
_HOUR = "|".join(_HOURS)
TIME_PHRASE = (
    rf"(?:(?:{_HOUR})(?: {_MINUTE})?(?: {_CLOCK})?(?: {_MARK})?|{_RELATION} "
    rf"(?:{_HOUR})(?: {_MARK})?|noon|midday|midnight|{'|'.join(sorted(_VAGUE, key=len)[::-1])})"
)
"""Every time phrase the simulator resolves (normalised words), as a regular expression."""
_PARTS = re.compile(
    rf"(?:(?P<rel>{_RELATION}) )?(?P<hour>{_HOUR})"
    rf"(?: (?P<minute>{_MINUTE}))?(?: {_CLOCK})?(?: (?P<mark>{_MARK}))?"
)


def time_value(spoken: str) -> str | None:
    """The ``AMAZON.TIME`` value Alexa would give for a (normalised) time phrase."""
    if spoken in _VAGUE:
        return _VAGUE[spoken]
    if spoken in ("noon", "midday", "midnight"):
        return "00:00" if spoken == "midnight" else "12:00"
    found = _PARTS.fullmatch(spoken)
    if found is None:
        return None
    hour, minute = _HOURS.index(found["hour"]) + 1, _minute(found["minute"])
    relation = found["rel"]
    if relation:
        minute = {"half past": 30, "half": 30, "quarter past": 15, "quarter to": 45}[relation]
        hour = hour - 1 if relation == "quarter to" else hour
        hour = hour or 12
    mark = found["mark"] or ""
    if mark in ("pm", "p m", "in the afternoon", "in the evening", "at night", "tonight"):
        hour = hour % 12 + 12
    elif mark in ("am", "a m", "in the morning"):
        hour = hour % 12
    return f"{hour:02d}:{minute:02d}"


def _minute(words: str | None) -> int:
    if not words:
        return 0
    if words.isdigit():
        return int(words)
    total = 0
    for word in words.split():
        total += 0 if word == "oh" else _NUMBERS.index(word) if word in _NUMBERS else _TENS[word]
    return total


_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}


def normalise(text: str) -> str:
    """Lowercase words separated by single spaces: no punctuation, apostrophes or digits.

    Apostrophes are dropped (not split on) so "don't" and "dont" read the same; digits become
    words because Alexa's samples and slot values spell numbers out.
    """
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("'", "")
    text = re.sub(r"\d+", lambda m: _number_words(m.group()), text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _number_words(digits: str) -> str:
    number = int(digits)
    return f" {_NUMBERS[number]} " if number < len(_NUMBERS) else f" {digits} "


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
    """A sample with slots, compiled: literal samples are looked up, not matched."""

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
        self.invocation_name: str = language_model["invocationName"]
        self._slots: dict[str, dict[str, str]] = {
            i["name"]: {s["name"]: s["type"] for s in i.get("slots", [])}
            for i in language_model["intents"]
        }
        self._values = {t["name"]: _phrase_table(t["values"]) for t in language_model["types"]}
        every = [
            (intent["name"], sample)
            for intent in language_model["intents"]
            for sample in [*intent.get("samples", []), *_NATIVE_PHRASES.get(intent["name"], ())]
        ]
        self._literal: dict[str, str] = {}
        """A sample with no slot, as its words → its intent (first one wins, as in the model)."""
        self._owners: dict[str, set[str]] = {}
        for intent, sample in every:
            if not _SLOT_REF.search(sample):
                words = canonical(normalise(sample))
                self._literal.setdefault(words, intent)
                self._owners.setdefault(words, set()).add(intent)
        self._near = self._near_table()
        self._slotted = [self._compile(i, s) for i, s in every if _SLOT_REF.search(s)]
        inv = normalise(self.invocation_name)
        # the longest first: "using knee coach" goes whole, not as "knee coach" then "using"
        self._prefixes = _longest_first(canonical(p.format(inv=inv)) for p in _FILLER_PREFIXES)
        self._suffixes = _longest_first(canonical(s.format(inv=inv)) for s in _FILLER_SUFFIXES)

    def _near_table(self) -> dict[str, str]:
        """Literal samples without their hedges → intent, or _AMBIGUOUS when two differ.

        A sample that is already free of hedges owns its words outright: "no" stays No
        even though "actually no" (MeantNo) is "no" without its hedge.
        """
        table = {words: intent for words, intent in self._literal.items() if words == near(words)}
        reduced: dict[str, str] = {}
        for words, intent in self._literal.items():
            key = near(words)
            if key in table or not key:
                continue
            reduced[key] = intent if reduced.get(key, intent) == intent else _AMBIGUOUS
        return {**reduced, **table}

    @classmethod
    def load(cls, path: Path | str) -> InteractionModel:
        """Read ``<locale>.json``; the file name is the locale."""
        path = Path(path)
        return cls(path.stem, json.loads(path.read_text(encoding="utf-8")))

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
        words = _strip_words(normalise(text), ("hey alexa", "alexa"), ())
        inv = normalise(self.invocation_name)
        return words == inv or any(words == f"{verb} {inv}" for verb in _LAUNCH_VERBS)

    def match(self, text: str) -> Match | None:
        """The intent and slots Alexa would most likely hear in ``text``, or None."""
        candidates = list(self._candidates(canonical(normalise(text))))
        for tier in (self._exact, self._near_match, self._wild):
            for candidate in candidates:
                found = tier(candidate)
                if found is not None:
                    return found
        return None

    def _candidates(self, text: str) -> Iterator[str]:
        """The text, then versions with filler peeled off one phrase at a time."""
        seen: set[str] = set()
        current = text
        while current and current not in seen:
            seen.add(current)
            yield current
            without_please = " ".join(w for w in current.split() if w != "please")
            current = _strip_words(without_please, self._prefixes, self._suffixes, once=True)

    def _exact(self, text: str) -> Match | None:
        intent = self._literal.get(text)
        if intent is not None:
            return Match(intent)
        return self._best(text, "exact")

    def _near_match(self, text: str) -> Match | None:
        words = near(text)
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
                slots[slot] = SlotValue(spoken, time_value(spoken))
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
                    words = canonical(normalise(token))
                    if tier == "near":
                        words = near(words)
                    parts += [re.escape(words)] if words else []
                    continue
                if slot_types[ref[1]].startswith(_BUILT_IN_TYPE):  # AMAZON.TIME
                    parts.append(f"(?P<s_{ref[1]}>{TIME_PHRASE})")
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


def canonical(words: str) -> str:
    """Normalised words with each contraction in its long form ("im done" → "i am done")."""
    return " ".join(_CONTRACTIONS.get(word, word) for word in words.split())


def near(words: str) -> str:
    """Canonical words without hesitations and hedges: what a near match compares."""
    return " ".join(word for word in words.split() if word not in _HEDGES)


def _phrase_table(values: Sequence[Mapping[str, Any]]) -> dict[str, _Value]:
    table = {}
    for value in values:
        resolved = _Value(value["id"], value["name"]["value"])
        for phrase in [value["name"]["value"], *value["name"].get("synonyms", [])]:
            table[canonical(normalise(phrase))] = resolved
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
