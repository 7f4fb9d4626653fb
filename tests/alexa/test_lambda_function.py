"""The Lambda entry point itself: who it answers, and how it logs (the template's LogLevel)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.exceptions import AskSdkException

from skill.alexa.builder import build_skill
from skill.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SKILL_ID = "amzn1.ask.skill.00000000-1111-2222-3333-444444444444"
OTHER = "amzn1.ask.skill.99999999-8888-7777-6666-555555555555"


@pytest.fixture(scope="module")
def lambda_handler() -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KNEE_COACH_PERSISTENCE", "none")
        from skill.alexa.lambda_function import make_handler

    return make_handler(build_skill(Settings(skill_id=SKILL_ID, persistence="none")))


def _launch(context_id: str, session_id: str | None) -> dict[str, Any]:
    from skill.local.envelopes import Session

    event: dict[str, Any] = json.loads(json.dumps(Session(skill_id=context_id).launch()))
    if session_id is None:
        event.pop("session")
    else:
        event["session"]["application"]["applicationId"] = session_id
    return event


def test_a_request_for_this_skill_is_answered(lambda_handler: Any) -> None:
    response = lambda_handler(_launch(SKILL_ID, SKILL_ID), None)
    assert response["response"]["outputSpeech"]["ssml"].startswith("<speak>")


@pytest.mark.parametrize(("context_id", "session_id"), [(SKILL_ID, OTHER), (OTHER, SKILL_ID)])
def test_a_session_and_context_that_disagree_are_refused(
    lambda_handler: Any, context_id: str, session_id: str
) -> None:
    with pytest.raises(AskSdkException, match="Skill ID Verification failed"):
        lambda_handler(_launch(context_id, session_id), None)


LOGGING_PROBE = """
import logging, sys
runtime = logging.StreamHandler(sys.stdout)  # what the Lambda runtime installs before import
logging.getLogger().addHandler(runtime)
import skill.alexa.lambda_function
root = logging.getLogger()
print(logging.getLevelName(logging.getLogger("skill.store").getEffectiveLevel()))
print(logging.getLevelName(logging.getLogger("botocore").getEffectiveLevel()))
print(logging.getLevelName(logging.getLogger("boto3").getEffectiveLevel()))
print(len(root.handlers), root.handlers[0] is runtime)
"""


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ["INFO", "WARNING", "WARNING"]),
        ({"KNEE_COACH_LOG_LEVEL": "DEBUG"}, ["DEBUG", "WARNING", "WARNING"]),
        ({"KNEE_COACH_LOG_LEVEL": "ERROR"}, ["ERROR", "WARNING", "WARNING"]),
        (
            {"KNEE_COACH_LOG_LEVEL": "DEBUG", "KNEE_COACH_LOG_LOGGERS": "botocore"},
            ["DEBUG", "DEBUG", "WARNING"],
        ),
    ],
)
def test_the_log_level_applies_on_lambda_to_our_loggers_only(
    env: dict[str, str], expected: list[str]
) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KNEE_COACH_")}
    done = subprocess.run(
        [sys.executable, "-c", LOGGING_PROBE],
        cwd=REPO,
        env={**base, "KNEE_COACH_PERSISTENCE": "none", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = done.stdout.split("\n")
    assert lines[:3] == expected
    assert lines[3] == "1 True", "the runtime's handler must be the only one (no double lines)"


GC_PROBE = """
import gc, json, sys

class Witness:
    \"\"\"Notes, as each ASK SDK module is first looked for, whether the collector is on.\"\"\"
    seen = []

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name.startswith("ask_sdk"):
            cls.seen.append(gc.isenabled())
        return None

sys.meta_path.insert(0, Witness)
import skill.alexa.lambda_function
frozen = gc.get_freeze_count() > 10000
print(json.dumps([len(Witness.seen) > 50, any(Witness.seen), gc.isenabled(), frozen]))
"""


def test_the_init_phase_runs_without_the_collector_and_leaves_it_on() -> None:
    """The SDK loads with the collector off; afterwards what init built is frozen out of the
    collector's sight, and collection is on again for what requests create."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNEE_COACH_")}
    done = subprocess.run(
        [sys.executable, "-c", GC_PROBE],
        env={**env, "KNEE_COACH_PERSISTENCE": "none"},
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(done.stdout) == [True, False, True, True]


# ---- issue 23: requests that nest too deeply ----------------------------------------------------


def nested(levels: int) -> dict[str, Any]:
    """An object ``levels`` deep, built without recursion."""
    root: dict[str, Any] = {}
    inner = root
    for _ in range(levels - 1):
        inner["x"] = {}
        inner = inner["x"]
    return root


def _help_in_a_session(lambda_handler: Any, attributes: dict[str, Any]) -> dict[str, Any]:
    """Help, in a session whose attributes (state after a launch) carry ``attributes`` too."""
    from skill.local.envelopes import Session

    session = Session(skill_id=SKILL_ID)
    session.absorb(lambda_handler(json.loads(json.dumps(session.launch())), None))
    session.attributes.update(attributes)
    event = json.loads(json.dumps(session.intent("AMAZON.HelpIntent")))
    response: dict[str, Any] = lambda_handler(event, None)
    json.dumps(response, allow_nan=False)
    return response


@pytest.mark.parametrize("levels", [33, 500, 900])
def test_session_attributes_nested_too_deeply_are_answered_from_a_fresh_state(
    lambda_handler: Any, levels: int, caplog: pytest.LogCaptureFixture
) -> None:
    fresh = _help_in_a_session(lambda_handler, {"coach": None})  # a session with no state
    deep = _help_in_a_session(lambda_handler, {"junk": nested(levels)})
    assert deep["response"]["outputSpeech"] == fresh["response"]["outputSpeech"]
    assert deep["response"]["shouldEndSession"] is False
    assert "junk" not in deep.get("sessionAttributes", {})
    assert "nest too deeply" in caplog.text


def test_session_attributes_of_a_real_depth_are_kept(lambda_handler: Any) -> None:
    """A state nested within the bound is used: Help answers in the safety check."""
    kept = _help_in_a_session(lambda_handler, {"extra": nested(20)})
    fresh = _help_in_a_session(lambda_handler, {"coach": None})
    assert kept["response"]["outputSpeech"] != fresh["response"]["outputSpeech"]
    assert kept["sessionAttributes"]["extra"] == nested(20)


def test_a_request_nested_too_deeply_outside_the_session_gets_an_empty_answer(
    lambda_handler: Any,
) -> None:
    event = _launch(SKILL_ID, SKILL_ID)
    event["request"]["extra"] = nested(2000)
    assert lambda_handler(event, None) == {"version": "1.0", "response": {}}
