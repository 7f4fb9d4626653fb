"""How people type each language: folding, number words, filler, contractions, times of day.

The data is ``models/typed_text.yaml``, a section per language; :class:`TypedText` compiles
one section for the matcher (:mod:`skill.local.nlu`), so the simulator hears typed German or
Spanish the way Alexa hears speech. Adding a language adds a section, no code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from skill.alexa import intents
from skill.settings import REPO_ROOT

TYPED_TEXT = REPO_ROOT / "models" / "typed_text.yaml"
"""How people type, per language: number words, filler, times (see the file's header)."""


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
        self.prefixes = [n(p, keep="{}") for p in _flat(data.get("filler_prefixes"))]
        self.suffixes = [n(p, keep="{}") for p in _flat(data.get("filler_suffixes"))]
        self.launch_verbs = [n(v) for v in data.get("launch_verbs") or ()]
        self.open = str((data.get("launch_verbs") or ["open"])[0])
        """The usual launch verb as written ("öffne"), for instructions."""
        self.native = {
            getattr(intents, key): tuple(n(p) for p in _flat(phrases))
            for key, phrases in (data.get("native") or {}).items()
        }
        same = {**(data.get("contractions") or {}), **(data.get("spellings") or {})}
        self.contractions = {n(k): n(v) for k, v in same.items()}
        """Contractions (as normalised, apostrophes dropped) → their long forms, and a word
        typed more than one way ("ya", "yeah") → the one way: the same spoken words."""
        self.hedges = frozenset(n(w) for w in data.get("hedges") or ())
        """Words a near match leaves out wherever they are (hesitations, "just", "really")."""
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

    def canonical(self, words: str) -> str:
        """Normalised words with each contraction in its long form ("im done" → "i am done")."""
        return " ".join(self.contractions.get(word, word) for word in words.split())

    def near(self, words: str) -> str:
        """Canonical words without hesitations, hedges and a word said twice running ("yes
        yes", "no no no"): what a near match compares."""
        kept: list[str] = []
        for word in words.split():
            if word not in self.hedges and (not kept or word != kept[-1]):
                kept.append(word)
        return " ".join(kept)

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


def _flat(items: Any) -> list[str]:
    """A list of phrases, or of groups of them (written in groups for the reader): in order.

    Each must be text: YAML reads a bare yes, no, on or off as true or false, which would
    quietly become the word "true".
    """
    phrases = [x for item in items or () for x in (item if isinstance(item, list) else [item])]
    for phrase in phrases:
        if not isinstance(phrase, str):
            raise ValueError(f"{phrase!r} in {TYPED_TEXT.name} is not text: quote it")
    return phrases


@cache
def typed_text(language: str) -> TypedText:
    """How people type ``language`` (English for a language the file does not have)."""
    import yaml

    data = yaml.safe_load(TYPED_TEXT.read_text(encoding="utf-8"))
    return TypedText(data.get(language) or data["en"])


def language_of(locale: str) -> str:
    return locale.split("-")[0].lower()
