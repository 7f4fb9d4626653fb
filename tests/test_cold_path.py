"""What a cold start loads: a voice-only LaunchRequest imports nothing it does not use.

Each module below once sat on (or would easily slip onto) the request path, and each costs
milliseconds of every cold start (docs/performance.md, issue 15): libraries for other
surfaces (the web endpoint, the terminal chat), stores that are not configured, screens on a
voice-only device, and the reminders dialog and its API clients before anyone asks for a
reminder. The check runs in a fresh interpreter, as Lambda's init phase does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from skill.local.envelopes import Session
from skill.settings import REPO_ROOT

OFF_THE_PATH = {
    "parsing and text": ("yaml", "xml", "urllib.request", "email", "zoneinfo"),
    "build-time language data (CLDR through Babel, make generate)": ("babel",),
    "content checks (compiled content is current)": ("skill.content.validate",),
    "web surface": (
        "flask",
        "flask_ask_sdk",
        "tornado",
        "cryptography",
        "ssl",
        "http",
        "skill.web",
    ),
    "chat surface": ("skill.local",),
    "stores": (
        "sqlite3",
        "boto3",
        "botocore",
        "skill.store.sqlite",
        "skill.store.dynamodb",
        "skill.store.userkey",
        "skill.store.resilient",
        "skill.store.base",
    ),
    "screens": (
        "skill.alexa.apl",
        "skill.voice.spelling",
        "ask_sdk_model.interfaces.alexa.presentation.apl",
    ),
    "reminders": (
        "requests",
        "ask_sdk_core.api_client",
        "skill.alexa.services",
        "skill.coach.reminder_plans",
        "skill.coach.reminders",
    ),
    "other requests": ("skill.alexa.can_fulfill",),
    "turns after a launch": (
        "skill.coach.routine_steps",
        "skill.coach.routine_end",
        "skill.coach.pace",
        "skill.coach.talk",
        "skill.coach.pain",
        "skill.coach.state_checks",
    ),
}


def loaded_by_a_launch(envelope: dict[str, object], **env: str) -> set[str]:
    """Every module a fresh interpreter has after importing the handler and answering once."""
    return set(_launch(envelope, "sorted(sys.modules)", **env))


def opened_by_a_launch(envelope: dict[str, object], **env: str) -> set[str]:
    """Every file under ``content/`` a fresh interpreter opens, from start to its answer."""
    opened = _launch(envelope, "sorted(OPENED)", **env)
    content = str(REPO_ROOT / "content") + os.sep
    return {path.removeprefix(content) for path in opened if path.startswith(content)}


def _launch(envelope: dict[str, object], result: str, **env: str) -> list[str]:
    script = (
        "import json, sys\n"
        "OPENED = set()\n"
        "def _audit(event, args):\n"
        "    if event == 'open' and isinstance(args[0], str):\n"
        "        OPENED.add(args[0])\n"
        "sys.addaudithook(_audit)\n"
        "from skill.alexa.lambda_function import lambda_handler\n"
        "lambda_handler(json.load(sys.stdin), None)\n"
        f"print(json.dumps({result}))\n"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("KNEE_COACH_")}
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(envelope),
        env={**base, **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
        timeout=60,
    )
    found: list[str] = json.loads(done.stdout)
    return found


@pytest.fixture(scope="module")
def voice_launch() -> set[str]:
    return loaded_by_a_launch(Session().launch(), KNEE_COACH_PERSISTENCE="none")


@pytest.mark.parametrize("group", sorted(OFF_THE_PATH))
def test_a_voice_only_launch_without_a_store_loads_nothing_off_its_path(
    voice_launch: set[str], group: str
) -> None:
    assert "skill.coach" in voice_launch  # the check itself ran the skill
    found = sorted(
        module
        for module in voice_launch
        for unwanted in OFF_THE_PATH[group]
        if module == unwanted or module.startswith(unwanted + ".")
    )
    assert found == [], f"{group}: {found}"


def test_a_screen_loads_the_screen_code_it_needs() -> None:
    """The other side of the check above: the lazy imports do load when they are needed."""
    loaded = loaded_by_a_launch(Session(apl=True).launch(), KNEE_COACH_PERSISTENCE="none")
    assert {"skill.alexa.apl", "ask_sdk_model.interfaces.alexa.presentation.apl"} <= loaded


def test_an_english_launch_reads_only_english_content() -> None:
    """Only the session's language is read: no German or Spanish file, compiled or not.

    (Its own YAML files are read for their stamps, never parsed: see "parsing and text".)"""
    opened = opened_by_a_launch(Session().launch(), KNEE_COACH_PERSISTENCE="none")
    assert "en/compiled.json" in opened
    assert not [path for path in opened if not path.startswith(("en/", "en-", "apl/"))], opened


def test_a_german_launch_reads_german_content() -> None:
    """A German session reads German (the default language is loaded at start-up too)."""
    opened = opened_by_a_launch(Session(locale="de-DE").launch(), KNEE_COACH_PERSISTENCE="none")
    assert {"de/compiled.json", "en/compiled.json"} <= opened
    assert not [path for path in opened if path.startswith(("es/", "es-"))], opened
