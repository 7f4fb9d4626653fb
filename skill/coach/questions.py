"""The two questions before a routine: the safety check and which knee.

Their words (per the check's style: one question a turn, or a list and "okay to go ahead?";
and the follow-up about lasting knee pain), what an answer means ("not today", or a "not sure"
still counted), and the replies that ask them. Any phase may need to ask again ("start"
during the check goes back to it), so these are shared, and they import no phase.
"""

from __future__ import annotations

from collections.abc import Sequence

from skill.coach.events import On
from skill.coach.routine import side_word
from skill.coach.state import ADVISED, CONFIRM, GO_AHEAD, State
from skill.content.records import Content, SafetyQuestion
from skill.voice.reply import Part, Reply, Say, View

LASTING = "lasting"
"""The kind of question whose yes asks one more thing (a healthcare provider?) instead of
holding off: lasting knee pain, or popping and clicking."""


def statements(content: Content) -> bool:
    """The ``statements`` style: conditions read as a list, then only "is it okay to go ahead?"."""
    return content.safety.style == "statements"


def current_question(content: Content, state: State) -> SafetyQuestion:
    """The questions style's question at hand (the short one for a returning person)."""
    safety = content.safety
    return safety.compact if state.compact else safety.questions[state.question]


def question_text(content: Content, state: State, full: bool = True) -> str:
    """The safety question at hand; in the statements style, the list and then the question.

    While one more thing is asked about lasting knee pain (``State.follow``), that question.
    """
    safety = content.safety
    if statements(content):
        said = safety.compact_statement if state.compact else safety.statement
        return f"{said.say} {said.ask}" if full else said.ask
    if state.follow == CONFIRM:
        return content.prompt("compact_confirm")
    if state.follow:
        return safety.provider.choice if state.follow == GO_AHEAD else safety.provider.ask
    return current_question(content, state).ask


def question_explain(content: Content, state: State) -> str:
    safety = content.safety
    if statements(content):
        return (safety.compact_statement if state.compact else safety.statement).explain
    if state.follow and state.follow != CONFIRM:  # "just to be sure": the short question's words
        follow_up = safety.provider
        return follow_up.choice_explain if state.follow == GO_AHEAD else follow_up.explain
    return current_question(content, state).explain


def holds_off(content: Content, state: State, answer: str) -> bool:
    """Whether this answer means "not today": yes to a question that holds off (not to
    lasting knee pain, which asks one more thing), or no to "is it okay to go ahead?"."""
    if statements(content):
        return answer == On.NO
    return answer == On.YES and current_question(content, state).kind != LASTING


def hold_off_text(content: Content, state: State) -> str:
    """What to say when the answer means "not today" (said once, never kept)."""
    safety = content.safety
    if statements(content):
        return (safety.compact_statement if state.compact else safety.statement).on_no
    return current_question(content, state).on_yes


def held_off(state: State) -> State:
    """The state after "not today" (a yes, two "not sure"s, pain before the routine, a
    condition named): the "hold off" phase, whose "repeat" gives the general advice."""
    return state._replace(
        phase=ADVISED, question=0, follow=None, want=None, paused=False, last={"r": "advice"}
    )


UNSURE_MARK = "unsure"
"""In ``State.last``: the person was not sure of the question still being asked (session only)."""


def was_unsure(state: State) -> bool:
    """They said "not sure" to the question at hand (an explanation since keeps it counted)."""
    return UNSURE_MARK in (state.last.get("r"), state.last.get("u"))


def ask_question(
    content: Content, state: State, lead: Sequence[Part] = (), full: bool = True
) -> tuple[State, Reply]:
    """Ask the safety question at hand; ``full=False`` only re-asks (after an explanation)."""
    ask = question_text(content, state, full)
    reprompt = f"{question_text(content, state, full=False)} {content.prompt('answer_yes_no')}"
    view = View("question", content.prompt("safety_title"), question_text(content, state))
    state = state._replace(last={"r": "question"})
    return state, Reply((*lead, Say(ask)), reprompt, view)


def ask_side(content: Content, state: State, lead: Sequence[Part] = ()) -> tuple[State, Reply]:
    ask = content.prompt("ask_side")
    view = View("question", content.prompt("side_title"), ask)
    return state._replace(last={"r": "side"}), Reply((*lead, Say(ask)), ask, view)


def side_words(content: Content, side: str) -> str:
    if side == "both":
        return content.prompt("side_words_both")
    return content.prompt("side_words_one", side=side_word(content, side))
