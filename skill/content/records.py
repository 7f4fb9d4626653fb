"""The content model: immutable records of everything the skill speaks.

Techniques and their steps, routines, the safety check, topics and the glue prompts, as
:mod:`skill.content.load` builds them from ``content/``. Everything the person hears that is
not glue lives in ``content/*.yaml`` (so a clinician or writer can review it without
reading Python), and :mod:`skill.content.validate` checks every field of it, so a bad edit
fails with the file and field named and never reaches a person mid-massage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from skill.record import Record

# The content model is made of records (skill.record): immutable and typed like frozen
# dataclasses, but defining them costs a cold start next to nothing.


class Step(Record):
    say: str
    hold: int = 0
    """Seconds of timed silence after the instruction (0: an untimed step)."""


class Technique(Record):
    id: str
    name: str
    synonyms: tuple[str, ...]
    purpose: str
    steps: tuple[Step, ...]

    @property
    def hold_seconds(self) -> int:
        return sum(step.hold for step in self.steps)


class RoutineItem(Record):
    technique: Technique
    seconds: int
    """Total hold time for this technique in this routine; step holds are scaled to it."""

    def holds(self) -> tuple[int, ...]:
        """Each step's hold in this routine, in whole seconds, summing to ``seconds``."""
        return scale_holds([step.hold for step in self.technique.steps], self.seconds)


class Routine(Record):
    id: str
    name: str
    synonyms: tuple[str, ...]
    summary: str
    items: tuple[RoutineItem, ...]


SAFETY_KINDS = ("condition", "acute", "lasting")
"""What a yes to a safety question means (docs/safety.md has the table):

- ``condition``: the article says to avoid massage; hold off.
- ``acute``: a warning sign to have the knee checked now (its question also asks about recent
  knee surgery or injury); hold off today.
- ``lasting``: knee pain someone lives with, or popping and clicking: one more question
  (:class:`SafetyFollowUp`), then the routine goes ahead gently, or only if they still want to.

The short forms (one question for returning people) are ``group``: any of the first two."""
NAMED_KINDS = ("condition", "surgery", "acute", "lasting")
"""What a person may name in their own words, in any phase (no slot: never which one)."""


class SafetyQuestion(Record):
    id: str
    kind: str
    """One of :data:`SAFETY_KINDS`, or ``group`` for the returning person's short question."""
    ask: str
    explain: str
    on_yes: str = ""
    """Said when a yes holds off (every kind but ``lasting``, whose yes asks one more thing)."""


class SafetyFollowUp(Record):
    """One more question after a yes to lasting knee pain: does a healthcare provider know?

    Yes: the routine goes ahead gently (``on_yes``). No: it is best to have it checked
    (``on_no``), and a ``choice`` whether to go ahead gently anyway (``on_go``) or not today
    (``on_stop``). ``again`` asks once more, in plain words, when an answer could mean either.
    """

    ask: str
    explain: str
    on_yes: str
    on_no: str
    choice: str
    choice_explain: str
    on_go: str
    on_stop: str
    again: str
    noted: str
    """ "My doctor knows about it", said outside the check."""


class SafetyStatement(Record):
    """The ``statements`` style: the conditions and warning signs read out, one question after.

    ``ask`` asks only whether to go on ("yes" goes on); ``on_no`` is said when they won't.
    """

    say: str
    ask: str
    explain: str
    on_no: str


class Safety(Record):
    intro: str
    all_clear: str
    questions: tuple[SafetyQuestion, ...]
    provider: SafetyFollowUp
    named: Mapping[str, str]
    """By :data:`NAMED_KINDS`: what is said (after "Thanks for telling me.") when a person
    names one in their own words, in any phase."""
    compact: SafetyQuestion
    statement: SafetyStatement
    compact_statement: SafetyStatement
    style: str = "questions"
    """``questions`` (one yes/no question a turn) or ``statements`` (a list, then "go on?")."""


class Topic(Record):
    id: str
    intent: str
    title: str
    say: str
    card: str


class Plural(Record):
    """A wording that depends on a number: one form per CLDR plural category (or exact value).

    ``count`` names the placeholder whose number picks the form: an exact form (``"=1"``)
    first, else the form of the number's plural category in the language (``one``, ``few``,
    ``many``, ``other``: :meth:`Language.category`), else ``other``.
    """

    count: str
    forms: Mapping[str, str]

    def pick(self, language: Language, values: Mapping[str, object]) -> str:
        number = values.get(self.count)
        if isinstance(number, int) and not isinstance(number, bool):
            exact = self.forms.get(f"={number}")
            if exact is not None:
                return exact
            return self.forms.get(language.category(number)) or self.forms["other"]
        return self.forms["other"]


