"""Every APL document the skill sends passes Amazon's own linter with zero findings.

``apl-suggester`` (npm, ``StaticAplTemplateValidator``) is the validator behind the APL
authoring tool in the developer console. It knows which properties each component has and
which sizes a parent must give a child, mistakes a device silently ignores (a dropped
background colour, a bar that never draws). ``tests/node/apl_lint.js`` runs it; this test
feeds it every APL document in ``content/apl/`` and the document as the skill really sends it.

``content/apl/cue.json`` is APL for audio (``APLA``), which the validator does not know; its
shape is checked in ``tests/test_apl.py`` instead.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from node_tools import NODE, run_node_tool

from skill.alexa import apl
from skill.voice.reply import Reply, Say, View

APL_DIR = Path(__file__).resolve().parents[2] / "content" / "apl"

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


def lint(documents: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """apl-suggester's findings for each named document (one node process for all)."""
    results: dict[str, list[dict[str, Any]]] = run_node_tool(
        "apl_lint.js", "apl-suggester", documents
    )
    assert set(results) == set(documents)
    return results


def apl_documents() -> dict[str, Any]:
    """Every APL (not APL for audio) document in content/apl/."""
    found = {}
    for path in sorted(APL_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("type") == "APL":
            found[path.name] = data
    return found


def test_every_apl_document_lints_clean() -> None:
    documents = apl_documents()
    assert "document.json" in documents
    sent = apl.directives(
        Reply((Say("Hold."),), "Say next.", View("step", "Knee Friction", "Rub gently.", 1, 6))
    )
    documents["as sent"] = json.loads(json.dumps(sent[0].document))
    findings = {name: found for name, found in lint(documents).items() if found}
    assert not findings, json.dumps(findings, indent=1)


def test_the_linter_reports_the_mistakes_it_is_here_for() -> None:
    """The bridge works: the three mistakes this document once had are each reported."""
    broken = copy.deepcopy(apl_documents()["document.json"])
    root = broken["mainTemplate"]["items"][0]
    inner = root["item"]
    inner["backgroundColor"] = "@background"  # not a Container property
    progress = next(i for i in inner["items"] if i.get("description", "").startswith("Where"))
    progress.pop("width")  # a 100% Frame inside an auto-width parent
    body = next(i for i in inner["items"] if i.get("direction") == "@bodyDirection")
    body["items"][0]["height"] = "100%"  # a 100% ScrollView inside an auto-height parent
    messages = " | ".join(f["errorMessage"] for f in lint({"broken": broken})["broken"])
    assert "backgroundColor" in messages
    assert "Frame width" in messages
    assert "ScrollView height" in messages
