"""Daily reminders as a dialog: ask for what is missing, let Alexa ask for permission, set one.

Pure, like the rest of the coach. It decides what to say and which reminder to make; the
handler layer carries that out through Alexa's own APIs (:mod:`skill.alexa.services`) and amends
the reply honestly when they fail. What a reminder needs, in order:

1. a time ("every day at nine"; "at this time of day" after a routine), asked for if missing;
2. the reminders permission: when this request does not carry it, the reply hands the turn to
   Alexa's own question (``ask_for``), once a session; the answer comes back as
   :data:`On.PERMISSION <skill.coach.events.On.PERMISSION>`;
3. the device's time zone: the ``time_zone`` effect asks the handler to look it up (Alexa's
   settings service) and step the coach again; if nobody knows it, the person is asked.

After a finished routine the coach may offer a reminder: only when progress is kept (so a
"no" can be remembered), never again after a no or once one is set, at most once a week.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from skill.coach.answer import with_prompt
from skill.coach.events import Event, On
from skill.coach.habits import known_zone
from skill.coach.questions import ask_question
from skill.coach.state import DONE, REMINDER_PENDING, SAFETY, State
from skill.content.records import Content
from skill.voice.reply import Part, Reply, Say, View

if TYPE_CHECKING:  # the module itself is imported where it is used: a launch never needs it
    from skill.coach.reminder_plans import Listed, Plan
    from skill.voice.reply import Reminder

PENDING = REMINDER_PENDING
OFFER_EVERY_S = 7 * 24 * 3600
"""The reminder offer after a routine comes at most this often."""


def may_offer(state: State, now: float) -> bool:
    """Whether the end of this routine may offer a daily reminder."""
    return (
        state.remembers
        and state.reminders is None
        and not state.asked
        and now - state.offered >= OFFER_EVERY_S
    )


def time_words(content: Content, time: tuple[int, int]) -> str:
    """A time of day as Alexa should say it: "9 AM", "7:30 PM", "noon"; "19:30 Uhr".

    The language says whether its clock has 12 or 24 hours; ``hour`` (as said) and ``period``
    (CLDR's name of that part of the day, "de la tarde") are there for the languages whose
    wording needs them, e.g. Spanish "la una" and "las dos".
    """
    hour, minute = time
    if minute == 0 and hour in (0, 12):
        return content.prompt("time_midnight" if hour == 0 else "time_noon")
    said = hour % 12 or 12 if content.language.clock == 12 else hour
    clock = f"{said}" + (f":{minute:02d}" if minute else "")
    key = "time_am" if hour < 12 else "time_pm"
    return content.prompt(key, clock=clock, hour=said, period=content.language.day_period(hour))


def listed_words(content: Content, listed: Sequence[Listed]) -> str:
    """What "list my reminders" says about the skill's reminders as Alexa reports them."""
    p = content.prompt
    if not listed:
        return p("reminders_none")
    whens = [
        p("reminder_daily_at" if item.daily else "reminder_once_at", time=time_words(content, t))
        if (t := item.time) is not None
        else p("reminder_some_time")
        for item in listed
    ]
    if len(whens) == 1:
        return p("reminders_one", when=whens[0])
    return p("reminders_many", count=len(whens), when=content.listing(whens))


# ----- asking for a reminder


def remind(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """ "Remind me every day at nine", "set a daily reminder", "remind me tomorrow at 7 pm"."""
    from skill.coach.reminder_plans import Plan

    return set_up(content, state, event, Plan.parse(event.value) or Plan())


def set_up(content: Content, state: State, event: Event, plan: Plan) -> tuple[State, Reply]:
    """Take the reminder one step further: time, then permission, then time zone, then set."""
    from skill.coach.reminder_plans import make

    p = content.prompt
    state = state._replace(pending=None, plan=None)
    if not plan.complete:
        return _ask(content, state._replace(plan=plan.spec(), pending="remind_time"), "time")
    if not event.granted:
        if state.asked:  # Alexa asked once this session: explain instead of asking again
            return _answer(content, state, p("permission_how"), consent_card=True)
        state = state._replace(asked=True, plan=plan.spec(), pending="permission", last={})
        view = View("info", p("reminders_title"), p("permission_how"))
        return state, Reply((), None, view, ask_for=plan.spec())
    if not state.tz_checked:
        # Ask the handler to look the device's time zone up and step again. What follows is
        # the answer only if nobody can: from the time zone kept from before, or by asking.
        state, reply = set_up(content, state._replace(tz_checked=True), event, plan)
        return state, reply._replace(effects=reply.effects | {"time_zone"})
    zone = state.tz if known_zone(state.tz) else None
    if zone is None:
        return _ask(content, state._replace(plan=plan.spec(), pending="time_zone"), "zone")
    reminder = make(plan, p("reminder_text"), event.at, zone)
    key = "reminder_set_daily" if plan.daily else "reminder_set_once"
    text = p(key, time=time_words(content, reminder.time))
    state = state._replace(reminders="set")
    return _answer(content, state, text, effects=frozenset({"remind"}), reminder=reminder)


def offer_plan(state: State, now: float) -> str:
    """What the offer at a routine's end proposes, as a plan spec: every day, from tomorrow, at
    this time of day (rounded) in the person's time zone; without a known zone, every day at a
    time still to be asked."""
    from skill.coach.habits import local_time
    from skill.coach.reminder_plans import Plan, rounded

    if not known_zone(state.tz):
        return Plan(daily=True).spec()
    local = local_time(now, str(state.tz))
    return Plan(daily=True, time=rounded(local.hour, local.minute), now=True).spec()


def offer_words(content: Content, state: State) -> tuple[str, str]:
    """The offer and its reprompt, naming the time and how often when the time is known."""
    from skill.coach.reminder_plans import Plan

    plan = Plan.parse(state.plan) or Plan()
    if plan.time is None:
        return content.prompt("reminder_offer_any_time"), content.prompt("offer_reprompt_any_time")
    time = time_words(content, plan.time)
    return content.prompt("reminder_offer", time=time), content.prompt("offer_reprompt", time=time)


def offer_accepted(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    from skill.coach.reminder_plans import Plan

    return set_up(content, state, event, Plan.parse(state.plan) or Plan(daily=True, now=True))


def answer(content: Content, state: State, event: Event) -> tuple[State, Reply] | None:
    """An answer to the reminder question the state is waiting on, or None if it is not one."""
    from skill.coach.reminder_plans import Plan, parse_time

    p = content.prompt
    if event.kind in (On.REPEAT, On.REPEAT_STEP) and state.pending in _QUESTIONS:
        return ask_again(content, state)
    if event.kind in (On.NO, On.CANCEL) and state.pending in ("offer", "remind_time", "time_zone"):
        # "no thanks" declines the offer for good; "never mind" only drops the question
        declined = state.pending == "offer" and event.kind == On.NO
        effects = frozenset({"declined"}) if declined else frozenset()
        state = state._replace(pending=None, plan=None)
        if effects:
            state = state._replace(reminders="declined")
        return _answer(content, state, p("reminder_not_now"), effects=effects)
    plan = Plan.parse(state.plan) or Plan()
    if state.pending == "offer" and event.kind == On.YES:
        return offer_accepted(content, state, event)
    time = parse_time(event.value) if event.kind == On.TIME else None
    if state.pending == "offer" and time is not None:  # "at seven": yes, at another time
        return set_up(content, state, event, Plan(daily=True).at(time))
    if state.pending == "remind_time" and event.kind in (On.TIME, On.YES):
        if time is None:  # "yes", or a vague "in the evening": ask for the time itself
            return _ask(content, state, "time")
        return set_up(content, state, event, plan.at(time))
    if state.pending == "time_zone" and event.kind == On.TIME_ZONE:
        if known_zone(event.value):
            return set_up(content, state._replace(tz=event.value), event, plan)
        state = state._replace(pending=None, plan=None)
        return _answer(content, state, p("reminder_zone_unknown"))
    if state.pending == "time_zone" and event.kind == On.YES:
        return _ask(content, state, "zone")
    return _other_answer(content, state, event, plan, time)


def _other_answer(
    content: Content, state: State, event: Event, plan: Plan, time: tuple[int, int] | None
) -> tuple[State, Reply] | None:
    """The answer to the other question of the dialog: noted, and the one waiting asked again.

    "nine am" to "which time zone?" is the reminder's time (taken), "I'm in eastern time" to
    "what time?" its time zone (kept), never a reason to drop the reminder or leave the phase.
    """
    p = content.prompt
    if state.pending == "time_zone" and time is not None:
        state = state._replace(plan=plan.at(time).spec())
        return _ask(content, state, "zone", [Say(p("time_noted", time=time_words(content, time)))])
    if state.pending == "remind_time" and event.kind == On.TIME_ZONE:
        if not known_zone(event.value):
            return _ask(content, state, "time", [Say(p("zone_unknown"))])
        state = state._replace(tz=event.value)
        return _ask(content, state, "time", [Say(p("zone_noted"))])
    return None


def ask_again(content: Content, state: State, lead: Sequence[Part] = ()) -> tuple[State, Reply]:
    """The reminder question the state is waiting on, asked again after ``lead``."""
    return _ask(content, state, _QUESTIONS[str(state.pending)], lead)


def permission(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """Alexa's permission question was answered (or could not be asked)."""
    from skill.coach.reminder_plans import Plan

    p = content.prompt
    plan = Plan.parse(state.plan) or Plan.parse(event.detail) or Plan()
    state = state._replace(asked=True, pending=None, plan=None)
    if event.value == "ACCEPTED":
        return set_up(content, state, event._replace(granted=True), plan)
    if event.value in ("DENIED", "NOT_ANSWERED"):
        text = f"{p('permission_declined')} {p('permission_how')}"
        return _answer(content, state, text, consent_card=True)
    return _answer(content, state, p("permission_error"))


def out_of_turn(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """A time or a time zone said when no reminder is being set up ("at nine", "I'm in
    eastern time"): how to get a reminder at that time, or the time zone kept for reminders;
    then the question at hand."""
    from skill.coach.reminder_plans import parse_time

    p = content.prompt
    if event.kind == On.TIME_ZONE:
        known = known_zone(event.value)
        state = state._replace(tz=event.value) if known else state
        text = p("zone_noted" if known else "zone_unknown")
    else:
        time = parse_time(event.value)
        text = p("time_hint", time=time_words(content, time)) if time else p("time_hint_vague")
    if state.phase == SAFETY:
        return ask_question(content, state, [Say(text)], full=False)
    return with_prompt(content, state, text, title="reminders_title")


# ----- the reminders they have


def list_reminders(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """ "List my reminders": the handler fills in the list from Alexa's API."""
    p = content.prompt
    state = state._replace(last={})
    if not event.granted:  # without the permission the skill cannot have made any
        return _answer(content, state, p("reminders_none"))
    # Said as is only if the API could not be asked; the handler replaces it with the list.
    return _answer(
        content, state, p("reminders_list_failed"), effects=frozenset({"list_reminders"})
    )


def cancel_reminders(content: Content, state: State, event: Event) -> tuple[State, Reply]:
    """ "Cancel my reminder", "stop reminding me": delete them, and stop offering them."""
    p = content.prompt
    state = state._replace(reminders="declined", last={})
    if not event.granted:
        text = p("reminders_nothing_to_cancel")
        return _answer(content, state, text, effects=frozenset({"declined"}))
    # The handler deletes them and says so; this is what is said if it cannot.
    text = p("reminders_cancel_failed")
    return _answer(content, state, text, effects=frozenset({"cancel_reminders"}))


# ----- helpers

_QUESTIONS = {"offer": "offer", "remind_time": "time", "time_zone": "zone"}
_ASK_KEYS = {"time": "reminder_ask_time", "zone": "reminder_ask_zone"}


def _ask(
    content: Content, state: State, question: str, lead: Sequence[Part] = ()
) -> tuple[State, Reply]:
    if question == "offer":
        text, reprompt = offer_words(content, state)
    else:
        text = reprompt = content.prompt(_ASK_KEYS[question])
    view = View("question", content.prompt("reminders_title"), text)
    return state._replace(last={}), Reply((*lead, Say(text)), reprompt, view)


def _answer(
    content: Content,
    state: State,
    text: str,
    effects: frozenset[str] = frozenset(),
    *,
    consent_card: bool = False,
    reminder: Reminder | None = None,
) -> tuple[State, Reply]:
    """``text`` first, then what comes next: the phase's prompt, or goodbye after a routine.

    The answer is always the first part, so the handler can replace it with what really
    happened if Alexa's API says otherwise.
    """
    p = content.prompt
    if state.phase == DONE:
        view = View("info", p("reminders_title"), text)
        parts = (Say(text), Say(p("goodbye")))
        reply = Reply(parts, None, view, end_session=True, effects=effects)
    else:
        state, reply = with_prompt(content, state, text, title="reminders_title")
        reply = reply._replace(effects=effects)
    return state, reply._replace(consent_card=consent_card, reminder=reminder)