class Language(Record):
    """What the skill needs to know of a language beyond its words.

    ``content/<language>/language.yaml`` gives the choices made for the ear (speaking speed,
    12- or 24-hour clock, ordinal words); ``content/<language>/cldr.json``, written by
    ``make generate`` from CLDR through Babel, gives the plural rules, how lists are joined
    and the names of the parts of the day. Nothing here is written by hand in Python.
    """

    code: str = "en"
    locale: str = "en-US"
    """The locale this content was loaded for (a language folder and the locale's overlay)."""
    words_per_minute: float = 150.0
    """How fast Alexa speaks this language at the default rate (skill.voice.timing)."""
    clock: int = 12
    """How times of day are said: 12 (with AM/PM or a part of the day) or 24 hours."""
    ordinals: tuple[str, ...] = ()
    """The ordinal words from "first" on, as the prompts use them."""
    plural_runs: tuple[tuple[int, str], ...] = ((0, "other"), (1, "one"), (2, "other"))
    """CLDR plural categories of the whole numbers: (first number, category) runs from 0."""
    plural_upto: int = 200
    """The runs cover 0 to this; a larger number takes the category of its last two digits
    above 100 (every CLDR integer rule but the "millions" of some languages works so)."""
    lists: Mapping[str, str] = {}
    """CLDR list patterns: ``2``, ``start``, ``middle``, ``end`` ("{0}, {1}", "{0} and {1}")."""
    day_periods: tuple[str, ...] = ()
    """The CLDR name of the part of the day for each hour 0-23 ("de la tarde"), or empty."""
    permission_question: str = ""
    """What Alexa itself asks for the reminders permission, in this language (simulator)."""
    approvals: tuple[str, ...] = ()
    refusals: tuple[str, ...] = ()
    """What a person says to Alexa's own permission question (simulator)."""

    @property
    def words_per_second(self) -> float:
        return self.words_per_minute / 60.0

    def category(self, number: int) -> str:
        """The CLDR plural category of a whole number in this language."""
        if number < 0:
            number = -number
        if number > self.plural_upto:
            number = 100 + number % 100
        found = "other"
        for start, category in self.plural_runs:
            if start > number:
                break
            found = category
        return found

    def listing(self, items: Sequence[str]) -> str:
        """Items joined as the language joins a list ("A, B and C"), by CLDR's patterns."""
        if len(items) < 2:
            return "".join(items)
        patterns = self.lists or {"2": "{0} and {1}", "end": "{0}, and {1}"}
        if len(items) == 2:
            return patterns["2"].format(*items)
        start = patterns.get("start", "{0}, {1}")
        middle = patterns.get("middle", "{0}, {1}")
        text = patterns.get("end", "{0}, {1}").format(items[-2], items[-1])
        for item in reversed(items[1:-2]):
            text = middle.format(item, text)
        return start.format(items[0], text)

    def ordinal(self, number: int) -> str | None:
        """The ordinal word for ``number`` ("third"), or None past the words the content has."""
        return self.ordinals[number - 1] if 1 <= number <= len(self.ordinals) else None

    def day_period(self, hour: int) -> str:
        return self.day_periods[hour] if 0 <= hour < len(self.day_periods) else ""


class Content(Record):
    techniques: tuple[Technique, ...]
    routines: tuple[Routine, ...]
    safety: Safety
    topics: tuple[Topic, ...]
    prompts: Mapping[str, str]
    """Each glue prompt's first (or only) wording."""
    variants: Mapping[str, tuple[str, ...]] = {}
    """Every wording of each prompt; frequent cues have several (see :meth:`variant`)."""
    suggestions: tuple[tuple[str, str], ...] = ()
    """(topic id, how a closing prompt names it), in the order they are suggested."""
    lengths: Mapping[str, float] = {}
    """Routine lengths the coach worked out at build time (``make generate``), in seconds, by
    the coach's own key (:func:`skill.coach.routine_length.length_key`): what a first launch
    announces, so a cold start need not play the routine through to say it. Empty when the
    compiled file is missing or was made from other sources; the coach then works them out."""
    language: Language = Language()
    """The language's rules: plural categories, lists, the clock, speaking speed."""
    plurals: Mapping[str, tuple[Plural, ...]] = {}
    """Prompts whose wording depends on a number, by key (every wording of the prompt)."""
    labels: Mapping[str, str] = {}
    """The words on screen buttons and labels (``content/<language>/screen.yaml``)."""
    spellings: Mapping[str, str] = {}
    """Shown text respelled for the locale (en-GB "fibre"): a locale's ``locale.yaml``."""

    def technique(self, technique_id: str) -> Technique:
        return next(t for t in self.techniques if t.id == technique_id)

    def routine(self, routine_id: str) -> Routine:
        return next(r for r in self.routines if r.id == routine_id)

    def topic_for_intent(self, intent: str) -> Topic | None:
        return next((t for t in self.topics if t.intent == intent), None)

    def prompt(self, key: str, **values: object) -> str:
        """A glue phrase from prompts.yaml with ``{placeholders}`` filled in.

        A prompt written with plural forms takes the form its number calls for (:class:`Plural`).
        """
        plural = self.plurals.get(key)
        if plural is not None:
            return plural[0].pick(self.language, values).format(**values)
        return self.prompts[key].format(**values)

    def variant(self, key: str, position: int, /, **values: object) -> str:
        """Wording ``number`` of a prompt (cycling), so a frequent cue is not always the same.

        ``position`` is a place in the routine (e.g. the hold's number): chosen by position,
        never at random, the same place always sounds the same, and tests stay exact.
        """
        plural = self.plurals.get(key)
        if plural is not None:
            chosen = plural[position % len(plural)]
            return chosen.pick(self.language, values).format(**values)
        wordings = self.variants.get(key) or (self.prompts[key],)
        return wordings[position % len(wordings)].format(**values)

    def listing(self, items: Sequence[str]) -> str:
        """Items joined as this language joins a list ("A, B, and C")."""
        return self.language.listing(items)

    def suggestion(self, skip: str | None = None, count: int = 1) -> list[str]:
        """How closing prompts name topics to ask about, leaving out the one just heard."""
        return [phrase for topic, phrase in self.suggestions if topic != skip][:count]


def scale_holds(holds: Sequence[int], total: int) -> tuple[int, ...]:
    """Scale step holds to ``total`` seconds, keeping whole seconds and the exact sum.

    Rounds each share to five seconds (cues land on easy numbers), then puts any
    remainder on the longest hold so the routine's advertised length stays true.
    """
    base = sum(holds)
    if base == 0:
        return tuple(holds)
    scaled = [max(5, round(h * total / base / 5) * 5) if h else 0 for h in holds]
    longest = max(range(len(holds)), key=lambda i: scaled[i])
    scaled[longest] += total - sum(scaled)
    return tuple(scaled)
