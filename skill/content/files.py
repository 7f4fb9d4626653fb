"""The files a language folder holds, named once for the loader, the validator and the builds.

``content/<language>/`` has the YAML sources below, the CLDR data ``make generate`` takes from
Babel, and the compiled document the skill loads; ``content/<locale>/`` has a locale file
where a locale differs from its language.
"""

from __future__ import annotations

SOURCE_FILES = (
    "language.yaml",
    "techniques.yaml",
    "routines.yaml",
    "safety.yaml",
    "topics.yaml",
    "prompts.yaml",
    "screen.yaml",
)
"""One language's YAML sources, in the order their stamps are joined."""

CLDR_FILE = "cldr.json"
"""The language's CLDR data (plurals, lists, parts of the day), written by ``make generate``."""

LOCALE_FILE = "locale.yaml"
"""Where a locale differs from its language: ``content/<locale>/locale.yaml``."""

COMPILED_FILE = "compiled.json"
"""The checked content of one language, as the skill loads it at a cold start."""
