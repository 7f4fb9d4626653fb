"""content/<language>/compiled.json: fresh, equal to the YAML, ignored where stale; lean to load."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from skill.coach import routine_length
from skill.coach.events import Event, On
from skill.coach.machine import handle, launch_lengths
from skill.coach.state import State
from skill.content import validate
from skill.content.files import COMPILED_FILE, SOURCE_FILES
from skill.content.load import compile_content, load_content, read_yaml_content
from skill.content.validate import ContentError
from skill.settings import Settings

CONTENT = Settings().content_dir
LANGUAGES = sorted(p.parent.name for p in CONTENT.glob("*/language.yaml"))


def _copy(tmp_path: Path, with_compiled: bool) -> Path:
    """A copy of the content folder; the English files are then in ``<copy>/en``."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    if not with_compiled:
        for compiled in target.glob(f"*/{COMPILED_FILE}"):
            compiled.unlink()
    return target


def _refuse_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("read the YAML although the compiled content was current")

    monkeypatch.setattr(validate, "read_content", refuse)


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_compiled_file_matches_the_yaml(language: str) -> None:
    """Also the lengths a first launch announces: the coach's own answers for this content."""
    committed = (CONTENT / language / COMPILED_FILE).read_text(encoding="utf-8")
    assert committed == compile_content(CONTENT / language, launch_lengths), (
        f"content/{language}/compiled.json is stale: run make generate"
    )


def test_every_yaml_file_of_a_language_is_stamped_and_validated() -> None:
    # one list serves the loader (its stamps) and the validator (what it reads): a YAML file
    # left out of it would be neither checked nor noticed when it changes
    for language in ("en", "de", "es"):
        assert {p.name for p in (CONTENT / language).glob("*.yaml")} == set(SOURCE_FILES)
    assert validate.SOURCE_FILES is SOURCE_FILES


def test_current_compiled_content_is_loaded_without_the_yaml_reader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _refuse_yaml(monkeypatch)
    assert load_content(CONTENT).techniques


def test_compiled_and_yaml_load_the_same_content() -> None:
    from_compiled = load_content(CONTENT)
    # The compiled file also carries worked-out lengths, which YAML alone leaves to the coach.
    assert from_compiled._replace(lengths={}) == read_yaml_content(CONTENT)
    assert from_compiled.lengths == launch_lengths(from_compiled)


def test_routines_share_the_techniques_records() -> None:
    content = load_content(CONTENT)
    for routine in content.routines:
        for item in routine.items:
            assert item.technique is content.technique(item.technique.id)


def test_a_first_launch_announces_a_worked_out_length_without_playing_the_routine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content = load_content(CONTENT)
    assert len(content.lengths) == 1 + len(content.routines)  # opening, and each one-shot

    def refuse(*_: object) -> float:
        raise AssertionError("played the routine through to work out a length")

    monkeypatch.setattr(routine_length, "_play_to_end", refuse)
    for event in (Event(On.LAUNCH), Event(On.START, "quick")):
        _, reply = handle(content, State(), event)
        assert "minutes for one knee" in reply.text


def test_any_edited_source_makes_the_content_load_from_the_yaml(tmp_path: Path) -> None:
    directory = _copy(tmp_path, with_compiled=True)
    assert load_content(directory).lengths
    path = directory / "en" / "prompts.yaml"
    path.write_text(path.read_text() + "\n")  # same content, another version of the file
    assert load_content(directory).lengths == {}  # from YAML: the coach works lengths out


def test_an_edit_to_the_yaml_is_what_loads(tmp_path: Path) -> None:
    directory = _copy(tmp_path, with_compiled=True)
    path = directory / "en" / "techniques.yaml"
    original = load_content(directory).techniques[0].name
    path.write_text(path.read_text().replace(original, "Renamed Glide", 1))
    assert load_content(directory).techniques[0].name == "Renamed Glide"


@pytest.mark.parametrize(
    "breakage",
    [
        "{not json",
        "[]",
        '{"sources": "SOURCES"}',
        '{"sources": "SOURCES", "content": {"techniques": [{"id": "x"}]}}',
        '{"sources": "SOURCES", "content": []}',
    ],
)
def test_a_broken_compiled_file_falls_back_to_yaml(tmp_path: Path, breakage: str) -> None:
    directory = _copy(tmp_path, with_compiled=True)
    stamps = json.loads((directory / "en" / COMPILED_FILE).read_text())["sources"]
    (directory / "en" / COMPILED_FILE).write_text(breakage.replace("SOURCES", stamps))
    assert load_content(directory) == load_content(CONTENT)._replace(lengths={})


def test_malformed_lengths_are_dropped_not_trusted(tmp_path: Path) -> None:
    directory = _copy(tmp_path, with_compiled=True)
    document = json.loads((directory / "en" / COMPILED_FILE).read_text())
    document["lengths"] = {"good": 60, "zero": 0, "text": "long", "flag": True}
    (directory / "en" / COMPILED_FILE).write_text(json.dumps(document))
    assert load_content(directory).lengths == {"good": 60.0}


def test_without_a_compiled_file_the_yaml_is_read(tmp_path: Path) -> None:
    directory = _copy(tmp_path, with_compiled=False)
    assert load_content(directory) == load_content(CONTENT)._replace(lengths={})


def test_a_stale_file_that_is_not_yaml_is_named(tmp_path: Path) -> None:
    directory = _copy(tmp_path, with_compiled=True)
    (directory / "en" / "topics.yaml").write_text("topics: [unclosed\n")
    with pytest.raises(ContentError, match=r"topics\.yaml: not valid YAML"):
        load_content(directory)


def test_a_missing_source_is_named_even_with_a_compiled_file(tmp_path: Path) -> None:
    directory = _copy(tmp_path, with_compiled=True)
    (directory / "en" / "routines.yaml").unlink()
    with pytest.raises(ContentError, match=r"routines\.yaml: file is missing"):
        load_content(directory)


def test_loading_compiled_content_imports_neither_yaml_nor_the_validator() -> None:
    """The cold path: what a Lambda start loads (tests/test_cold_path.py covers the rest)."""
    import subprocess

    code = (
        "import sys; from skill.content.load import load_content; from pathlib import Path; "
        f"load_content(Path({str(CONTENT)!r})); "
        "print(sorted(m for m in ('yaml', 'skill.content.validate') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
