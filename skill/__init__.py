"""Knee Coach: a hands-free Alexa voice coach for knee self-massage.

The package is in layers, each a folder that may import only the layers below it
(``docs/architecture.md`` draws them; ``tests/test_layers.py`` keeps them true), from the
top: ``local`` (terminal chat and simulator), ``web`` (the self-hosted HTTPS endpoint),
``alexa`` (the ASK SDK skill and the Lambda entry), ``coach`` (the pure state machine),
``store`` (progress), ``voice`` (replies, SSML, timing) and ``content`` (the words, loaded
and validated). Beside them, at the bottom, ``settings``, ``logs`` and ``record``; at the
top, ``cli``, the ``knee-coach`` command.
"""

__version__ = "0.1.0"
