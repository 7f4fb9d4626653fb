"""End to end through a simulator we did not write: virtual-alexa drives ``knee-coach serve``.

The other dialog tests use our own simulator and NLU. Here bespoken's ``virtual-alexa`` (npm)
resolves the spoken phrases against ``interaction_models/en-US.json`` with its own matcher,
builds the Alexa envelopes itself and POSTs them over HTTP to the real ``knee-coach serve`` in dev
mode, so the model, the web layer and the coach are checked together from outside. The Node
side is ``tests/node/e2e.js``; it prints a JSON transcript that the tests below judge.

Skipped only on a machine without Node or without ``npm ci --prefix tests/node``; in CI (env
``CI`` set) those are failures, so a broken install cannot pass silently.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serve_process import stop_process

REPO = Path(__file__).resolve().parent.parent
NODE_DIR = REPO / "tests" / "node"
E2E_SCRIPT = NODE_DIR / "e2e.js"
MODEL = REPO / "interaction_models" / "en-US.json"
STARTUP_SECONDS = 15
NODE_SECONDS = 30

pytestmark = pytest.mark.slow

Turn = dict[str, Any]


def _node_or_skip() -> str:
    """The ``node`` binary; skip locally when the tools are absent, fail in CI."""
    node = shutil.which("node")
    missing = []
    if node is None:
        missing.append("node is not installed")
    if not (NODE_DIR / "node_modules" / "virtual-alexa").is_dir():
        missing.append(
            "tests/node/node_modules/virtual-alexa is missing (npm ci --prefix tests/node)"
        )
    if missing:
        reason = "; ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the virtual-alexa e2e test: {reason}")
        pytest.skip(reason)
    assert node is not None
    return node


def _server_env(tmp: Path) -> dict[str, str]:
    """No skill ID (virtual-alexa invents its application ID) and no progress kept."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNEE_COACH_")}
    env.update(KNEE_COACH_PERSISTENCE="none", KNEE_COACH_SQLITE_PATH=str(tmp / "progress.db"))
    return env


def _listening_port(proc: subprocess.Popen[str], deadline: float) -> int:
    """Read the server's first stdout line (it names the port) without blocking forever."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
    line = proc.stdout.readline() if ready else ""
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert match, f"server did not say where it listens: {line!r}"
    return int(match.group(1))


def _wait_healthy(port: int, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline, "/healthz never answered 200"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def server_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """``knee-coach serve --dev`` on a free 127.0.0.1 port; stopped however the tests end."""
    tmp = tmp_path_factory.mktemp("e2e")
    log_path = tmp / "server.log"
    command = [sys.executable, "-m", "skill.cli", "serve", "--dev", "--host", "127.0.0.1"]
    command += ["--port", "0", "--workers", "2"]
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            command, cwd=REPO, env=_server_env(tmp), stdout=subprocess.PIPE, stderr=log, text=True
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        port = _listening_port(proc, deadline)
        _wait_healthy(port, deadline)
        yield port
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nserver log:\n{log_path.read_text()}") from exc
    finally:
        stop_process(proc)


@pytest.fixture(scope="module")
def node() -> str:
    return _node_or_skip()


@pytest.fixture(scope="module")
def transcript(node: str, server_port: int) -> list[Turn]:
    """Run the whole virtual-alexa dialog once; every test reads the same transcript."""
    return run_e2e(node, server_port, "en-US")


def run_e2e(node: str, server_port: int, locale: str) -> list[Turn]:
    """The virtual-alexa dialog in ``locale``, against that locale's model."""
    env = {**os.environ, "AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE": "1"}
    started = time.monotonic()
    done = subprocess.run(
        [node, str(E2E_SCRIPT), str(server_port), locale],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=NODE_SECONDS,
        check=False,
    )
    assert done.returncode == 0, f"e2e.js failed ({done.returncode}): {done.stderr}\n{done.stdout}"
    assert time.monotonic() - started < NODE_SECONDS
    turns: list[Turn] = json.loads(done.stdout)
    return turns


def _turn(transcript: list[Turn], utterance: str | None, occurrence: int = 0) -> Turn:
    """The ``occurrence``-th turn (0-based) where the person said ``utterance``."""
    matching = [t for t in transcript if t["utterance"] == utterance]
    assert len(matching) > occurrence, f"no turn {occurrence} for {utterance!r}"
    return matching[occurrence]


