"""The store layer: what is kept between sessions, and where.

The stored progress record (``progress``: an allow-list with no health answer in it; the
checks its values pass, ``values``; when each part was set, ``stamps``), the merge of two
sessions' records (``merge``), the user key (``userkey``), the adapters' shared rules and
versioned writes (``base``), SQLite and DynamoDB (``sqlite``, ``dynamodb``), the
fault-tolerant wrapper (``resilient``), the skill's view of it (``progress_store``) and the
factory that picks an adapter from the settings (``factory``, the only module that knows them
all). It may import ``skill.voice`` and ``skill.content``; the coach imports its pure record,
and the alexa layer the rest.
"""
