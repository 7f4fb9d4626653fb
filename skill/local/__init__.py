"""The local layer: the skill on a developer's machine, with no AWS and no network.

The terminal chat (``chat``), the simulator that turns typed text into real request
envelopes (``simulator``, ``envelopes``, ``nlu``, ``ssml_text``), a stand-in for Alexa's
service APIs (``alexa_standin``) and a tester's walkthrough (``walkthrough``). It may import
``skill.alexa`` and below; ``skill.cli``, scripts and tests import it.
"""
