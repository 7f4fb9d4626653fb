"""Locale spelling for what is shown: "Cross-Fibre Friction" on a British card or screen.

Everything in ``content/`` is written in US spelling, and speech stays as it is (the words
sound the same). Cards and screens are read, so for en-GB, en-AU, en-IN and en-CA the shown
title and text use the locale's spelling, from the table in ``content/spellings.json``.
The table is read only when a request comes from a locale other than en-US.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from skill.settings import Settings
from skill.voice.reply import Reply

WRITTEN_IN = "en-US"
"""The locale whose spelling ``content/`` uses."""
TABLE_FILE = "spellings.json"


@lru_cache(maxsize=8)
def table(locale: str, content_dir: Path | None = None) -> dict[str, str]:
    """US spelling → this locale's spelling, lower case (empty for en-US and unknown locales)."""
    if locale == WRITTEN_IN:
        return {}
    path = (content_dir or Settings.from_env().content_dir) / TABLE_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    return dict(data.get("locales", {}).get(locale, {}))


def respell(text: str, words: dict[str, str]) -> str:
    """``text`` with each whole word in ``words`` (any case) spelled the other way."""
    if not words or not text:
        return text
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)

    def swap(found: re.Match[str]) -> str:
        word = found.group(0)
        other = words[word.lower()]
        if word.isupper():
            return other.upper()
        return other[0].upper() + other[1:] if word[0].isupper() else other

    return pattern.sub(swap, text)


def shown_in(reply: Reply, locale: str | None) -> Reply:
    """The reply with its card and screen text in ``locale``'s spelling (speech unchanged)."""
    words = table(locale or WRITTEN_IN)
    if not words:
        return reply
    view = reply.view
    shown = view._replace(title=respell(view.title, words), text=respell(view.text, words))
    return reply._replace(view=shown)
