"""From the patterns of ``models/utterances.yaml`` to each intent's samples, checked.

Each entry of the source (a plain sample or a pattern, see ``sample_grammar.py``) remembers
where it was written, so every failure names the entries to fix:

- a sample Alexa would refuse (capitals, digits, marks) or a ``{slot}`` no intent declares;
- one sample listed twice for an intent, by two entries or by one pattern;
- one sample claimed by two intents, and likewise once each ``{slot}`` is filled with each of
  its values and synonyms ("both" as a sample of one intent and a ``{side}`` of another);
- a model past Alexa's documented limits.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sample_grammar import GrammarError, expand

MAX_MODEL_BYTES = 1_500_000
"""Alexa: an interaction model (its JSON) is at most 1.5 MB."""
MAX_INTENTS = 250
"""Alexa: at most 250 intents in a model..."""
MAX_INTENTS_AND_TYPES = 350
"""... and at most 350 intents and slot types together."""
MAX_VALUE_CHARS = 140
"""Alexa: a slot value or synonym is at most 140 characters."""
MAX_SAMPLE_CHARS = 200
"""Ours, well inside what Alexa takes: a sample longer than this is not how anyone talks."""

_LETTERS = r"[^\W\d_]"
_WORD = rf"{_LETTERS}+(?:'{_LETTERS}+)*"
_SAMPLE_RE = re.compile(rf"^(?:{_WORD}|\{{[a-z_]+\}})(?: (?:{_WORD}|\{{[a-z_]+\}}))*$")
"""Alexa's sample rules: lowercase words in the language's letters ("über", "rodilla"), inner
apostrophes, ``{slot}``; no digits or marks."""
SLOT_REF = re.compile(r"\{([a-z_]+)\}")


class SampleError(ValueError):
    """Samples that cannot make a valid model; the message names the entries."""


@dataclass(frozen=True)
class Entry:
    """One line of the source: the intent it is for, where it is, and what it says."""

    intent: str
    where: str
    pattern: str

    def origin(self, sample: str) -> str:
        """Where ``sample`` came from, for a message: the entry, and its pattern if it is one."""
        return self.where if sample == self.pattern else f"{self.where} {self.pattern!r}"


Samples = dict[str, dict[str, Entry]]
"""Intent name → sample → the entry that gave it (insertion ordered)."""


def expand_all(
    entries: Iterable[Entry],
    groups: Mapping[str, Sequence[str]],
    slot_types: Mapping[str, str],
    path: str,
) -> Samples:
    """Every entry's samples by intent, each checked; SampleError names what to fix.

    Every problem is listed at once (the first few of them), so a change with several
    overlaps is fixed in one go.
    """
    by_intent: Samples = {}
    owner: dict[str, tuple[str, Entry]] = {}
    problems: list[str] = []
    for entry in entries:
        samples = by_intent.setdefault(entry.intent, {})
        if entry.pattern == "":  # an intent Alexa fills itself (Fallback): no samples
            continue
        try:
            expanded = expand(entry.pattern, groups, entry.where)
        except GrammarError as error:
            raise SampleError(f"{path}: {error}") from None
        for sample in expanded:
            _check_sample(entry, sample, slot_types, path)
            if sample in samples:
                problems.append(
                    f"{entry.intent}: {sample!r} is listed twice: by"
                    f" {samples[sample].origin(sample)} and by {entry.origin(sample)}"
                )
            elif sample in owner and owner[sample][0] != entry.intent:
                other, first = owner[sample]
                problems.append(
                    f"{sample!r} is claimed by two intents:"
                    f" {other} ({first.origin(sample)}) and {entry.intent} ({entry.origin(sample)})"
                )
            samples[sample] = entry
            owner.setdefault(sample, (entry.intent, entry))
    _raise_if(problems, path)
    return by_intent


def _raise_if(problems: Sequence[str], path: str, shown: int = 12) -> None:
    if problems:
        more = f"\n  ... and {len(problems) - shown} more" if len(problems) > shown else ""
        listed = "\n  ".join(problems[:shown])
        raise SampleError(f"{path}: {len(problems)} problem(s):\n  {listed}{more}")


def _check_sample(entry: Entry, sample: str, slot_types: Mapping[str, str], path: str) -> None:
    where = f"{path}: {entry.intent}: {sample!r} (from {entry.origin(sample)})"
    if not _SAMPLE_RE.match(sample) or sample != sample.lower():
        raise SampleError(f"{where} breaks Alexa's sample rules")
    if len(sample) > MAX_SAMPLE_CHARS:
        raise SampleError(f"{where} is longer than {MAX_SAMPLE_CHARS} characters")
    for slot in SLOT_REF.findall(sample):
        if slot not in slot_types:
            raise SampleError(f"{where} uses unknown slot {{{slot}}}")


def check_filled_slots(
    samples: Samples, slot_types: Mapping[str, str], phrases: Mapping[str, Sequence[str]], path: str
) -> None:
    """No utterance belongs to two intents once every custom ``{slot}`` holds each value.

    ``phrases`` maps a custom slot type to its values and synonyms; samples with a built-in
    slot (``AMAZON.TIME``) are left out, as Alexa's phrases for those are not ours to list.
    """
    owner: dict[str, tuple[str, str]] = {}
    problems: list[str] = []
    for intent, by_sample in samples.items():
        for sample, entry in by_sample.items():
            for utterance, how in _filled(sample, slot_types, phrases):
                if utterance in owner and owner[utterance][0] != intent:
                    other, other_how = owner[utterance]
                    problems.append(
                        f"{utterance!r} is claimed by two intents: {other}"
                        f" ({other_how}) and {intent} ({entry.origin(sample)}{how})"
                    )
                owner.setdefault(utterance, (intent, f"{entry.origin(sample)}{how}"))
    _raise_if(problems, path)


def _filled(
    sample: str, slot_types: Mapping[str, str], phrases: Mapping[str, Sequence[str]]
) -> Iterable[tuple[str, str]]:
    slots = SLOT_REF.findall(sample)
    if not slots:
        yield sample, ""
        return
    if any(slot_types[slot] not in phrases for slot in slots):
        return
    for fill in itertools.product(*(phrases[slot_types[slot]] for slot in slots)):
        text = sample
        for slot, value in zip(slots, fill, strict=True):
            text = text.replace(f"{{{slot}}}", value, 1)
        how = ", ".join(f"{slot} = {value!r}" for slot, value in zip(slots, fill, strict=True))
        yield " ".join(text.split()), f" with {how}"


def check_limits(model_json: str, intent_count: int, type_count: int, locale: str) -> None:
    """Alexa's documented ceilings for one locale's model."""
    size = len(model_json.encode("utf-8"))
    if size > MAX_MODEL_BYTES:
        raise SampleError(f"{locale}: the model is {size} bytes, over Alexa's {MAX_MODEL_BYTES}")
    if intent_count > MAX_INTENTS:
        raise SampleError(f"{locale}: {intent_count} intents, over Alexa's {MAX_INTENTS}")
    if intent_count + type_count > MAX_INTENTS_AND_TYPES:
        raise SampleError(
            f"{locale}: {intent_count} intents and {type_count} slot types,"
            f" over Alexa's {MAX_INTENTS_AND_TYPES} together"
        )


def check_value(phrase: str, where: str) -> None:
    if len(phrase) > MAX_VALUE_CHARS:
        raise SampleError(f"{where}: {phrase!r} is over Alexa's {MAX_VALUE_CHARS} characters")
