"""In-process checks of the logging set-up and of how serve fits its connection cap."""

from __future__ import annotations

import io
import logging
import resource
from collections.abc import Iterator

import pytest

from skill.logs import configure_logging
from skill.web import serve


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    names = ("skill", "botocore")
    saved = (root.level, {n: logging.getLogger(n).level for n in names})
    try:
        yield
    finally:
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)


def _seen(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records]


def test_our_level_reaches_our_loggers_only(
    restored_logging: None, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging("debug")
    logging.getLogger("skill.store").debug("ours")
    logging.getLogger("botocore.endpoint").debug("theirs")
    logging.getLogger("botocore.endpoint").warning("their warning")
    assert _seen(caplog) == ["ours", "their warning"]
    configure_logging("DEBUG", ["botocore"])  # named: now it may speak
    logging.getLogger("botocore.endpoint").debug("asked for")
    assert _seen(caplog)[-1] == "asked for"


def test_one_handler_in_a_fresh_process_and_none_added_on_lambda(restored_logging: None) -> None:
    root = logging.getLogger()
    saved = root.handlers[:]
    out = io.StringIO()
    try:
        root.handlers = []  # a fresh interpreter: configure adds one stderr-style handler
        configure_logging("INFO", stream=out)
        configure_logging("INFO", stream=out)  # again (Lambda: the runtime's handler) adds none
        assert len(root.handlers) == 1
        logging.getLogger("skill.web").info("hello")
    finally:
        root.handlers = saved
    assert out.getvalue().strip().endswith("INFO skill.web: hello")


def test_an_unknown_level_is_info_with_a_warning(
    restored_logging: None, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging("LOUD")
    assert logging.getLogger("skill").level == logging.INFO
    assert "unknown log level 'LOUD'; using INFO" in _seen(caplog)


def test_the_connection_cap_fits_the_open_file_limit(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    limits = {"soft": 256, "hard": 4096}
    monkeypatch.setattr(resource, "getrlimit", lambda _: (limits["soft"], limits["hard"]))

    def setrlimit(_: int, values: tuple[int, int]) -> None:
        limits["soft"] = values[0]

    monkeypatch.setattr(resource, "setrlimit", setrlimit)
    assert serve.fit_connection_limit(1000) == 1000
    assert limits["soft"] == 1000 + serve.FD_HEADROOM  # raised to fit
    limits["soft"], limits["hard"] = 256, 512
    assert serve.fit_connection_limit(1000) == 512 - serve.FD_HEADROOM  # the hard limit wins
    assert "serving at most 448 connections" in caplog.text
