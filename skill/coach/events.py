"""The coach's vocabulary: what can happen in a turn.

The alexa layer turns intents, touches and device requests into :class:`Event` values;
:class:`On` names their kinds. Nothing here knows the ASK SDK.
"""

from __future__ import annotations

from skill.record import Record


class On:
    """Event kinds; handlers map intents and touch events onto these."""

    LAUNCH = "launch"
    START = "start"  # value: routine id or None
    GO_TO = "go_to"  # value: technique id, or the unresolved spoken name prefixed "?"
    YES = "yes"
    NO = "no"
    PAUSE = "pause"
    RESUME = "resume"
    REPEAT = "repeat"  # the words: the last prompt or question again, never a hold already done
    REPEAT_STEP = "repeat_step"  # "once more", "do that again": redo the step
    NEXT = "next"
    PREVIOUS = "previous"
    START_OVER = "start_over"
    HELP = "help"
    FALLBACK = "fallback"
    STOP = "stop"
    CANCEL = "cancel"  # "never mind": drops a question being asked; otherwise a stop
    WHERE = "where"
    SLOWER = "slower"
    FASTER = "faster"
    KEEP_GOING = "keep_going"
    STEP_BY_STEP = "step_by_step"
    SIDE = "side"  # value: left, right, both
    EXPLAIN = "explain"
    DISCLAIMER = "disclaimer"
    THANKS = "thanks"  # "thank you": you're welcome, and what was waiting
    TOPIC = "topic"  # value: topic id
    FORGET = "forget"
    PAIN = "pain"  # "it hurts": understood in every phase, never stored
    CONDITION = "condition"  # "I have high blood pressure": a condition named, in any phase
    ACUTE = "acute"  # "a little swelling", "it locks up": an acute warning sign named
    SURGERY = "surgery"  # "I had a knee replacement": recent knee surgery or injury named
    LASTING = "lasting"  # "just the usual arthritis", "my knee clicks": lives with it
    PROVIDER = "provider"  # "my doctor knows about it"
    UNSURE = "unsure"  # "I'm not sure", "maybe"
    UNDO = "undo"  # value: "no" / "yes" ("I meant no"), or None ("that was a mistake")
    LIGHTER = "lighter"  # try the step again with less pressure
    SKIP = "skip"  # skip this technique
    END = "end"  # the session ended (silence, "exit"): no reply is spoken
    HOLD_DONE = "hold_done"  # value: the position the screen finished speaking (View.position)
    SCREEN_ERROR = "screen_error"  # the screen could not show or play the last response
    PROGRESS = "progress"  # "how am I doing?"
    SPEAK_SLOWER = "speak_slower"
    SPEAK_FASTER = "speak_faster"
    SPEAK_NORMAL = "speak_normal"
    REMIND = (
        "remind"  # value: what they asked for, e.g. "daily 09:00" (see skill.coach.reminder_plans)
    )
    TIME = "time"  # value: an AMAZON.TIME value ("19:00", "EV"), said on its own
    TIME_ZONE = "time_zone"  # value: an IANA time zone name, or the unresolved words prefixed "?"
    LIST_REMINDERS = "list_reminders"
    CANCEL_REMINDERS = "cancel_reminders"
    PERMISSION = "permission"  # value: ACCEPTED / DENIED / NOT_ANSWERED / ERROR; detail: token


class Event(Record):
    kind: str
    value: str | None = None
    at: float = 0.0
    """When Alexa heard it: the request's timestamp in epoch seconds (0 when unknown)."""
    detail: str | None = None
    """A second value: the token a permission answer (``Connections.Response``) carries back."""
    granted: bool = False
    """The person has granted the reminders permission (read from this request)."""
