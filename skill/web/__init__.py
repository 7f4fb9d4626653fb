"""The web layer: the skill as a self-hosted HTTPS endpoint (``knee-coach serve``).

The Flask app and the cheap checks it runs first (``app``, ``checks``), the production server
(``serve``, ``container``), Alexa's request verification (``verification``, ``certcache``)
and the OpenSSL workaround for the SDK's imports (``oscrypto_compat``). It may import
``skill.alexa`` and below; only ``skill.cli`` imports it.
"""
