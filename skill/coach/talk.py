"""Talking in any phase: topics, the disclaimer, explanations, where am I, help, stop, forget.

None of these moves the routine on. Each answers and then gives the prompt of the phase the
person is in (:func:`~skill.coach.answer.with_prompt`), so a question asked mid-safety-check
goes back to the question, and one asked mid-routine leaves the routine paused.
"""

from __future__ import annotations

from typing import Any

from skill.coach.answer import minutes_lead, phase_prompt, with_prompt
from skill.coach.events import Event, On
from skill.coach.habits import Habits
from skill.coach.position import cut_short, position_words, resume_point, sets, where_words
from skill.coach.questions import (
    UNSURE_MARK,
    ask_question,
    ask_side,
    question_explain,
    side_words,
    was_unsure,
)
from skill.coach.repair import ask_forget, asking, not_understood
from skill.coach.routine_end import finish
from skill.coach.routine_length import where_minutes
from skill.coach.routine_steps import start
from skill.coach.state import ADVISED, IDLE, NEW, ROUTINE, SAFETY, SIDE, State
from skill.coach.step_reply import paused_reprompt
from skill.content.records import Content, Topic
from skill.store.progress import DAY_S, RESUME_MAX_AGE_S
from skill.voice.reply import Part, Reply, Say, View

# ----- information


