"""The ``knee-coach`` command: the chat a newcomer runs first, and how ``serve`` is wired."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from skill import cli
from skill.local import chat

SAFETY_NOS = ["no"] * 5


def run_chat(
    tmp_path: Path, lines: list[str], capsys: pytest.CaptureFixture[str], *options: str
) -> str:
    script = tmp_path / "said.txt"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli.main(["chat", "--fast", *options, "--script", str(script)]) == 0
    return capsys.readouterr().out


@pytest.fixture
def sqlite_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "progress.db"
    monkeypatch.setenv("KNEE_COACH_PERSISTENCE", "sqlite")
    monkeypatch.setenv("KNEE_COACH_SQLITE_PATH", str(path))
    return path


def test_chat_walks_from_launch_into_the_first_timed_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run_chat(tmp_path, ["open knee coach", *SAFETY_NOS, "my left knee", "quit"], capsys)
    assert "(heard: LaunchRequest)" in out
    assert "isn't medical advice" in out
    assert "(heard: ChooseSideIntent side='left')" in out
    assert "Technique 1 of 6: Outside Thigh Glide." in out
    assert "... 20 s ..." in out  # the hold's silence shown as a timed pause
    assert "[card: Outside Thigh Glide]" in out
    assert "(mic open)" in out


def test_unmatched_words_reach_the_skill_as_fallback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run_chat(tmp_path, ["open knee coach", "purple elephants dancing", "quit"], capsys)
    assert "(heard: AMAZON.FallbackIntent)" in out
    assert "Sorry, I didn't catch that. Do you have osteoporosis?" in out


def test_quitting_mid_routine_and_starting_again_goes_on_after_what_was_heard(
    tmp_path: Path, sqlite_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--fast`` plays each reply to its end, so the second part was heard: the next session
    goes on with the next technique."""
    first = run_chat(tmp_path, ["open knee coach", *SAFETY_NOS, "right", "next", "quit"], capsys)
    assert "Keep the pressure gentle and steady." in first
    second = run_chat(tmp_path, ["open knee coach", "no", "quit"], capsys)
    assert "Welcome back. We'll go on with Thigh Tapping." in second
    assert "Technique 2 of 6: Thigh Tapping." in second
    assert "Keep the pressure gentle and steady." not in second
    assert sqlite_store.exists()


def test_show_waits_out_each_pause_and_speaks_each_piece() -> None:
    from skill.local.simulator import Turn

    ssml = '<speak>Go. <break time="10s"/><break time="5s"/> Done &amp; relax.</speak>'
    response = {"response": {"outputSpeech": {"ssml": ssml}, "shouldEndSession": True}}
    waited: list[float] = []
    spoken: list[str] = []
    lines: list[str] = []

    class Out:
        def write(self, text: str) -> None:
            lines.append(text)

        def flush(self) -> None:
            pass

    chat.show(Turn("test", response), wait=waited.append, speak=spoken.append, out=Out())  # type: ignore[arg-type]
    assert waited == [15.0]
    assert spoken == ["Go.", "Done & relax."]
    assert "(session ended)" in "".join(lines)


