"""The voice layer: what is said, as data, and how it sounds.

The reply type (``reply``: parts, pauses, sounds, the screen's view, effects), its SSML
within Alexa's limits (``speech``), how long speech takes (``timing``) and the locale's
spelling of shown text (``spelling``). It may import ``skill.content``; the coach and the
layers above it import it. No ASK SDK here.
"""
