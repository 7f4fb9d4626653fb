"""content/compiled.json: fresh, equal to the YAML, ignored where stale; a lean request path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from skill.coach import handle, launch_lengths, routine_steps
from skill.content import (
    COMPILED_FILE,
    SOURCE_FILES,
    ContentError,
    compile_content,
    load_content,
)
from skill.settings import Settings
from skill.state import Event, On, State

CONTENT = Settings().content_dir


def _copy(tmp_path: Path, with_compiled: bool) -> Path:
    target = tmp_path / "content"
    target.mkdir(parents=True)
    names = [*SOURCE_FILES, COMPILED_FILE] if with_compiled else list(SOURCE_FILES)
    for name in names:
        shutil.copy(CONTENT / name, target / name)
    return target


def test_committed_compiled_file_matches_the_yaml() -> None:
    """Also the lengths a first launch announces: the coach's own answers for this content."""
    committed = (CONTENT / COMPILED_FILE).read_text(encoding="utf-8")
    assert committed == compile_content(CONTENT, launch_lengths), (
        "content/compiled.json is stale: run make generate"
    )


def test_a_first_launch_announces_a_worked_out_length_without_playing_the_routine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content = load_content(CONTENT)
    assert len(content.lengths) == 1 + len(content.routines)  # opening, and each one-shot

    def refuse(*_: object) -> float:
        raise AssertionError("played the routine through to work out a length")

    monkeypatch.setattr(routine_steps, "_play_to_end", refuse)
    for event in (Event(On.LAUNCH), Event(On.START, "quick")):
        _, reply = handle(content, State(), event)
        assert "minutes for one knee" in reply.text


def test_lengths_made_from_other_sources_are_not_used(tmp_path: Path) -> None:
    directory = _copy(tmp_path, with_compiled=True)
    assert load_content(directory).lengths
    path = directory / "prompts.yaml"
    path.write_text(path.read_text() + "\n")  # same content, another version of the file
    assert load_content(directory).lengths == {}


def test_compiled_and_yaml_load_the_same_content(tmp_path: Path) -> None:
    from_yaml = load_content(_copy(tmp_path / "a", with_compiled=False))
    from_compiled = load_content(_copy(tmp_path / "b", with_compiled=True))
    # The compiled file also carries worked-out lengths, which YAML alone leaves to the coach.
    assert from_compiled._replace(lengths={}) == from_yaml


def test_a_stale_entry_is_ignored_for_the_edited_file(tmp_path: Path) -> None:
    directory = _copy(tmp_path, with_compiled=True)
    path = directory / "techniques.yaml"
    original = load_content(directory).techniques[0].name
    path.write_text(path.read_text().replace(original, "Renamed Glide", 1))
    assert load_content(directory).techniques[0].name == "Renamed Glide"


def test_a_broken_compiled_file_falls_back_to_yaml(tmp_path: Path) -> None:
    directory = _copy(tmp_path, with_compiled=True)
    (directory / COMPILED_FILE).write_text("{not json")
    assert load_content(directory) == load_content(CONTENT)._replace(lengths={})


def test_a_stale_file_that_is_not_yaml_is_named(tmp_path: Path) -> None:
    directory = _copy(tmp_path, with_compiled=True)
    (directory / "topics.yaml").write_text("topics: [unclosed\n")
    with pytest.raises(ContentError, match=r"topics\.yaml: not valid YAML"):
        load_content(directory)
