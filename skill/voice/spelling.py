"""Locale spelling for what is shown: "Cross-Fibre Friction" on a British card or screen.

English content is written in US spelling, and speech stays as it is (the words sound the
same). Cards and screens are read, so for en-GB, en-AU, en-IN and en-CA the shown title and
text use the locale's spelling, from the ``spellings`` of its ``content/<locale>/locale.yaml``
(:attr:`skill.content.records.Content.spellings`). Any language's locale may have one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from skill.voice.reply import Reply


def respell(text: str, words: Mapping[str, str]) -> str:
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


def shown_in(reply: Reply, words: Mapping[str, str]) -> Reply:
    """The reply with its card and screen text spelled with ``words`` (speech unchanged)."""
    if not words:
        return reply
    view = reply.view
    shown = view._replace(title=respell(view.title, words), text=respell(view.text, words))
    return reply._replace(view=shown)
