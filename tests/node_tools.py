"""Running the Node test tools in tests/node (Amazon's APL linter, the SSML checker).

Each tool reads one JSON document on stdin and writes one on stdout; a test hands it a batch
at once, so one node process checks everything.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

NODE = shutil.which("node")
NODE_DIR = Path(__file__).parent / "node"


def run_node_tool(script: str, package: str, payload: Any) -> Any:
    """``tests/node/<script>``'s JSON answer for ``payload``; ``package`` is the npm package it
    needs (the test fails, naming the install command, when it is missing)."""
    assert NODE is not None, "callers skip when node is not installed"
    if not (NODE_DIR / "node_modules" / package).is_dir():
        pytest.fail(f"{package} is not installed: run `npm ci --prefix tests/node`")
    done = subprocess.run(
        [NODE, str(NODE_DIR / script)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
