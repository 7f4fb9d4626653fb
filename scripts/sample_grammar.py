"""The sample patterns of ``models/utterances.yaml``: how people talk, written once, expanded.

A sample in the source file is a pattern. Most are plain ("start my routine"): a plain
sample is a pattern with exactly one expansion, itself. Four marks (none of them allowed in
an Alexa sample, so a plain sample can never be misread) write many phrasings at once:

    (a | b | c)   one of the choices                 (hang | hold) on
    [a | b]       one of the choices, or nothing     [just] wait [a second]
    <name>        one phrase of the group ``name``   my knee is [<degree>] <sore>
    {slot}        a slot, left for Alexa as it is    the {side} knee

Choices may hold several words and nest: ``[a (second | sec | moment)]``. Groups are
listed under ``groups:`` in the same file, each a list of patterns, so a file per language
carries its own words and this grammar carries none. Expansion is plain text: ``{slot}`` and
words pass through untouched, and Alexa's rules for the result are checked by the caller.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import NoReturn

MAX_EXPANSIONS = 400
"""One pattern may stand for at most this many samples: past it, a pattern is a typo (a
group in the wrong place) or should be split so a reader can still see what it says."""

_TOKEN = re.compile(
    r"\s*(?:(?P<mark>[()\[\]|])|<(?P<group>[a-z_]+)>|(?P<word>[^\s()\[\]|<>]+)|(?P<bad>\S))"
)


_GROUP_REF = re.compile(r"<([a-z_]+)>")


class GrammarError(ValueError):
    """A pattern that cannot be read; the message says where and why."""


class _Parser:
    """Recursive descent over ``seq := item*``, ``item := word | <group> | (alts) | [alts]``."""

    def __init__(self, pattern: str, groups: Mapping[str, Sequence[str]], where: str) -> None:
        self.pattern = pattern
        self.groups = groups
        self.where = where
        self.tokens: list[tuple[str, str]] = []
        for found in _TOKEN.finditer(pattern):
            if found["bad"]:
                self.fail(f"{found['bad']!r} is not part of a sample or of the grammar")
            kind = "mark" if found["mark"] else "group" if found["group"] else "word"
            self.tokens.append((kind, found[kind]))
        self.at = 0

    def fail(self, why: str) -> NoReturn:
        raise GrammarError(f"{self.where}: {self.pattern!r}: {why}")

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def sequence(self, active: tuple[str, ...]) -> list[tuple[str, ...]]:
        """Every expansion of the items up to a closing mark or ``|``, as word tuples."""
        parts: list[list[tuple[str, ...]]] = []
        while (token := self.peek()) is not None and token[1] not in (")", "]", "|"):
            self.at += 1
            kind, text = token
            if kind == "word":
                parts.append([(text,)])
            elif kind == "group":
                parts.append(self.group(text, active))
            elif text in "([":
                choices = self.choices(active)
                closing = ")" if text == "(" else "]"
                if self.peek() != ("mark", closing):
                    self.fail(f"{text!r} is never closed with {closing!r}")
                self.at += 1
                if text == "(" and () in choices:
                    self.fail("an empty choice in ( ): write the optional part in [ ]")
                parts.append([*choices, ()] if text == "[" else choices)
        return [tuple(itertools.chain.from_iterable(p)) for p in itertools.product(*parts)]

    def choices(self, active: tuple[str, ...]) -> list[tuple[str, ...]]:
        found = self.sequence(active)
        while self.peek() == ("mark", "|"):
            self.at += 1
            found += self.sequence(active)
        return found

    def group(self, name: str, active: tuple[str, ...]) -> list[tuple[str, ...]]:
        if name not in self.groups:
            self.fail(f"<{name}> is not listed under groups")
        if name in active:
            self.fail(f"<{name}> refers to itself ({' > '.join((*active, name))})")
        found: list[tuple[str, ...]] = []
        for index, phrase in enumerate(self.groups[name]):
            inner = _Parser(phrase, self.groups, f"{self.where} > groups.{name}[{index}]")
            found += inner.whole((*active, name))
        return found

    def whole(self, active: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
        found = self.sequence(active)
        token = self.peek()
        if token is not None:
            self.fail(
                "choices at the top need ( ): write (a | b)"
                if token[1] == "|"
                else f"{token[1]!r} closes nothing"
            )
        return found


def expand(pattern: str, groups: Mapping[str, Sequence[str]], where: str) -> list[str]:
    """Every sample ``pattern`` stands for, in order; each at most once, or GrammarError."""
    if not isinstance(pattern, str):
        raise GrammarError(f"{where}: {pattern!r} must be a quoted string")
    words = _Parser(pattern, groups, where).whole()
    samples = [" ".join(w) for w in words]
    if len(samples) > MAX_EXPANSIONS:
        raise GrammarError(
            f"{where}: {pattern!r} stands for {len(samples)} samples (at most {MAX_EXPANSIONS}):"
            " split it, or check a group is where it belongs"
        )
    seen: set[str] = set()
    for sample in samples:
        if not sample:
            raise GrammarError(f"{where}: {pattern!r} can stand for nothing at all")
        if sample in seen:
            raise GrammarError(f"{where}: {pattern!r} gives {sample!r} twice")
        seen.add(sample)
    return samples


def groups_used(patterns: Iterable[str], groups: Mapping[str, Sequence[str]]) -> set[str]:
    """The groups ``patterns`` refer to, directly or through other groups."""
    used: set[str] = set()
    todo = [name for pattern in patterns for name in _GROUP_REF.findall(pattern)]
    while todo:
        name = todo.pop()
        if name not in used and name in groups:
            used.add(name)
            todo += [inner for phrase in groups[name] for inner in _GROUP_REF.findall(phrase)]
    return used
