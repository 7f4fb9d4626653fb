"""The store layer: what is kept between sessions, and where.

The stored progress record (``progress``: an allow-list with no health answer in it), the
user key (``userkey``), the adapters' shared rules (``base``), SQLite and DynamoDB
(``sqlite``, ``dynamodb``), the fault-tolerant wrapper (``resilient``), the skill's view of
it (``progress_store``) and the factory that picks an adapter from the settings
(``factory``, the only module that knows them all). It may import ``skill.voice`` and
``skill.content``; the coach imports its pure record, and the alexa layer the rest.
"""
