"""The content layer: every word the skill speaks, read from ``content/`` and validated.

Records for techniques, routines, the safety check, topics and prompts (``records``), their
loading from the compiled file or the YAML (``load``, ``validate``) and the prompt keys. It
imports nothing of Knee Coach but ``skill.settings`` and ``skill.record``; every other layer
may import it.
"""