def topic(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    found = next((t for t in content.topics if t.id == event.value), None)
    if found is None:
        return fallback(content, state, event)
    return topic_reply(content, state._replace(last={"r": "topic", "id": found.id}), topic=found.id)


def topic_reply(content: Content, state: State, **args: Any) -> tuple[State, Reply]:
    chosen: Topic = next(
        t for t in content.topics if t.id == args.get("topic", state.last.get("id"))
    )
    if state.phase == NEW:
        state = state._replace(phase=IDLE)
    if state.phase == ROUTINE:
        state = state._replace(paused=True)
    text = f"{chosen.say} {content.prompt('health_note')}"
    view = View("topic", chosen.title, chosen.card)
    parts: list[Part] = [Say(text)]
    if state.phase == SAFETY:
        parts.append(Say(content.prompt("back_to_safety")))
        state, reply = ask_question(content, state, parts, full=False)
        return state._replace(last={"r": "topic", "id": chosen.id}), reply._replace(view=view)
    # The closing suggestion never suggests the topic just heard.
    prompt = phase_prompt(content, state, skip_topic=chosen.id)
    parts.append(Say(prompt))
    return state, Reply(tuple(parts), prompt, view)


def thanks(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """ "Thank you": "You're welcome", and what was waiting (the question, the step's prompt;
    over a step still playing, it waits there). Never a goodbye: that is for "stop"."""
    return asking(content, state, [Say(content.prompt("you_are_welcome"))])


def disclaimer(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    return disclaimer_reply(content, state._replace(last={"r": "disclaimer"}))


def disclaimer_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    return with_prompt(content, state, content.prompt("disclaimer_full"), title="disclaimer_title")


def explain(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    # Asked between two "not sure"s, the explanation keeps the first one counted.
    unsure = state.phase == SAFETY and was_unsure(state)
    last = {"r": "explain", "u": UNSURE_MARK} if unsure else {"r": "explain"}
    state = state._replace(last=last)
    if state.phase == SAFETY:
        lead = [Say(question_explain(content, state))]
        state, reply = ask_question(content, state, lead, full=False)
        return state._replace(last=last), reply
    if state.phase == ROUTINE:
        technique = sets(content, state)[state.index].technique
        return with_prompt(content, state, technique.purpose)
    return with_prompt(content, state, content.prompt("explain_nothing"))


def where(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    return where_reply(content, state._replace(last={"r": "where"}))


def where_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    """How much is left, leading with the time; then where they are (with the leg)."""
    p = content.prompt
    if state.phase == ADVISED:  # no routine today: no length to give
        return with_prompt(content, state, p("advised_no_routine"))
    if state.phase != ROUTINE:
        routine = content.routine(state.routine)
        knees = side_words(content, "both") if state.side == "both" else p("knees_one")
        minutes = where_minutes(content, state, 0, 0)
        text = p("where_not_started", minutes=minutes, routine=routine.name, knees=knees)
        return with_prompt(content, state, minutes_lead(text))
    target = resume_point(content, state)
    # Every step heard: only "next" to finish is left.
    minutes = p("minutes_under_one") if target is None else where_minutes(content, state, *target)
    text = p("where_in_routine", minutes=minutes, **where_words(content, state))
    return with_prompt(content, state, minutes_lead(text))


# ----- help and misunderstandings


def help_(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    return help_reply(content, state._replace(last={"r": "help"}))


def help_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    """What can be said here, each thing once: the routine's help is whole on its own."""
    title = content.prompt("help_title")
    if state.phase == ROUTINE:
        if cut_short(state) and not state.paused:  # asked over a step: it waits there
            state = state._replace(paused=True)
        prompt = phase_prompt(content, state)
        if state.paused:
            target = resume_point(content, state)
            words = (
                position_words(content, state, *target) if target else where_words(content, state)
            )
            text = content.prompt("help_paused", **words)
            reprompt = paused_reprompt(content, state)
        else:  # what to do right now (the closing prompt), then what else works
            text = f"{prompt} {content.prompt('help_routine')}"
            reprompt = prompt
        return state, Reply((Say(text),), reprompt, View("info", title, text))
    return with_prompt(content, state, content.prompt(f"help_{state.phase}"), title="help_title")


def fallback(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """Not understood: the question waiting, again, right where the person is."""
    return not_understood(content, state)


def screen_error(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """The screen could not show or play the last response: say calmly what can be said now.

    Nothing the person said was misheard, so there is no apology; mid-routine they may have
    missed the step, so the prompt offers to repeat it.
    """
    if state.phase == NEW:
        state = state._replace(phase=IDLE)
    if state.phase == ROUTINE and not state.paused:
        prompt = content.prompt("reprompt_routine")
    else:
        prompt = phase_prompt(content, state)
    view = View("info", content.prompt("knee_coach_title"), prompt)
    return state, Reply((Say(prompt),), prompt, view)


def no_question(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """Yes or no when no safety question is waiting: answer the offer at hand, if any."""
    if state.phase == SIDE:
        return ask_side(content, state, [Say(content.prompt("side_needed"))])
    if state.phase == IDLE and event.kind == On.YES:  # "say start to begin": yes, let's
        return start(content, state, Event(On.START))
    return with_prompt(content, state, content.prompt("no_question"))


# ----- stop and forget


def stop(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """Goodbye; mid-routine, naming the step it will go on from (after the last step: done)."""
    p = content.prompt
    text = p("goodbye")
    if state.phase == ROUTINE:
        target = resume_point(content, state)
        if target is None:
            return finish(content, state, event.at)
        position = p("stop_summary", **position_words(content, state, *target))
        # Promise a pick-up only when there is somewhere to pick it up from, and say how long.
        days = RESUME_MAX_AGE_S // DAY_S
        later = f" {p('stop_resume_hint', days=days)}" if state.remembers else ""
        text = f"{position}{later} {text}"
    view = View("info", p("goodbye_title"), text)
    return state._replace(last={}), Reply((Say(text),), None, view, end_session=True)


def forget(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    return ask_forget(content, state)


def answer_forget(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """Yes deletes; no, not sure and "never mind" keep it, and go back to where they were."""
    if event.kind != On.YES:
        return with_prompt(content, state, content.prompt("forget_kept"))
    state = state._replace(
        resume=None,
        heard_intro=False,
        habits=Habits(),
        usual=None,
        reminders=None,
        offered=0,
        last={},
        remembers=False,
        returning=False,
        learned=(),
    )
    state, reply = with_prompt(content, state, content.prompt("forget_done"))
    return state, reply._replace(effects=frozenset({"forget"}))
