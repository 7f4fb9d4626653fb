#!/usr/bin/env python3
"""Write ``content/compiled.json``: the content as validated from its YAML, so cold starts skip
the YAML and the checks, and the routine lengths a first launch announces, worked out by the
coach, so they skip that too.

Run after editing anything in ``content/*.yaml``; ``tests/content/test_content_compiled.py`` fails
while the file is stale (the skill still works then, validating the YAML at start-up instead).

    .venv/bin/python scripts/compile_content.py [--check]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skill.coach.machine import launch_lengths
from skill.content.load import COMPILED_FILE, compile_content
from skill.settings import Settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--content-dir", type=Path, default=Settings().content_dir)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args()
    target = args.content_dir / COMPILED_FILE
    text = compile_content(args.content_dir, launch_lengths)
    current = target.read_text(encoding="utf-8") if target.exists() else None
    if args.check:
        if current != text:
            print(f"{target} is stale: run scripts/compile_content.py", file=sys.stderr)
            return 1
        return 0
    if current != text:
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
