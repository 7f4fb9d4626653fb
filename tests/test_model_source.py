"""models/utterances.yaml as a source: its pattern grammar, and the build's refusals.

Each refusal is checked on a copy of the repository with one entry changed, so the message a
person editing the file would see is the one asserted: it names the entries to fix.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from skill.settings import REPO_ROOT

SCRIPTS = REPO_ROOT / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import sample_grammar  # noqa: E402
from sample_grammar import GrammarError, expand  # noqa: E402

GROUPS = {
    "degree": ["a bit", "a little [bit]", "quite"],
    "sore": ["sore", "tender", "achy"],
    "moment": ["(second | sec | moment)"],
    "loop": ["<loop> again"],
}


# --------------------------------------------------------------------------- the grammar


@pytest.mark.parametrize(
    ("pattern", "samples"),
    [
        ("start my routine", ["start my routine"]),
        ("(hang | hold) on", ["hang on", "hold on"]),
        ("[just] wait", ["just wait", "wait"]),
        (
            "(hang | hold) on [a <moment>]",
            [
                "hang on a second",
                "hang on a sec",
                "hang on a moment",
                "hang on",
                "hold on a second",
                "hold on a sec",
                "hold on a moment",
                "hold on",
            ],
        ),
        ("my {side} (knee | leg)", ["my {side} knee", "my {side} leg"]),
        ("it's [<degree>] sore", ["it's a bit sore", "it's a little bit sore",
                                  "it's a little sore", "it's quite sore", "it's sore"]),
        ("[(stop | ouch)] it hurts", ["stop it hurts", "ouch it hurts", "it hurts"]),
    ],
)  # fmt: skip
def test_patterns_expand_to_every_phrasing_in_order(pattern: str, samples: list[str]) -> None:
    assert expand(pattern, GROUPS, "here") == samples


def test_a_group_and_a_degree_multiply() -> None:
    found = expand("my knee is [<degree>] <sore>", GROUPS, "here")
    assert len(found) == (4 + 1) * 3
    assert "my knee is a little bit tender" in found and "my knee is achy" in found


@pytest.mark.parametrize(
    ("pattern", "complaint"),
    [
        ("a | b", "choices at the top need ( )"),
        ("(a | ) b", "empty choice in ( )"),
        ("(a b", "never closed"),
        ("a ) b", "closes nothing"),
        ("[a] [a]", "gives 'a' twice"),
        ("(wait | wait)", "gives 'wait' twice"),
        ("<nope> sore", "<nope> is not listed under groups"),
        ("<loop>", "<loop> refers to itself"),
        ("[a]", "can stand for nothing"),
        ("it's <Sore>", "'<' is not part of a sample or of the grammar"),
        ("(b | c) (d | e) (f | g) (h | i) (j | k) (l | m) (n | o) (p | q) (r | s)", "512 samples"),
    ],
)
def test_patterns_that_cannot_be_read_are_refused_with_the_reason(
    pattern: str, complaint: str
) -> None:
    with pytest.raises(GrammarError, match=r"^here[: ]") as refused:
        expand(pattern, GROUPS, "here")
    assert complaint in str(refused.value)


def test_a_pattern_must_be_text() -> None:
    with pytest.raises(GrammarError, match="quoted string"):
        expand(True, GROUPS, "here")  # type: ignore[arg-type]  # YAML's reading of a bare yes


def test_the_rules_take_any_language_s_letters_but_not_capitals_or_marks() -> None:
    """A German or Spanish file is checked by the same rules as the English one."""
    import model_samples

    entry = model_samples.Entry("X", "here", "p")
    for sample in ("über das knie", "me duele la rodilla", "i'm done", "the {side} knee"):
        model_samples._check_sample(entry, sample, {"side": "KNEE_SIDE"}, "f")
    for sample in ("Über das knie", "go to step 3", "what's next?", "stop, it hurts"):
        with pytest.raises(model_samples.SampleError, match="sample rules"):
            model_samples._check_sample(entry, sample, {}, "f")


def test_groups_used_follows_groups_into_groups() -> None:
    groups = {"a": ["<b> x"], "b": ["y"], "c": ["z"]}
    assert sample_grammar.groups_used(["<a> sore"], groups) == {"a", "b"}


def test_the_grammar_knows_no_words_of_any_language() -> None:
    """German and Spanish files use the same grammar: every word comes from the file."""
    source = (SCRIPTS / "sample_grammar.py").read_text(encoding="utf-8")
    code = source.split('"""', 2)[2]  # past the module docstring and its examples
    for word in ("second", "moment", "sore", "knee", "please", "just"):
        assert f'"{word}' not in code and f"'{word}" not in code, word


