"""Talking in any phase: topics, the disclaimer, explanations, where am I, help, stop, forget.

None of these moves the routine on. Each answers and then gives the prompt of the phase the
person is in (:func:`~skill.coach.prompts.with_prompt`), so a question asked mid-safety-check
goes back to the question, and one asked mid-routine leaves the routine paused.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from skill.coach.prompts import (
    ask_question,
    ask_side,
    current_question,
    phase_prompt,
    sets,
    where_words,
    with_prompt,
)
from skill.coach.routine_steps import resume, start
from skill.content import Content, Topic
from skill.reply import Part, Reply, Say, View
from skill.routine import minutes_words, seconds_left
from skill.state import DONE, IDLE, NEW, READY, ROUTINE, SAFETY, SIDE, Event, On, State

# ----- information


def topic(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    found = next((t for t in content.topics if t.id == event.value), None)
    if found is None:
        return fallback(content, state, event)
    return topic_reply(content, replace(state, last={"r": "topic", "id": found.id}), topic=found.id)


def topic_reply(content: Content, state: State, **args: Any) -> tuple[State, Reply]:
    chosen: Topic = next(
        t for t in content.topics if t.id == args.get("topic", state.last.get("id"))
    )
    if state.phase == NEW:
        state = replace(state, phase=IDLE)
    if state.phase == ROUTINE:
        state = replace(state, paused=True)
    text = f"{chosen.say} {content.prompt('health_note')}"
    prompt = phase_prompt(content, state)
    view = View("topic", chosen.title, chosen.card)
    parts: list[Part] = [Say(text)]
    if state.phase == SAFETY:
        parts.append(Say(content.prompt("back_to_safety")))
        state, reply = ask_question(content, state, parts)
        return replace(state, last={"r": "topic", "id": chosen.id}), replace(reply, view=view)
    parts.append(Say(prompt))
    return state, Reply(tuple(parts), prompt, view)


def disclaimer(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    return disclaimer_reply(content, replace(state, last={"r": "disclaimer"}))


def disclaimer_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    return with_prompt(content, state, content.prompt("disclaimer_full"), title="disclaimer_title")


def explain(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    state = replace(state, last={"r": "explain"})
    if state.phase == SAFETY:
        question = current_question(content, state)
        state, reply = ask_question(content, state, [Say(question.explain)])
        return replace(state, last={"r": "explain"}), reply
    if state.phase == ROUTINE:
        technique = sets(content, state)[state.index].technique
        return with_prompt(content, state, technique.purpose)
    return with_prompt(content, state, content.prompt("explain_nothing"))


def where(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    return where_reply(content, replace(state, last={"r": "where"}))


def where_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    p = content.prompt
    if state.phase != ROUTINE:
        routine = content.routine(state.routine)
        begin_at = (state.routine, 0, 0)
        minutes = minutes_words(content, seconds_left(content, begin_at, state.side, state.pace))
        return with_prompt(
            content, state, p("where_not_started", routine=routine.name, minutes=minutes)
        )
    words = where_words(content, state)
    position = (state.routine, state.index, state.step)
    minutes = minutes_words(content, seconds_left(content, position, state.side, state.pace))
    return with_prompt(content, state, p("where_in_routine", minutes=minutes, **words))


# ----- help and misunderstandings


def help_(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    return help_reply(content, replace(state, last={"r": "help"}))


def help_reply(content: Content, state: State, **_: Any) -> tuple[State, Reply]:
    key = f"help_{state.phase}" if not (state.phase == ROUTINE and state.paused) else "help_paused"
    return with_prompt(content, state, content.prompt(key), title="help_title")


def fallback(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if state.phase == SAFETY:
        return ask_question(content, state, [Say(content.prompt("fallback_safety"))])
    return with_prompt(content, state, content.prompt("fallback"))


def screen_error(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """The screen could not show or play the last response: say calmly what can be said now.

    Nothing the person said was misheard, so there is no apology; mid-routine they may have
    missed the step, so the prompt offers to repeat it.
    """
    if state.phase == NEW:
        state = replace(state, phase=IDLE)
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
    if state.phase == READY and event.kind == On.YES:
        return resume(content, state, event)
    if state.phase in (IDLE, DONE) and event.kind == On.YES:
        return start(content, state, Event(On.START))
    return with_prompt(content, state, content.prompt("no_question"))


# ----- stop and forget


def stop(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    p = content.prompt
    text = p("goodbye")
    if state.phase == ROUTINE:
        position = p("stop_summary", **where_words(content, state))
        # Promise a pick-up only when there is somewhere to pick it up from.
        later = f" {p('stop_resume_hint')}" if state.remembers else ""
        text = f"{position}{later} {text}"
    view = View("info", p("goodbye_title"), text)
    return replace(state, last={}), Reply((Say(text),), None, view, end_session=True)


def forget(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    ask = content.prompt("forget_confirm")
    view = View("question", content.prompt("forget_title"), ask)
    return replace(state, pending="forget"), Reply((Say(ask),), ask, view)


def answer_forget(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    if event.kind == On.NO:
        return with_prompt(content, state, content.prompt("forget_kept"))
    state = replace(state, resume=None, heard_intro=False, week=0, last={}, remembers=False)
    state, reply = with_prompt(content, state, content.prompt("forget_done"))
    return state, replace(reply, effects=frozenset({"forget"}))
