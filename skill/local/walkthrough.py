"""A tester's way through the skill: from "open Knee Coach" to the first timed step.

Used to write the certification testing instructions from a real conversation (so they say
what the skill really says, whatever the content says today) and by the dialog tests to get
past the safety check without knowing how many questions it asks or how they are worded.

The right answer to each safety question is the one that lets the routine start: "no" to a
question about a condition, or "yes" to a question that only asks whether to go on. It is
found by asking the skill, on a copy of the session, what each answer would lead to.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from skill.alexa import intents
from skill.coach.state import ADVISED, ROUTINE, SAFETY, SIDE
from skill.local.simulator import Conversation, Turn

MAX_TURNS = 20
"""More turns than this between launch and the routine is a skill that never gets there."""


@dataclass(frozen=True)
class Exchange:
    """What the skill said, and what the tester answered (empty after the last)."""

    turn: Turn
    answer: str
    phase: str
    """The phase the skill was in when it said it (``safety``, ``side``, ``routine``...)."""


class WalkthroughError(RuntimeError):
    """The skill did not lead a tester from launch to the routine."""


def phase_of(conversation: Conversation) -> str:
    """The coach's phase after the last turn, as the skill keeps it in session attributes."""
    coach: Any = conversation.session.attributes.get("coach") or {}
    return str(coach.get("phase", "new"))


def _leads_to(conversation: Conversation, intent: str) -> str:
    """The phase that answering ``intent`` would lead to, asked on a copy of the session."""
    probe = copy.deepcopy(conversation.session)
    response = conversation.invoke(probe.intent(intent), None)
    coach: Any = (response.get("sessionAttributes") or {}).get("coach") or {}
    return str(coach.get("phase", "new"))


def safety_answer(conversation: Conversation) -> str:
    """The answer to the current safety question that does not stop the routine, as the
    person types it in the session's language ("no", "nein")."""
    typing = conversation.model.typing
    for word, intent in ((typing.no, intents.NO), (typing.yes, intents.YES)):
        if _leads_to(conversation, intent) != ADVISED:
            return word
    raise WalkthroughError("every answer to this safety question stops the routine")


def pass_safety_check(conversation: Conversation) -> list[Exchange]:
    """Answer the safety check so that the routine may start; the turns it took."""
    exchanges: list[Exchange] = []
    for _ in range(MAX_TURNS):
        if phase_of(conversation) != SAFETY:
            return exchanges
        word = safety_answer(conversation)
        turn = conversation.say(word)
        exchanges.append(Exchange(turn, word, SAFETY))
    raise WalkthroughError(f"the safety check took more than {MAX_TURNS} answers")


def to_first_step(conversation: Conversation, side: str = "right") -> list[Exchange]:
    """Launch, pass the safety check, choose ``side``: every exchange up to the first step.

    Each exchange pairs what the skill said with the answer that followed; the last one is
    the first step of the routine, with no answer. ``side`` is the knee's id; the answer is
    its name in the session's language.
    """
    side_name = conversation.model.value_name(intents.SIDE_TYPE, side)
    turn = conversation.launch()
    said: list[tuple[Turn, str]] = [(turn, phase_of(conversation))]
    answers: list[str] = []
    for _ in range(MAX_TURNS):
        phase = phase_of(conversation)
        if phase == ROUTINE:
            answers.append("")
            return [Exchange(t, a, p) for (t, p), a in zip(said, answers, strict=True)]
        if phase == SAFETY:
            word = safety_answer(conversation)
        elif phase == SIDE:
            word = side_name
        else:
            raise WalkthroughError(f"after launch the skill went to {phase!r}, not the routine")
        answers.append(word)
        said.append((conversation.say(word), phase_of(conversation)))
    raise WalkthroughError(f"the routine did not start within {MAX_TURNS} turns")