def _index(transcript: list[Turn], turn: Turn) -> int:
    return next(i for i, t in enumerate(transcript) if t is turn)


# --- the model: what virtual-alexa says must be real phrases ---------------------------------


def _sample_patterns() -> list[re.Pattern[str]]:
    """Every sample of en-US.json as a regex, slots filled by their type's values and synonyms."""
    language = json.loads(MODEL.read_text())["interactionModel"]["languageModel"]
    words: dict[str, list[str]] = {}
    for slot_type in language.get("types", []):
        names = []
        for value in slot_type["values"]:
            names += [value["name"]["value"], *value["name"].get("synonyms", [])]
        words[slot_type["name"]] = names
    words["AMAZON.TIME"] = ["nine", "seven pm", "noon"]  # a built-in type: a few of its phrases
    patterns = []
    for intent in language["intents"]:
        slot_types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
        for sample in intent.get("samples", []):
            parts = re.split(r"\{(\w+)\}", sample)
            regex = "".join(
                "(?:" + "|".join(map(re.escape, words[slot_types[part]])) + ")"
                if odd
                else re.escape(part)
                for odd, part in ((i % 2 == 1, p) for i, p in enumerate(parts))
            )
            patterns.append(re.compile(regex, re.IGNORECASE))
    return patterns


def test_every_phrase_said_is_a_sample_of_the_shipped_model(transcript: list[Turn]) -> None:
    patterns = _sample_patterns()
    said = [t["utterance"] for t in transcript if t["utterance"] is not None]
    assert len(said) >= 10
    for utterance in said:
        assert any(p.fullmatch(utterance) for p in patterns), utterance


def test_virtual_alexa_resolves_each_phrase_to_the_intent_we_expect(
    transcript: list[Turn],
) -> None:
    heard = [(t["utterance"], t["intent"]) for t in transcript]
    assert heard[0] == (None, "LaunchRequest")
    assert {intent for _, intent in heard[1:6]} == {"AMAZON.NoIntent"}
    assert _turn(transcript, "my right knee")["intent"] == "ChooseSideIntent"
    assert _turn(transcript, "my right knee")["slots"] == {"side": "right"}
    assert _turn(transcript, "next")["intent"] == "AMAZON.NextIntent"
    assert _turn(transcript, "next step")["intent"] == "AMAZON.NextIntent"
    assert _turn(transcript, "pause")["intent"] == "AMAZON.PauseIntent"
    assert _turn(transcript, "resume")["intent"] == "AMAZON.ResumeIntent"
    assert _turn(transcript, "how much is left")["intent"] == "WhereAmIIntent"


# --- what the skill said --------------------------------------------------------------------


def test_every_response_keeps_the_session_open_with_a_reprompt(transcript: list[Turn]) -> None:
    for turn in transcript:
        assert turn["shouldEndSession"] is False, turn
        assert turn["ssml"].startswith("<speak>") and turn["ssml"].endswith("</speak>"), turn
        assert turn["reprompt"] and turn["reprompt"].startswith("<speak>"), turn


def test_launch_speaks_the_disclaimer_and_the_first_safety_question(
    transcript: list[Turn],
) -> None:
    launch = transcript[0]["ssml"]
    assert "isn't medical advice" in launch and "emergency number" in launch
    assert "osteoporosis?" in launch
    assert "osteoporosis" in transcript[0]["reprompt"]


def test_the_safety_check_asks_five_different_questions_then_which_knee(
    transcript: list[Turn],
) -> None:
    questions = [t["ssml"] for t in transcript[:5]]
    assert all(q.removesuffix("</speak>").endswith("?") for q in questions), questions
    assert len(set(questions)) == 5
    assert not any("which knee" in q.lower() for q in questions)
    assert "which knee" in transcript[5]["ssml"].lower()
    assert transcript[5]["utterance"] == "no"


def test_choosing_the_side_starts_technique_one_with_a_timed_hold(transcript: list[Turn]) -> None:
    speech = _turn(transcript, "my right knee")["ssml"]
    assert speech.startswith("<speak>Technique 1 of 6: Outside Thigh Glide")  # the movement first
    assert re.search(r'<break time="\d+(?:\.\d+)?m?s"/>', speech)
    assert "Say next for the second part" in speech and "step 4" not in speech.lower()


