"""The coach layer: a pure state machine that turns (state, event) into (new state, reply).

``machine.handle`` is its one entry; the phases (``safety_check``, ``routine_steps``,
``talk``, ``pain``, ``reminders``, ...) and what they share (``questions``, ``position``,
``step_reply``, ``answer``) sit beside it, with the session's ``state`` and ``events``, the
routine's shape, habits and reminder plans. It may import ``skill.store`` (its pure
progress record only), ``skill.voice`` and ``skill.content``, never the ASK SDK or a
database (``tests/test_layers.py`` checks both); the alexa layer imports it.
"""
