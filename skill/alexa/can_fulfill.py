"""Answers to ``CanFulfillIntentRequest``: could Knee Coach serve this request, as asked?

Alexa sends it before routing a request that named no skill ("Alexa, what causes knee
pain?"), and weighs the answers of every skill that might serve it. The answer must be
honest, and asking must change nothing: nothing is said, started or shown, and stored
progress is neither read nor written (``skill.alexa.builder`` does not load it for this request).

Per intent:

- ``YES``: what Knee Coach does for someone who has not opened it: start a routine, start
  at a technique, answer one of its topics, read its disclaimer.
- ``NO``: intents that only mean something inside a Knee Coach session (next, pause, which
  knee, yes, help...), "forget me" (said without naming the skill it is rarely about this
  skill's data), and every intent the skill does not have.
- ``MAYBE``: a ``YES`` intent with a slot value the skill does not know, such as a technique
  it has no name for: it understands the request but cannot do that part.

Per slot with a value: one the skill knows is understood and can be fulfilled (``YES``,
``YES``); an unknown one is ``MAYBE`` understood (the right kind of thing, a name the skill
does not have) and ``NO`` fulfilled. Pure: no SDK, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from skill.alexa import intents
from skill.content.records import Content

YES, NO, MAYBE = "YES", "NO", "MAYBE"

SERVED_WITHOUT_A_SESSION = frozenset(
    {intents.START_ROUTINE, intents.GO_TO_TECHNIQUE, intents.READ_DISCLAIMER}
)
"""The fixed intents a person can ask of Knee Coach before opening it (topics come on top)."""


@dataclass(frozen=True)
class SlotAnswer:
    can_understand: str
    can_fulfill: str


@dataclass(frozen=True)
class Answer:
    can_fulfill: str
    slots: dict[str, SlotAnswer] = field(default_factory=dict)


def served_intents(content: Content) -> frozenset[str]:
    """Every intent answered ``YES`` when its slots are known."""
    return SERVED_WITHOUT_A_SESSION | {topic.intent for topic in content.topics}


def answer(content: Content, intent: str, slots: Mapping[str, str | None]) -> Answer:
    """The answer for ``intent`` with its slot values resolved.

    ``slots`` maps each slot name to the id it resolved to, ``"?<words>"`` when a value was
    heard but is unknown (as :func:`skill.alexa.request_events.slot_id` reports it), or
    ``None`` when the slot is empty; empty slots are left out of the answer.
    """
    if intent not in served_intents(content):
        return Answer(NO)
    answers = {
        name: SlotAnswer(MAYBE, NO) if value.startswith("?") else SlotAnswer(YES, YES)
        for name, value in slots.items()
        if value
    }
    unknown = any(slot.can_fulfill == NO for slot in answers.values())
    return Answer(MAYBE if unknown else YES, answers)
