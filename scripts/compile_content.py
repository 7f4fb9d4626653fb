#!/usr/bin/env python3
"""Write each language's ``content/<language>/cldr.json`` and ``compiled.json``.

``cldr.json`` is what the skill needs of CLDR for the language, taken through Babel: the plural
category of each whole number (so "1 Minute" / "2 Minuten" come from the language's own rules,
never a hand-written ``n == 1``), how a list is joined ("A, B y C") and what each hour of the
day is called ("de la tarde"). Babel is large, so it is used only here, at build time: the
skill reads the JSON, and neither the Lambda zip nor a cold start carries Babel.

``compiled.json`` is the language's content as validated from its YAML (and its locales'
differences), so cold starts skip the YAML and the checks, with the routine lengths a first
launch announces, worked out by the coach, so they skip that too. Every language but English
is also checked against English: the same techniques and holds, questions, topics and
placeholders (:func:`skill.content.validate.check_against`).

Run after editing anything in ``content/``; ``tests/content/test_content_compiled.py`` fails
while a file is stale (the skill still works then, validating the YAML at start-up instead).

    .venv/bin/python scripts/compile_content.py [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skill.coach.machine import launch_lengths
from skill.content.files import CLDR_FILE, COMPILED_FILE
from skill.content.load import FALLBACK_LANGUAGE, compile_content, read_document
from skill.content.validate import check_against
from skill.settings import Settings

PLURAL_UPTO = 200
"""The plural table covers 0-200; larger numbers follow their last two digits (see Language)."""


def languages(content_dir: Path) -> list[str]:
    """Every language folder (one with a language.yaml), English first."""
    found = sorted(p.parent.name for p in content_dir.glob("*/language.yaml"))
    return sorted(found, key=lambda code: code != FALLBACK_LANGUAGE)


def cldr_data(code: str) -> dict[str, Any]:
    """The CLDR data a language needs, from Babel (build time only)."""
    import datetime

    from babel import Locale
    from babel.dates import get_period_id, get_period_names

    locale = Locale.parse(code)
    categories = [locale.plural_form(n) for n in range(PLURAL_UPTO + 1)]
    runs = [[n, c] for n, c in enumerate(categories) if n == 0 or categories[n - 1] != c]
    lists = {k: str(v) for k, v in dict(locale.list_patterns["standard"]).items()}
    wide = get_period_names("wide", "format", locale=locale)
    short = get_period_names("abbreviated", "format", locale=locale)
    periods = []
    for hour in range(24):
        period = get_period_id(datetime.time(hour), type="selection", locale=locale)
        periods.append(str(wide.get(period) or short.get(period) or ""))
    return {
        "comment": f"CLDR data for {code!r} from Babel, written by scripts/compile_content.py.",
        "babel_cldr": str(getattr(__import__("babel"), "__version__", "")),
        "plural_runs": runs,
        "plural_upto": PLURAL_UPTO,
        "lists": lists,
        "day_periods": periods,
    }


def cldr_text(code: str) -> str:
    data = cldr_data(code)
    data.pop("babel_cldr")  # the data, not which Babel made it, decides whether it is stale
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--content-dir", type=Path, default=Settings().content_dir)
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is stale")
    args = parser.parse_args()
    stale = []
    codes = languages(args.content_dir)
    reference = None
    for code in codes:
        folder = args.content_dir / code
        outputs = []
        try:
            outputs.append((folder / CLDR_FILE, cldr_text(code)))
        except ImportError:  # no Babel: the committed CLDR data stands (it is data, not code)
            print("babel is not installed: CLDR data not checked", file=sys.stderr)
        for target, text in outputs:
            stale += _write(target, text, args.check)
        document = read_document(folder)
        if code == FALLBACK_LANGUAGE:
            reference = document["content"]
        elif reference is not None:
            check_against(document["content"], reference, str(folder.name))
        stale += _write(folder / COMPILED_FILE, compile_content(folder, launch_lengths), args.check)
    if stale:
        names = ", ".join(str(p) for p in stale)
        print(f"{names} stale: run scripts/compile_content.py", file=sys.stderr)
        return 1
    return 0


def _write(target: Path, text: str, check: bool) -> list[Path]:
    current = target.read_text(encoding="utf-8") if target.exists() else None
    if current == text:
        return []
    if check:
        return [target]
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return []


if __name__ == "__main__":
    sys.exit(main())
