"""The ``knee-coach`` command: the chat a newcomer runs first, and how ``serve`` is wired."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skill import chat, cli

SAFETY_NOS = ["no"] * 5


def run_chat(tmp_path: Path, lines: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    script = tmp_path / "said.txt"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli.main(["chat", "--fast", "--script", str(script)]) == 0
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
    assert "Sorry, I didn't catch that. You can say yes, no, or what does that mean." in out


def test_quitting_mid_routine_and_starting_again_goes_on_after_what_was_heard(
    tmp_path: Path, sqlite_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--fast`` plays each reply to its end, so step 4 was heard: the next session goes on."""
    first = run_chat(tmp_path, ["open knee coach", *SAFETY_NOS, "right", "next", "quit"], capsys)
    assert "Keep the pressure gentle and steady." in first
    second = run_chat(tmp_path, ["open knee coach", "no", "quit"], capsys)
    assert "Welcome back. We'll go on at step 1 of Thigh Tapping." in second
    assert "Technique 2 of 6: Thigh Tapping." in second
    assert "Keep the pressure gentle and steady." not in second
    assert sqlite_store.exists()


def test_show_waits_out_each_pause_and_speaks_each_piece() -> None:
    from skill.simulator import Turn

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


def test_serve_builds_the_verified_app_and_stops_cleanly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    created: dict[str, Any] = {}

    class FakeServer:
        effective_host, effective_port = "127.0.0.1", 5555

        def run(self) -> None:
            raise KeyboardInterrupt

        def close(self) -> None:
            created["closed"] = True

    def create_server(app: Any, **options: Any) -> FakeServer:
        created.update(app=app, **options)
        return FakeServer()

    import waitress.server

    import skill.web

    real_create_app = skill.web.create_app

    def create_app(settings: Any) -> Any:
        created["settings"] = settings
        return real_create_app(settings)

    monkeypatch.setattr(waitress.server, "create_server", create_server)
    monkeypatch.setattr(skill.web, "create_app", create_app)
    assert cli.main(["serve", "--port", "0", "--workers", "2"]) == 0
    assert created["threads"] == 2 and created["port"] == 0 and created["closed"]
    assert created["settings"].verify_requests is True  # verification is on unless --dev
    assert created["app"].url_map.bind("localhost").match("/healthz")
    assert "listening on http://127.0.0.1:5555/" in capsys.readouterr().out


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
