"""The SDK adapters' last line of defence: a failure still speaks, and logs nothing personal."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from skill.coach import machine as coach
from skill.content.records import Content
from skill.local.envelopes import Session


def test_a_failure_speaks_sorry_and_logs_no_message(
    handler: Any,
    content: Content,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    said = "".join(["I have ", "osteo", "porosis"])  # kept out of the source lines in the stack

    def explode(*_: Any) -> Any:
        raise ValueError(f"the person said: {said}")

    monkeypatch.setattr(coach, "handle", explode)
    with caplog.at_level(logging.DEBUG):
        response = handler(Session().launch(), None)["response"]
    assert content.prompt("error") in response["outputSpeech"]["ssml"]
    assert "something went wrong" not in response["outputSpeech"]["ssml"]  # certification
    assert response["shouldEndSession"] is False and response["reprompt"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "ValueError" in logged and "explode" in logged  # type and stack, for the developer
    assert "osteoporosis" not in logged  # never the message, which may quote the person
