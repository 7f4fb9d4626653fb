"""Safety answers as people give them: in their own words, with one more question about
lasting knee pain, taken back, or a question back.

The article names three kinds of caution, and they lead to different places (the table is
docs/safety.md; the words are content/safety.yaml):

- a **condition** where massage is to be avoided ("I have high blood pressure"): hold off;
- an **acute** warning sign ("a little swelling", "it locks up"), and, as plain caution,
  recent knee **surgery** or injury ("I had a knee replacement"): hold off today, with the
  advice to get the knee checked (or to ask the surgeon or physio first);
- **lasting** knee pain people live with ("just the usual arthritis", "only when I climb
  stairs"), or popping and clicking: one more question, "does a healthcare provider know
  about it?". Yes: the routine goes ahead, gently. No (or not sure): best to have it checked,
  and the routine goes ahead only if they still want it to.

Each of these is understood in every phase: during the check it answers (or holds off); in
the routine, an acute sign or surgery stops it for today and lasting pain gets a word of care.
Nothing says which condition was named: the intents have no slot, and the follow-up question
(``State.follow``) lives only while it waits for its answer. A phrase that could mean yes or
no to the question at hand ("my doctor knows about it", to "do you have osteoporosis?") is
asked once more, in plain words.

Loaded on the first answer, not at launch; :mod:`skill.coach.safety_check` knows nothing of it.
"""

from __future__ import annotations

from collections.abc import Sequence

from skill.coach.answer import with_prompt
from skill.coach.events import Event, On
from skill.coach.questions import (
    LASTING,
    ask_question,
    current_question,
    held_off,
    statements,
)
from skill.coach.safety_check import advance, advice_reply
from skill.coach.safety_check import answer as answer_question
from skill.coach.safety_check import unsure as unsure_question
from skill.coach.state import (
    ADVISED,
    CONFIRM,
    GO_AHEAD,
    PROVIDER,
    ROUTINE,
    SAFETY,
    SIDE,
    State,
    question_count,
)
from skill.content.records import Content
from skill.voice.reply import Part, Reply, Say

Turn = tuple[State, Reply]

# ----- yes, no, not sure: to the question at hand, or to the follow-up


def answer(content: Content, state: State, event: Event, lead: Sequence[Part] = ()) -> Turn:
    """Yes or no: to the follow-up at hand, to lasting pain (one more question), or plainly.

    A returning person hears where the routine goes on and then one short question; a bare
    "yes" to it may be a yes to going on ("yes please"), so it is asked once more, in plain
    words, before the routine is held off. Naming a sign or a condition holds off at once.
    """
    if state.phase == SAFETY and not statements(content):
        if state.follow == CONFIRM:  # "just to be sure": now the answer counts
            return answer_question(content, state._replace(follow=None), event, lead)
        if state.compact and event.kind == On.YES and not state.follow:
            confirm = state._replace(follow=CONFIRM, answered=state.question)
            return ask_question(content, confirm, lead)
        if state.follow:
            return _answer_follow_up(content, state, event, lead)
        if event.kind == On.YES and current_question(content, state).kind == LASTING:
            return _ask_provider(content, state._replace(answered=state.question), lead)
    return answer_question(content, state, event, lead)


def unsure(content: Content, state: State, event: Event) -> Turn:
    """Not sure whether a healthcare provider knows: as good as no (best to have it checked)."""
    if state.phase == SAFETY and state.follow == PROVIDER and not statements(content):
        return _answer_follow_up(content, state, Event(On.NO, at=event.at))
    return unsure_question(content, state, event)


def _answer_follow_up(
    content: Content, state: State, event: Event, lead: Sequence[Part] = ()
) -> Turn:
    """Does a provider know? Yes: go ahead gently. No: have it checked, and a choice.
    Would you still like to go ahead? Yes: gently. No: not today.

    Which follow-up was answered is kept one turn (``State.followed``), so "I meant no"
    takes that answer again, not the question before it.
    """
    follow_up = content.safety.provider
    asked = str(state.follow)
    state = state._replace(answered=state.question)
    if event.kind == On.YES:
        said = follow_up.on_yes if asked == PROVIDER else follow_up.on_go
        return _mark(_go_on(content, state, [*lead, Say(said)]), asked)
    if asked == PROVIDER:
        turn = ask_question(content, state._replace(follow=GO_AHEAD), [*lead, Say(follow_up.on_no)])
        return _mark(turn, asked)
    return _mark(advice_reply(content, held_off(state), follow_up.on_stop, lead), asked)


def _mark(turn: Turn, follow: str) -> Turn:
    state, reply = turn
    return state._replace(followed=follow), reply


def _ask_provider(content: Content, state: State, lead: Sequence[Part] = ()) -> Turn:
    return ask_question(content, state._replace(follow=PROVIDER), lead)


def _go_on(content: Content, state: State, lead: Sequence[Part]) -> Turn:
    """After the follow-up: on from the lasting-pain question it answered, or back to the
    question that was waiting when the pain was named (it is still to be answered)."""
    state = state._replace(follow=None)
    if current_question(content, state).kind == LASTING:
        return advance(content, state, lead, all_clear=False)
    back = Say(content.prompt("back_to_safety"))
    return ask_question(content, state, [*lead, back], full=False)


