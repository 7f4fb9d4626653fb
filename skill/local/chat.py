"""``knee-coach chat``: talk to the skill in a terminal, the way Alexa would hear you.

Each line you type goes through the real interaction model (``interaction_models/``), becomes
a real request envelope, and is answered by the same skill Lambda runs. Pauses in the
speech are shown as ``[pause 20s]`` and really waited out unless ``--fast`` is given.
Progress is kept in the local SQLite store, so quitting mid-routine and starting the chat
again offers to resume, as a device would.

Alexa's own API (the device's time zone, reminders) is a stand-in in this process
(:mod:`skill.local.alexa_standin`), reached through the SDK's real service clients. When the skill
asks for the reminders permission, the chat plays Alexa's part: answer "I approve" or "no"
(``--grant-reminders`` starts with it granted). Every call to the API is shown, and so is the
reminder that would be created on a real device.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from skill.local.envelopes import wall_clock
from skill.local.simulator import Conversation, SimulatedClock, Turn

if TYPE_CHECKING:
    from skill.local.alexa_standin import AlexaStandIn

EXAMPLES = (
    "open knee coach",
    "no",
    "both knees",
    "next",
    "pause",
    "resume",
    "how much is left",
    "go to knee friction",
    "what causes knee pain",
    "remind me every day at nine",
    "how am I doing",
    "speak slower",
    "stop",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fast", action="store_true", help="don't wait out the timed pauses")
    parser.add_argument("--say", action="store_true", help="speak replies with espeak-ng")
    parser.add_argument(
        "--locale",
        default="en-US",
        help="the device's locale, which picks the language and model (en-US, de-DE, es-ES ...)",
    )
    parser.add_argument("--screen", action="store_true", help="simulate an Echo Show (APL)")
    parser.add_argument("--json", action="store_true", help="print raw responses too")
    parser.add_argument(
        "--user", default=None, help="simulated Alexa user id (default: one local user)"
    )
    parser.add_argument(
        "--script", type=argparse.FileType("r"), help="read lines from a file instead of stdin"
    )
    parser.add_argument(
        "--grant-reminders",
        action="store_true",
        help="start with the reminders permission already granted (else Alexa asks for it)",
    )
    parser.add_argument(
        "--time-zone",
        default="America/New_York",
        help="the device's time zone, as Alexa's settings would report it ('' for none)",
    )


def run(args: argparse.Namespace) -> int:
    from skill.alexa.builder import build_skill
    from skill.alexa.intents import REMINDERS_SCOPE
    from skill.alexa.lambda_function import make_handler
    from skill.local.alexa_standin import AlexaStandIn, StandInApiClient
    from skill.local.nlu import default_model
    from skill.logs import configure_logging
    from skill.settings import Settings
    from skill.store.factory import make_persistence_adapter

    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_loggers)
    standin = AlexaStandIn(time_zone=args.time_zone or None)
    skill = build_skill(
        settings, make_persistence_adapter(settings), api_client=StandInApiClient(standin)
    )
    handler = make_handler(skill)
    options: dict[str, Any] = {"locale": args.locale, "apl": args.screen}
    if args.user:
        options["user_id"] = args.user
    if args.grant_reminders:
        options["granted"] = {REMINDERS_SCOPE}
    # Real time, unless --fast skips the waiting: then time passes as if each reply played out.
    clock = SimulatedClock(wall_clock()) if args.fast else wall_clock
    conversation = Conversation(handler, default_model(args.locale), clock, **options)
    speak = _speaker() if args.say else None
    wait = (lambda s: None) if args.fast else time.sleep
    source: TextIO = args.script or sys.stdin
    interactive = source.isatty()
    print("Knee Coach chat. Type what you would say to Alexa; 'quit' to leave.")
    suggested = conversation.model.typing.suggested or EXAMPLES[:4]
    print("Try: " + " / ".join(suggested) + " ...\n")
    while True:
        if interactive:
            print("you> ", end="", flush=True)
        line = source.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if text.lower() in {"quit", "exit", "bye"}:
            if conversation.session.open:
                conversation.end_session("USER_INITIATED")
            break
        if not interactive:
            print(f"you> {text}")
        seen = len(standin.calls)
        turn = conversation.say(text)
        show(turn, wait=wait, speak=speak, raw=args.json, asks=conversation.permission_question)
        show_api(standin, seen)
        # A screen speaking a timed step sends its end-of-hold event once done: the skill
        # answers with the next prompt (or, in keep-going mode, the next technique).
        while conversation.screen_speaking:
            turn = conversation.screen_finishes() or turn
            show(turn, wait=wait, speak=speak, raw=args.json)
    return 0


def show_api(standin: AlexaStandIn, seen: int, out: TextIO | None = None) -> None:
    """The calls this turn made to Alexa's API, and any reminder they created."""
    from skill.local.alexa_standin import describe

    out = out or sys.stdout
    for call in standin.calls[seen:]:
        print(f"       [Alexa API: {call}]", file=out)
        if call.method == "POST" and isinstance(call.body, dict):
            print(f"       [reminder that would be created: {describe(call.body)}]", file=out)


def show(
    turn: Turn,
    wait: Callable[[float], object] = time.sleep,
    speak: Callable[[str], None] | None = None,
    raw: bool = False,
    out: TextIO | None = None,
    asks: str = "",
) -> None:
    """Print a turn: what Alexa heard, what it says (waiting out pauses), the card.

    ``asks`` is Alexa's own permission question, in the session's language.
    """
    out = out or sys.stdout  # looked up per call, so redirected output is honoured
    print(f"      (heard: {turn.heard})", file=out)
    for piece, pause in _segments(turn.text):
        if piece:
            print(f"alexa> {piece}", file=out, flush=True)
            if speak:
                speak(piece)
        if pause:
            print(f"       ... {pause:g} s ...", file=out, flush=True)
            wait(pause)
    if turn.asks_permission is not None:
        print(f"alexa> {asks}", file=out)
        print("       (Alexa is asking for the permission: approve, or refuse)", file=out)
    card = turn.card
    if card.get("type") == "AskForPermissionsConsent":
        print(f"       [card: allow {', '.join(card.get('permissions') or [])}]", file=out)
    elif card:
        body = card.get("content") or card.get("text") or ""
        print(f"       [card: {card.get('title')}] {body}", file=out)
    if turn.asks_permission is not None:
        pass  # Alexa holds the session while it asks (said above)
    elif turn.screen_event is not None:
        print("       (mic closed while the screen speaks; it tells the skill when done)", file=out)
    elif (
        not turn.spoken
        and not card
        and turn.response.get("response", {}).get("shouldEndSession") is None
    ):
        print("       (nothing said; the session goes on)", file=out)
    else:
        print("       (mic open)" if turn.open else "       (session ended)", file=out)
    if raw:
        print(json.dumps(turn.response, indent=2), file=out)


def _segments(text: str) -> list[tuple[str, float]]:
    """Split display text at ``[pause Ns]`` markers: (text before, seconds)."""
    out: list[tuple[str, float]] = []
    rest = text
    while "[pause " in rest:
        before, _, after = rest.partition("[pause ")
        seconds, _, rest = after.partition("s]")
        out.append((before.strip(), float(seconds)))
    out.append((rest.strip(), 0.0))
    return out


def _speaker() -> Callable[[str], None] | None:
    binary = shutil.which("espeak-ng")
    if binary is None:
        print("(espeak-ng is not installed; --say is off)", file=sys.stderr)
        return None

    def speak(text: str) -> None:
        subprocess.run([binary, text.replace("[chime]", "ding")], check=False)

    return speak
