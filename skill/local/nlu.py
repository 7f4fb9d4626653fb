"""Typed text → intent and slots, using only what an interaction model carries.

The text simulator must exercise the real model, not a shortcut: a phrase works here only if
it is a sample utterance (or a slot value) in ``interaction_models/<locale>.json``. Matching
runs in tiers, most exact first, the way Alexa prefers a literal sample to a loose guess:

1. the normalised text equals a sample, each ``{slot}`` being one of its type's values or
   synonyms (longest first);
2. the same after dropping filler people type around a request ("alexa", "please",
   "ask knee coach to", "can you"), including the connecting word of a one-shot
   ("ask knee coach for help" is the utterance "help", as Alexa hears it);

Typed text is normalised in the model's language: German "ü" and "ue" read the same, as do
Spanish "á" and "a"; number words, filler and times of day are each language's
(``models/typed_text.yaml``), so the matcher works the same way in every language.
3. a sample with at least two literal words whose slot takes any short phrase, like Alexa
   filling a custom slot with a word it does not know (the value then has no id).

Nothing matched → ``None``; the simulator sends ``AMAZON.FallbackIntent`` as Alexa would.
Pure: no SDK, no I/O beyond :meth:`InteractionModel.load`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from skill.alexa import intents
from skill.settings import REPO_ROOT, Settings

TYPED_TEXT = REPO_ROOT / "models" / "typed_text.yaml"
"""How people type, per language: number words, filler, times (see the file's header)."""

_SLOT_REF = re.compile(r"\{([a-z_]+)\}")
_BUILT_IN_TYPE = "AMAZON."
_WILD = r"[a-z0-9]+(?: [a-z0-9]+){0,3}"
"""Any phrase of one to four words: what Alexa would put in a slot it cannot resolve."""


class TypedText:
    """One language's way of typing: its folding, number words, filler and times of day.

    Alexa resolves a spoken time to "HH:MM", or to MO / AF / EV / NI for a vague part of the
    day; :meth:`time_value` does the same for the phrases people type, from the language's
    ``time`` section of ``models/typed_text.yaml``.
    """

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.fold = {str(k): str(v) for k, v in (data.get("fold") or {}).items()}
        numbers = [v if isinstance(v, list) else [v] for v in data["numbers"]]
        self.digits = [self.normalise(str(v[0])) if v[0] is not None else "" for v in numbers]
        self.number_words = {
            self.normalise(str(word)): n
            for n, words in enumerate(numbers)
            for word in words
            if word
        }
        n = self.normalise
        self.prefixes = [n(p, keep="{}") for p in data.get("filler_prefixes") or ()]
        self.suffixes = [n(p, keep="{}") for p in data.get("filler_suffixes") or ()]
        self.launch_verbs = [n(v) for v in data.get("launch_verbs") or ()]
        self.open = str((data.get("launch_verbs") or ["open"])[0])
        """The usual launch verb as written ("öffne"), for instructions."""
        self.native = {
            getattr(intents, key): tuple(n(p) for p in phrases)
            for key, phrases in (data.get("native") or {}).items()
        }
        time = data["time"]
        self.clock = int(time["hours"])
        hours = range(1, 13) if self.clock == 12 else range(24)
        self.hours = {w: h for w, h in self.number_words.items() if h in hours}
        self.hours.update({str(h): h for h in hours})
        tens = time.get("tens") or {}
        self.tens = {n(w): int(v) for w, v in (tens.get("words") or {}).items()}
        join = tens.get("join")
        # A unit follows a tens word after this ("twenty five", "treinta y cinco"); None: the
        # language writes them as one word (German "fünfundzwanzig", in minute_words).
        self.tens_joiner = None if join is None else f" {n(str(join))} ".replace("  ", " ")
        self.minute_words = {n(w): int(v) for w, v in (time.get("minute_words") or {}).items()}
        self.forms = [
            (n(f["say"], keep="{}"), f.get("minute"), int(f.get("hour", 0))) for f in time["forms"]
        ]
        self.pm = [n(w) for w in time.get("pm") or ()]
        self.am = [n(w) for w in time.get("am") or ()]
        self.plain = [n(w) for w in time.get("plain") or ()]
        self.vague = {n(w): str(v) for w, v in (time.get("vague") or {}).items()}
        self.noon = [n(w) for w in time.get("noon") or ()]
        self.midnight = [n(w) for w in time.get("midnight") or ()]
        self.examples = {n(w): str(v) for w, v in (time.get("examples") or {}).items()}
        answers = data.get("answers") or {}
        self.yes, self.no = str(answers.get("yes", "yes")), str(answers.get("no", "no"))
        self.stop = str(answers.get("stop", "stop"))
        self.suggested = tuple(str(x) for x in data.get("try") or ())
        """What the offline chat suggests typing first, in the language."""
        self.time_phrase = self._time_phrase()
        self._forms = [(self._form(say), minute, shift) for say, minute, shift in self.forms]

    def normalise(self, text: str, keep: str = "") -> str:
        """Lowercase words separated by single spaces: no punctuation, apostrophes or marks.

        Letters typed two ways are folded to one (German "ü" and "ue", Spanish "á" and "a");
        apostrophes are dropped (not split on) so "don't" and "dont" read the same. ``keep``
        keeps some characters (the ``{inv}`` of a filler phrase).
        """
        text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("'", "")
        for letter, folded in self.fold.items():
            text = text.replace(letter, folded)
        return " ".join(re.sub(rf"[^a-z0-9{re.escape(keep)}]+", " ", text).split())

    def words_for_digits(self, text: str) -> str:
        """Typed digits as the words samples use ("9" → "nine"); larger numbers stay digits."""

        def words(found: re.Match[str]) -> str:
            number = int(found.group())
            spelled = self.digits[number] if number < len(self.digits) else ""
            return f" {spelled or found.group()} "

        return re.sub(r"\d+", words, text)

    # ----- times of day

    def _minute_pattern(self) -> str:
        units = "|".join(re.escape(w) for w, v in self.number_words.items() if 1 <= v <= 9)
        plain = [w for w, v in self.number_words.items() if 1 <= v < 60]
        words = sorted([*plain, *self.minute_words, *self.tens], key=lambda w: (-len(w), w))
        tens = "|".join(re.escape(w) for w in self.tens)
        joiner = self.tens_joiner
        composed = [rf"(?:{tens}){re.escape(joiner)}(?:{units})"] if joiner and tens else []
        return "(?:" + "|".join([*composed, *(re.escape(w) for w in words), r"\d\d"]) + ")"

    def _time_phrase(self) -> str:
        hour = "(?:" + "|".join(re.escape(w) for w in sorted(self.hours, key=len)[::-1]) + ")"
        marks = sorted([*self.pm, *self.am, *self.plain], key=len)[::-1]
        mark = "(?: (?:" + "|".join(re.escape(m) for m in marks) + "))?" if marks else ""
        minute = self._minute_pattern()
        shapes = []
        for say, _, _ in self.forms:
            pattern = re.escape(say).replace(r"\{h\}", hour).replace(r"\{m\}", minute)
            shapes.append(pattern + mark)
        fixed = sorted([*self.noon, *self.midnight, *self.vague], key=len)[::-1]
        return "(?:" + "|".join([*shapes, *(re.escape(f) for f in fixed)]) + ")"

    def time_value(self, spoken: str) -> str | None:
        """The ``AMAZON.TIME`` value Alexa would give for a (normalised) time phrase."""
        if spoken in self.vague:
            return self.vague[spoken]
        if spoken in self.noon:
            return "12:00"
        if spoken in self.midnight:
            return "00:00"
        for form, fixed_minute, shift in self._forms:
            found = form.fullmatch(spoken)
            if found is None:
                continue
            hour = self.hours[found["hour"]]
            said = found.groupdict().get("minute")
            minute = fixed_minute if fixed_minute is not None else self._minute(said)
            if minute is None:
                continue
            if shift:
                hour = (hour + shift) % (12 if self.clock == 12 else 24) or (
                    12 if self.clock == 12 else 0
                )
            mark = found.groupdict().get("mark") or ""
            if mark in self.pm:
                hour = hour % 12 + 12
            elif mark in self.am:
                hour = hour % 12
            return f"{hour:02d}:{minute:02d}"
        return None

    def _form(self, say: str) -> re.Pattern[str]:
        hour = "|".join(re.escape(w) for w in sorted(self.hours, key=len)[::-1])
        marks = sorted([*self.pm, *self.am, *self.plain], key=len)[::-1]
        mark = "(?: (?P<mark>" + "|".join(re.escape(m) for m in marks) + "))?" if marks else ""
        pattern = (
            re.escape(say)
            .replace(r"\{h\}", f"(?P<hour>{hour})")
            .replace(r"\{m\}", f"(?P<minute>{self._minute_pattern()})")
        )
        return re.compile(pattern + mark)

    def _minute(self, words: str | None) -> int | None:
        if not words:
            return 0
        if words.isdigit():
            return int(words) if int(words) < 60 else None
        if words in self.minute_words:
            return self.minute_words[words]
        if words in self.number_words:
            return self.number_words[words]
        if words in self.tens:
            return self.tens[words]
        tens, _, unit = words.partition(self.tens_joiner or "\0")
        if tens in self.tens and unit in self.number_words:
            return self.tens[tens] + self.number_words[unit]
        return None


@cache
def typed_text(language: str) -> TypedText:
    """How people type ``language`` (English for a language the file does not have)."""
    import yaml

    data = yaml.safe_load(TYPED_TEXT.read_text(encoding="utf-8"))
    return TypedText(data.get(language) or data["en"])


def language_of(locale: str) -> str:
    return locale.split("-")[0].lower()


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
    wild: re.Pattern[str] | None
    slot_types: Mapping[str, str]
    literal: int
    """How many literal characters the sample has: more is more specific, and wins."""


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
            t["name"]: _phrase_table(t["values"], self.normalise) for t in language_model["types"]
        }
        self._samples = [
            self._compile(intent["name"], sample)
            for intent in language_model["intents"]
            for sample in [*intent.get("samples", []), *way.native.get(intent["name"], ())]
        ]
        inv = self.normalise(self.invocation_name)
        self._prefixes = [p.format(inv=inv) for p in way.prefixes]
        self._suffixes = [s.format(inv=inv) for s in way.suffixes]

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

    def is_launch(self, text: str) -> bool:
        """True for "open knee coach" and the like: a LaunchRequest, not an intent."""
        words = _strip_words(self.normalise(text), tuple(self._prefixes[:2]), ())
        inv = self.normalise(self.invocation_name)
        return words == inv or any(
            words in (f"{verb} {inv}", f"{inv} {verb}") for verb in self.typing.launch_verbs
        )

    def match(self, text: str) -> Match | None:
        """The intent and slots Alexa would most likely hear in ``text``, or None."""
        candidates = list(self._candidates(self.normalise(text)))
        for tier in ("exact", "wild"):
            for candidate in candidates:
                found = self._best(candidate, tier)
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
            polite = self._suffixes[0] if self._suffixes else ""
            without_please = " ".join(w for w in current.split() if w != polite)
            current = _strip_words(without_please, self._prefixes, self._suffixes, once=True)

    def _best(self, text: str, tier: str) -> Match | None:
        best: tuple[int, Match] | None = None
        for sample in self._samples:
            pattern = sample.exact if tier == "exact" else sample.wild
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

        def pattern(wild: bool) -> re.Pattern[str]:
            parts = []
            for token in sample.split():
                ref = _SLOT_REF.fullmatch(token)
                if ref is None:
                    parts.append(re.escape(self.normalise(token)))
                    continue
                if slot_types[ref[1]].startswith(_BUILT_IN_TYPE):  # AMAZON.TIME
                    parts.append(f"(?P<s_{ref[1]}>{self.typing.time_phrase})")
                    continue
                phrases = sorted(self._values[slot_types[ref[1]]], key=lambda p: (-len(p), p))
                body = _WILD if wild else "|".join(re.escape(p) for p in phrases)
                parts.append(f"(?P<s_{ref[1]}>{body})")
            return re.compile(" ".join(parts))

        custom = [t for t in slot_types.values() if not t.startswith(_BUILT_IN_TYPE)]
        wild_ok = bool(custom) and len(literal_words) >= 2
        return _Sample(
            intent=intent,
            text=sample,
            exact=pattern(wild=False),
            wild=pattern(wild=True) if wild_ok else None,
            slot_types=slot_types,
            literal=sum(len(w) for w in literal_words),
        )


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