def _again(content: Content, state: State) -> Turn:
    """The question at hand once more, in plain words: yes or no."""
    lead = [Say(content.safety.provider.again)]
    return ask_question(content, state, lead, full=False)


# ----- named in a person's own words, in any phase


def condition(content: Content, state: State, event: Event) -> Turn:
    """A condition the check asks about, named in a sentence of its own ("I have high blood
    pressure"), or a late "I meant yes", in any phase: hold off, as a yes to it does.

    The advice is the kind's: which condition was named is neither recognised (the model's
    samples have no slot) nor kept, so the reply never names the wrong one. Mid-routine
    the hold stops (this reply has none) and the routine ends for today.
    """
    return _hold_off(content, state, "condition")


def acute(content: Content, state: State, event: Event) -> Turn:
    """ "It's swollen", "it locks up", "I can't stand on it": get it checked; not today."""
    return _hold_off(content, state, "acute")


def surgery(content: Content, state: State, event: Event) -> Turn:
    """ "I had a knee replacement", "not since my operation": ask the surgeon first."""
    return _hold_off(content, state, "surgery")


def _hold_off(content: Content, state: State, kind: str) -> Turn:
    if state.phase == ADVISED:
        return advice_reply(content, state)
    if state.phase == SAFETY:
        state = state._replace(answered=state.question)  # "I meant no" can still take it back
    text = f"{content.prompt('condition_named')} {content.safety.named[kind]}"
    return advice_reply(content, held_off(state), text)


def lasting(content: Content, state: State, event: Event) -> Turn:
    """ "Just the usual arthritis", "my knee clicks": during the check, one more question;
    elsewhere, a word of care (go gently, and have it checked if no one has)."""
    if state.phase == SAFETY:
        if state.follow or statements(content):  # already the question about it: plainly
            return _again(content, state)
        return _ask_provider(content, state)
    if state.phase == ADVISED:  # no routine today anyway: the advice again
        return advice_reply(content, state)
    text = f"{content.prompt('condition_named')} {content.safety.named['lasting']}"
    return with_prompt(content, state, text, title="safety_title")


def provider(content: Content, state: State, event: Event) -> Turn:
    """ "My doctor knows about it": yes to the follow-up, or to lasting pain and the follow-up
    at once; to any other question it could mean yes or no, so that question once more."""
    if state.phase == SAFETY:
        if statements(content):
            return _again(content, state)
        if state.follow or current_question(content, state).kind == LASTING:
            yes = Event(On.YES, at=event.at)
            return _answer_follow_up(content, state._replace(follow=PROVIDER), yes)
        return _again(content, state)
    if state.phase == ADVISED:
        return advice_reply(content, state)
    return with_prompt(content, state, content.safety.provider.noted, title="safety_title")


def pain(content: Content, state: State, event: Event) -> Turn:
    """ "My knee hurts" in answer to "any ongoing knee pain?" (or to whether a provider knows
    about it) tells of the pain they live with; anywhere else it is pain now (skill.coach.pain)."""
    if state.phase == SAFETY and not statements(content):
        at_lasting = not state.follow and current_question(content, state).kind == LASTING
        if at_lasting or state.follow == PROVIDER:
            return lasting(content, state, event)
    from skill.coach.pain import pain as pain_now  # loaded on the first "it hurts"

    return pain_now(content, state, event)


# ----- taking an answer back, and going back a question


def undo(content: Content, state: State, event: Event, answered: int | None) -> Turn:
    """Right after a safety answer: "I meant no" takes that answer as no (and the check goes
    on); "that was a mistake" asks that question again. Otherwise, nothing to change.

    After the follow-up about lasting pain, it is the follow-up's answer that is taken again.
    """
    p = content.prompt
    if answered is None:
        return with_prompt(content, state, p("nothing_to_undo"))
    if state.phase == ROUTINE and state.resume is None:
        # The answer had started the routine: keep its place for when the check is done.
        state = state._replace(resume=(state.routine, state.index, state.step))
    state = state._replace(
        phase=SAFETY,
        question=answered,
        follow=state.followed,
        followed=None,
        checked=False,
        paused=False,
    )
    if event.value == "no":
        return answer(content, state, Event(On.NO, at=event.at), [Say(p("undo_no"))])
    if event.value == "yes":
        return answer(content, state, Event(On.YES, at=event.at), [Say(p("undo_yes"))])
    return ask_question(content, state, [Say(p("undo_again"))])


def back(content: Content, state: State, event: Event) -> Turn:
    """ "Go back" during the check: the question before (from "which knee?", the check's last
    question; from the choice, whether a provider knows; at the first, that one again)."""
    p = content.prompt
    lead = [Say(p("back_question"))]
    if state.phase == SIDE:
        last = question_count(content, state._replace(phase=SAFETY)) - 1
        state = state._replace(phase=SAFETY, question=last, follow=None, checked=False)
        return ask_question(content, state, lead)
    if state.follow == CONFIRM:  # back from "just to be sure": the short question itself
        return ask_question(content, state._replace(follow=None), lead)
    if state.follow == GO_AHEAD:
        return ask_question(content, state._replace(follow=PROVIDER), lead)
    if state.follow == PROVIDER:
        return ask_question(content, state._replace(follow=None), lead)
    if state.question == 0:
        return ask_question(content, state, [Say(p("first_question"))])
    return ask_question(content, state._replace(question=state.question - 1), lead)
