"""The bridge between the coach's session state and the persistent progress record.

Three pure functions: what the coach should know at the start of a session
(:func:`memory_from`), what the record should say after a turn (:func:`progress_after`), and
what a session takes in when its record was merged with another session's (:func:`adopted`).
Only routine position, preferences (knee, pace, speaking rate), the intro flag, completion
times, the time zone and the reminder bookkeeping (offered when, answered how) cross this
bridge; the coach's safety-check phase has no field to go into.
"""

from __future__ import annotations

from skill.coach.habits import habits_from
from skill.coach.state import ROUTINE, Memory, State, fresh_state
from skill.content.records import Content
from skill.store.progress import RESUME_MAX_AGE_S, Progress
from skill.voice.reply import Reply

REFRESH_S = 3600
"""An idle turn (repeat, help, where am I) refreshes ``last_active`` at most this often.

Only a changed position is news; the seven-day resume window needs no finer clock than this,
and without the limit every idle turn more than a minute after the last step was a write.
"""


def memory_from(progress: Progress, now: float, available: bool = True) -> Memory:
    """The coach's view of a stored record; resume is offered only when the store answered."""
    resume, lapsed = None, False
    if available and progress.routine:
        if progress.has_resumable_routine(now):
            resume = (progress.routine, progress.technique, progress.step)
        else:  # kept too long (not a clock gone wrong): launch says it starts afresh
            lapsed = 0 < progress.last_active < now - RESUME_MAX_AGE_S
    return Memory(
        heard_intro=progress.heard_intro,
        side=progress.side,
        keep_going=progress.keep_going,
        pace=progress.pace,
        resume=resume,
        lapsed=lapsed,
        remembers=available,
        last_routine=progress.last_routine,
        learned=progress.learned,
        rate=progress.rate,
        time_zone=progress.time_zone,
        habits=habits_from(progress.completions, progress.time_zone),
        reminders=progress.reminders,
        offered_at=progress.offered_at,
    )


def progress_after(
    progress: Progress,
    state: State,
    reply: Reply,
    now: float,
    position: tuple[int, int] | None = None,
) -> Progress:
    """The record after a turn that left the coach in ``state`` having said ``reply``.

    ``technique`` holds the coach's position in the routine's sets (with both knees there are
    two sets per technique); ``side`` is stored beside it, so the position stays unambiguous.
    ``position`` is where the routine goes on from, as far as the coach knows what was heard
    (``State.next_at``); None (every step heard) leaves the stored position as it is.
    """
    if "forget" in reply.effects:
        return Progress()
    if "completed" in reply.effects:
        progress = progress.completed(now)
    elif "ended" in reply.effects:  # stopped at the end without finishing: nothing to resume
        progress = progress.cleared(now)
    elif state.phase == ROUTINE and position is not None:
        index, step = position
        if _moved_or_stale(progress, (state.routine, index, step), now):
            progress = progress.at(state.routine, index, step, now)
    if state.phase == ROUTINE or "completed" in reply.effects:
        progress = progress.practised(state.routine, state.learned)
    if state.heard_intro:
        progress = progress.intro_heard()
    if "offered" in reply.effects:
        progress = progress.offered(now)
    # A reminder counts as set only once Alexa's API has made it (the effects layer drops
    # "remind" from a reply whose reminder failed); "no thanks" and cancelling both decline.
    if "remind" in reply.effects:
        progress = progress.with_reminders("set")
    elif reply.effects & {"declined", "cancel_reminders"}:
        progress = progress.with_reminders("declined")
    return progress.with_preferences(
        side=state.side,
        keep_going=state.keep_going,
        pace=state.pace,
        rate=state.rate,
        time_zone=state.tz,
    )


def _moved_or_stale(progress: Progress, position: tuple[str, int, int], now: float) -> bool:
    """Worth recording: a new position, or activity at a resumed one after a long gap."""
    stored = (progress.routine, progress.technique, progress.step)
    return stored != position or not 0 <= now - progress.last_active < REFRESH_S


def adopted(state: State, progress: Progress, now: float, content: Content) -> State:
    """The session's state once its record was merged with another session's (``progress``).

    The merged record keeps whichever of each preference was set last, on any device; the
    session takes those in, so that its next turn neither says nor writes back an older one.
    Counts and what was learned are added up. A routine under way keeps its own position and
    knee, though: that is what this session is doing, and its next step is the newest news.
    """
    seed = fresh_state(memory_from(progress, now), content)
    learned = state.learned + tuple(t for t in seed.learned if t not in state.learned)
    changes = {
        "keep_going": seed.keep_going,
        "pace": seed.pace,
        "rate": seed.rate,
        "habits": seed.habits,
        "tz": seed.tz or state.tz,
        "reminders": seed.reminders,
        "offered": max(state.offered, seed.offered),
        "heard_intro": state.heard_intro or seed.heard_intro,
        "returning": state.returning or seed.returning,
        "learned": learned,
        "usual": seed.usual or state.usual,
    }
    if state.phase != ROUTINE and seed.side is not None:
        changes["side"] = seed.side
    return state._replace(**changes)
