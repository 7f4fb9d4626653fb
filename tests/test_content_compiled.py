"""content/compiled.json: fresh, equivalent to the YAML, and ignored wherever it is stale."""

from __future__ import annotations

import shutil
from pathlib import Path

from skill.content import COMPILED_FILE, SOURCE_FILES, compile_content, load_content
from skill.settings import Settings

CONTENT = Settings().content_dir


def _copy(tmp_path: Path, with_compiled: bool) -> Path:
    target = tmp_path / "content"
    target.mkdir(parents=True)
    names = [*SOURCE_FILES, COMPILED_FILE] if with_compiled else list(SOURCE_FILES)
    for name in names:
        shutil.copy(CONTENT / name, target / name)
    return target


def test_committed_compiled_file_matches_the_yaml() -> None:
    committed = (CONTENT / COMPILED_FILE).read_text(encoding="utf-8")
    assert committed == compile_content(CONTENT), (
        "content/compiled.json is stale: run .venv/bin/python scripts/compile_content.py"
    )


def test_compiled_and_yaml_load_the_same_content(tmp_path: Path) -> None:
    from_yaml = load_content(_copy(tmp_path / "a", with_compiled=False))
    from_compiled = load_content(_copy(tmp_path / "b", with_compiled=True))
    assert from_compiled == from_yaml


def test_a_stale_entry_is_ignored_for_the_edited_file(tmp_path: Path) -> None:
    directory = _copy(tmp_path, with_compiled=True)
    path = directory / "techniques.yaml"
    original = load_content(directory).techniques[0].name
    path.write_text(path.read_text().replace(original, "Renamed Glide", 1))
    assert load_content(directory).techniques[0].name == "Renamed Glide"


def test_a_broken_compiled_file_falls_back_to_yaml(tmp_path: Path) -> None:
    directory = _copy(tmp_path, with_compiled=True)
    (directory / COMPILED_FILE).write_text("{not json")
    assert load_content(directory) == load_content(CONTENT)