def test_next_goes_to_the_second_part_and_then_to_thigh_tapping(transcript: list[Turn]) -> None:
    step_4 = _turn(transcript, "next", 0)
    technique_2 = _turn(transcript, "next", 1)
    assert _index(transcript, technique_2) == _index(transcript, step_4) + 1
    assert step_4["ssml"].startswith("<speak>Now the second part.")
    assert "<break" in step_4["ssml"] and "say next for Thigh Tapping" in step_4["ssml"]
    assert "Technique 2 of 6: Thigh Tapping." in technique_2["ssml"]
    assert "<break" in technique_2["ssml"]


def test_pause_then_resume_replays_the_paused_step(transcript: list[Turn]) -> None:
    paused_step = _turn(transcript, "next", 1)
    pause = _turn(transcript, "pause")
    resume = _turn(transcript, "resume")
    assert _index(transcript, pause) == _index(transcript, paused_step) + 1
    assert "Paused" in pause["ssml"] and "<break" not in pause["ssml"]
    assert "resume" in pause["reprompt"].lower()
    step_words = paused_step["ssml"].removeprefix("<speak>").removesuffix("</speak>")
    assert step_words in resume["ssml"]


def test_how_much_is_left_names_the_position(transcript: list[Turn]) -> None:
    speech = _turn(transcript, "how much is left")["ssml"]
    assert re.match(r"<speak>About \d+ minutes left\.", speech), speech  # the time first
    assert "Thigh Tapping, technique 2 of 6" in speech
    assert "<break" not in speech


def test_next_after_the_interruptions_continues_technique_two(transcript: list[Turn]) -> None:
    speech = _turn(transcript, "next step")["ssml"]
    assert speech.startswith("<speak>On to the second part.")  # cues vary by position
    assert "say next for Front Thigh Glide" in speech


# --- the same conversation in German and Spanish --------------------------------------------

OTHER = {
    "de-DE": {
        "launch": ("Keine medizinische Beratung", "Haben Sie Osteoporose?"),
        "side": ("mein rechtes knie", "right", "Technik 1 von 6: Außenseite ausstreichen"),
        "words": ("weiter", "pause", "fortsetzen", "wie viel fehlt noch", "nächster schritt"),
        "paused": "Pausiert",
        "left": r"<speak>Etwa \d+ Minuten noch\.",
    },
    "es-ES": {
        "launch": ("No es consejo médico", "¿Tiene osteoporosis?"),
        "side": ("mi rodilla derecha", "right", "Técnica 1 de 6: Deslizamiento externo"),
        "words": ("siguiente", "pausa", "continuar", "cuánto falta", "siguiente paso"),
        "paused": "En pausa",
        "left": r"<speak>Quedan unos \d+ minutos\.",
    },
}
OTHER["es-MX"] = OTHER["es-US"] = OTHER["es-ES"]
INTENTS = ("AMAZON.NextIntent", "AMAZON.PauseIntent", "AMAZON.ResumeIntent", "WhereAmIIntent")


@pytest.mark.parametrize("locale", sorted(OTHER))
def test_the_same_conversation_through_virtual_alexa_in_each_language(
    node: str, server_port: int, locale: str
) -> None:
    """virtual-alexa reads the German or Spanish model, resolves each phrase to the intent
    we expect, and the skill answers each in the language, session open, with a reprompt."""
    expected = OTHER[locale]
    turns = run_e2e(node, server_port, locale)
    assert turns[0]["intent"] == "LaunchRequest"
    for words in expected["launch"]:
        assert words in turns[0]["ssml"], turns[0]["ssml"]
    assert {t["intent"] for t in turns[1:6]} == {"AMAZON.NoIntent"}
    said, side, start = expected["side"]
    chosen = _turn(turns, said)
    assert chosen["intent"] == "ChooseSideIntent" and chosen["slots"]
    assert chosen["ssml"].startswith(f"<speak>{start}") and "<break" in chosen["ssml"]
    for words, intent in zip(expected["words"][:4], INTENTS, strict=True):
        assert _turn(turns, words)["intent"] == intent, words
    assert _turn(turns, expected["words"][4])["intent"] == "AMAZON.NextIntent"
    assert expected["paused"] in _turn(turns, expected["words"][1])["ssml"]
    assert re.match(expected["left"], _turn(turns, expected["words"][3])["ssml"])
    for turn in turns:
        assert turn["shouldEndSession"] is False and turn["reprompt"], turn
    assert side == "right"
