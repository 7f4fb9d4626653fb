"""The alexa layer: the coach as an ASK SDK skill.

The skill builder with its interceptors (``builder``), the request handlers and what they
share (``handlers``, ``request_events``: request to coach event, ``render``: reply to
response), screens (``apl``), Alexa's service APIs (``services``, ``api_client``),
CanFulfill, intent names and the Lambda entry (``lambda_function``). It may import
``skill.coach``, ``skill.store``, ``skill.voice`` and ``skill.content``; the web and local
surfaces import it.
"""
