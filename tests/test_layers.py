"""The package's layers stay true: imports point down, never in a circle, modules stay small.

``skill/`` is in folders that name its layers (docs/architecture.md draws them). A small walk
over every module's imports (at the top, inside functions and under ``TYPE_CHECKING`` alike:
each is a dependency a reader has to follow) checks the rules the layout promises, so a
change that breaks one fails here with the import named, not in a reader's head later.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from skill.settings import REPO_ROOT

PACKAGE = REPO_ROOT / "skill"

FOUNDATION = "foundation"
"""``skill/settings.py``, ``logs.py`` and ``record.py``: every layer may use them."""
TOP = "top"
"""``skill/cli.py``: the command, above every layer."""

MAY_IMPORT: dict[str, frozenset[str]] = {
    FOUNDATION: frozenset(),
    "content": frozenset({FOUNDATION}),
    "voice": frozenset({"content", FOUNDATION}),
    "store": frozenset({"voice", "content", FOUNDATION}),
    "coach": frozenset({"store", "voice", "content", FOUNDATION}),
    "alexa": frozenset({"coach", "store", "voice", "content", FOUNDATION}),
    "web": frozenset({"alexa", "coach", "store", "voice", "content", FOUNDATION}),
    "local": frozenset({"alexa", "coach", "store", "voice", "content", FOUNDATION}),
    TOP: frozenset({"web", "local", "alexa", "coach", "store", "voice", "content", FOUNDATION}),
}
"""Each layer and the layers below it that it may import (its own is always allowed)."""

LOOSE_MODULES_AT_MOST = 8
LINES_AT_MOST = 500
NOT_IN_THE_COACH = (
    "ask_sdk_core",
    "ask_sdk_model",
    "ask_sdk_runtime",
    "sqlite3",
    "boto3",
    "botocore",
)
"""The coach is pure: neither the ASK SDK nor a store, however indirectly."""


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) >= 2 and (PACKAGE / parts[1]).is_dir():
        return parts[1]
    if module == "skill.cli":
        return TOP
    return FOUNDATION


@cache
def imports_of(module: str) -> tuple[tuple[str, int], ...]:
    """Every module (ours or not) that ``module`` imports anywhere in its code, with the line."""
    path = modules()[module]
    found: list[tuple[str, int]] = []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.append((submodule if submodule in modules() else base, node.lineno))
    return tuple(found)


def our_imports(module: str) -> set[str]:
    return {name for name, _ in imports_of(module) if name in modules() and name != module}


def test_the_walk_sees_every_layer_and_the_imports_between_them() -> None:
    """The walk itself works: it finds the folders and a known import between layers."""
    assert {layer_of(m) for m in modules()} == set(MAY_IMPORT)
    assert "skill.coach.state" in our_imports("skill.alexa.handlers")
    assert "skill.content.records" in our_imports("skill.coach.state")


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"{module} (line {line}, {layer_of(module)}) imports {name} ({layer_of(name)})"
        for module in modules()
        for name, line in imports_of(module)
        if name in modules()
        and layer_of(name) != layer_of(module)
        and layer_of(name) not in MAY_IMPORT[layer_of(module)]
    ]
    assert upward == []


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle in ``graph`` (as the path that closes it), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (circle := visit(nxt)) is not None:
                return circle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (circle := visit(start)) is not None:
            return circle
    return None


def test_find_circle_finds_one() -> None:
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": set(), "c": {"a"}}) is None


def test_no_import_circle() -> None:
    graph = {module: our_imports(module) for module in modules()}
    assert find_circle(graph) is None


def test_few_modules_stay_loose_in_the_package() -> None:
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(loose) <= LOOSE_MODULES_AT_MOST, loose


@pytest.mark.parametrize("module", sorted(modules()))
def test_no_module_passes_the_size_a_reader_can_hold(module: str) -> None:
    lines = len(modules()[module].read_text(encoding="utf-8").splitlines())
    assert lines <= LINES_AT_MOST, f"{module}: {lines} lines; split it along its concerns"


@pytest.mark.parametrize("package", sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py")))
def test_each_layer_says_what_it_is_and_stays_light(package: str) -> None:
    """A paragraph saying what the layer is, may import and is imported by; no code, since
    importing any module of a layer runs its ``__init__`` on the cold path."""
    tree = ast.parse((PACKAGE / package / "__init__.py").read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree) or ""
    assert "import" in doc and len(doc.split()) >= 25, doc
    assert len(tree.body) == 1, "only the docstring"


def coach_closure() -> set[str]:
    """Every module the coach's modules import, ours and not, following ours transitively."""
    todo = [m for m in modules() if layer_of(m) == "coach"]
    seen: set[str] = set()
    outside: set[str] = set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for name, _ in imports_of(module):
            if name in modules():
                todo.append(name)
            else:
                outside.add(name)
    return outside


def test_the_coach_imports_neither_the_sdk_nor_a_store_however_indirectly() -> None:
    forbidden = sorted(name for name in coach_closure() if name.split(".")[0] in NOT_IN_THE_COACH)
    assert forbidden == []


def test_importing_the_whole_coach_loads_neither_the_sdk_nor_a_store() -> None:
    """The same, as the interpreter sees it: every coach module imported in a fresh process."""
    coach = sorted(m for m in modules() if layer_of(m) == "coach")
    script = (
        "import importlib, json, sys\n"
        f"for name in {coach!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
        timeout=60,
    )
    loaded = json.loads(done.stdout)
    assert [m for m in loaded if m.split(".")[0] in NOT_IN_THE_COACH] == []