def test_serve_builds_the_verified_app_from_flags(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    created: dict[str, Any] = {}

    async def fake_serve(app: Any, settings: Any) -> None:
        created.update(app=app, settings=settings)

    import skill.web.serve

    monkeypatch.setenv("KNEE_COACH_SKILL_ID", "amzn1.ask.skill.test")
    monkeypatch.setattr(skill.web.serve, "_serve", fake_serve)
    assert cli.main(["serve", "--port", "0", "--workers", "2", "--max-connections", "50"]) == 0
    settings = created["settings"]
    assert (settings.workers, settings.port, settings.max_connections) == (2, 0, 50)
    assert settings.verify_requests is True  # verification is on unless --dev
    assert created["app"].url_map.bind("localhost").match("/healthz")
    assert "Knee Coach stopped" in capsys.readouterr().err


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert "chat" in out and "serve" in out


def test_chat_plays_alexas_permission_question_and_shows_the_reminder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run_chat(
        tmp_path,
        ["open knee coach", "remind me every day at 7 pm", "i approve", "list my reminders"],
        capsys,
    )
    assert "Do you give Knee Coach permission to create and edit reminders?" in out
    assert "(heard: Connections.Response ACCEPTED)" in out
    assert "I'll remind you every day at 7 PM." in out
    assert "[Alexa API: POST /v1/alerts/reminders]" in out
    assert "[reminder that would be created: SCHEDULED_ABSOLUTE every day from " in out
    assert "T19:00:00 (America/New_York): 'Time for your knee routine." in out
    assert "You have one Knee Coach reminder: every day at 7 PM." in out


def test_chat_can_start_with_the_permission_granted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "said.txt"
    script.write_text("ask knee coach to remind me tomorrow at 8 am\nquit\n", encoding="utf-8")
    argv = ["chat", "--fast", "--grant-reminders", "--time-zone", "Europe/London"]
    assert cli.main([*argv, "--script", str(script)]) == 0
    out = capsys.readouterr().out
    assert "permission" not in out
    assert "I'll remind you tomorrow at 8 AM." in out
    assert "SCHEDULED_ABSOLUTE once from " in out and "(Europe/London)" in out


@pytest.mark.parametrize(("level", "warned"), [("INFO", True), ("ERROR", False)])
def test_chat_honours_the_log_level(tmp_path: Path, level: str, warned: bool) -> None:
    """A store that cannot be opened warns at INFO and WARNING, and is silent at ERROR."""
    import subprocess
    import sys

    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    script = tmp_path / "lines.txt"
    script.write_text("open knee coach\nhelp\n")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "KNEE_COACH_PERSISTENCE": "sqlite",
        "KNEE_COACH_SQLITE_PATH": str(blocker / "progress.db"),
        "KNEE_COACH_LOG_LEVEL": level,
    }
    done = subprocess.run(
        [sys.executable, "-m", "skill.cli", "chat", "--fast", "--script", str(script)],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert ("progress store get failed" in done.stderr) is warned, done.stderr


def test_chat_loads_neither_the_web_server_nor_its_extra(tmp_path: Path) -> None:
    """``make chat`` installs only the runtime: chat must not import ``serve`` (Tornado is in
    the ``web`` extra). A fresh clone's chat once failed on exactly this."""
    script = tmp_path / "lines.txt"
    script.write_text("open knee coach\nquit\n")
    code = (
        "import sys\n"
        "from skill import cli\n"
        f"cli.main(['chat', '--fast', '--script', {str(script)!r}])\n"
        "print([m for m in ('skill.web.serve', 'tornado', 'flask') if m in sys.modules])\n"
    )
    env = {**os.environ, "KNEE_COACH_PERSISTENCE": "none"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_serve_without_its_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "tornado.httpserver", None)  # as if not installed
    monkeypatch.delitem(sys.modules, "skill.web.serve", raising=False)
    with pytest.raises(SystemExit) as exited:
        cli.main(["serve", "--dev"])
    assert exited.value.code == 2
    assert "knee-coach[web]" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("locale", "lines", "said"),
    [
        (
            "de-DE",
            ["öffne knie coach", *["nein"] * 5, "rechts", "erinnere mich jeden Tag um 8 Uhr"],
            [
                "Try: öffne knie coach / nein",
                "Keine medizinische Beratung",
                "Technik 1 von 6: Außenseite ausstreichen.",
                "Erlaubst du Knie-Coach, Erinnerungen zu erstellen",
            ],
        ),
        (
            "es-MX",
            ["abre entrenador de rodillas", *["no"] * 5, "derecha", "recuérdame a las 8"],
            [
                "Try: abre entrenador de rodillas",
                "No es consejo médico",
                "Técnica 1 de 6: Deslizamiento externo.",
                "¿Das permiso a Entrenador de Rodillas",
            ],
        ),
    ],
)
def test_chat_speaks_the_locales_language_offline(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    locale: str,
    lines: list[str],
    said: list[str],
) -> None:
    """``knee-coach chat --locale de-DE`` (es-ES, es-MX, es-US) works like the English chat."""
    out = run_chat(tmp_path, [*lines, "quit"], capsys, "--locale", locale)
    for words in said:
        assert words in out, out
    assert "(heard: ChooseSideIntent side=" in out and "... 20 s ..." in out