# --------------------------------------------------------------------------- the build


def _generator() -> ModuleType:
    path = SCRIPTS / "build_interaction_models.py"
    spec = importlib.util.spec_from_file_location("build_interaction_models", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    for folder in ("models", "content", "interaction_models"):
        shutil.copytree(REPO_ROOT / folder, tmp_path / folder)
    return tmp_path


def _edit(root: Path, old: str, new: str) -> None:
    path = root / "models" / "utterances.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _refusal(root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert _generator().main(["--check", "--root", str(root)]) == 2
    return capsys.readouterr().err


def test_a_sample_listed_twice_names_both_entries(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(repo_copy, "  WHERE_AM_I:\n", "  WHERE_AM_I:\n    - where am i\n")
    err = _refusal(repo_copy, capsys)
    assert "WhereAmIIntent: 'where am i' is listed twice" in err
    assert "intents.WHERE_AM_I[0]" in err


def test_a_sample_claimed_by_two_intents_names_both(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(repo_copy, "  WHERE_AM_I:\n", "  WHERE_AM_I:\n    - (help | assist) me\n")
    err = _refusal(repo_copy, capsys)
    assert "'help me' is claimed by two intents" in err
    assert "WhereAmIIntent (intents.WHERE_AM_I[0] '(help | assist) me')" in err
    assert "AMAZON.HelpIntent (intents.HELP[" in err


def test_a_slot_value_that_is_another_intents_sample_is_refused(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'the {side} one' filled with 'right' must not be another intent's 'the right one'."""
    _edit(repo_copy, "  WHERE_AM_I:\n", "  WHERE_AM_I:\n    - the right one\n")
    err = _refusal(repo_copy, capsys)
    assert "'the right one' is claimed by two intents" in err
    assert "with side = 'right'" in err


def test_a_group_nobody_uses_is_refused(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (repo_copy / "models" / "utterances.yaml").read_text(encoding="utf-8")
    if "\ngroups:\n" in text:
        _edit(repo_copy, "\ngroups:\n", "\ngroups:\n  unused_words: [spare]\n")
    else:
        _edit(repo_copy, "\nintents:\n", "\ngroups:\n  unused_words: [spare]\n\nintents:\n")
    assert "groups: never used: ['unused_words']" in _refusal(repo_copy, capsys)


def test_an_intent_given_twice_is_refused_not_silently_merged(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Plain YAML would keep the second WHERE_AM_I list and drop the first without a word."""
    _edit(repo_copy, "  WHERE_AM_I:\n", "  WHERE_AM_I: [how far along are we now]\n  WHERE_AM_I:\n")
    assert "'WHERE_AM_I' is given twice" in _refusal(repo_copy, capsys)


def test_a_pattern_error_names_the_entry(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(repo_copy, "  WHERE_AM_I:\n", "  WHERE_AM_I:\n    - (how far | how long\n")
    err = _refusal(repo_copy, capsys)
    assert "intents.WHERE_AM_I[0]: '(how far | how long': '(' is never closed" in err


def test_a_model_past_alexas_size_limit_is_refused(
    repo_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    generator = _generator()
    monkeypatch.setattr(sys.modules["model_samples"], "MAX_MODEL_BYTES", 10_000)
    assert generator.main(["--check", "--root", str(repo_copy)]) == 2
    assert "bytes, over Alexa's 10000" in capsys.readouterr().err


@pytest.mark.parametrize(
    "locale", ["en-US", "en-GB", "en-CA", "en-AU", "en-IN", "es-ES", "es-MX", "es-US"]
)
def test_the_shipped_models_are_within_alexas_limits_with_room_to_grow(locale: str) -> None:
    path = REPO_ROOT / "interaction_models" / f"{locale}.json"
    size = len(path.read_bytes())
    model: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    language = model["interactionModel"]["languageModel"]
    assert size < 1_500_000 / 2, size  # half of Alexa's 1.5 MB: German and Spanish come next
    assert len(language["intents"]) + len(language["types"]) <= 350
    assert max(len(s) for i in language["intents"] for s in i["samples"]) <= 200
