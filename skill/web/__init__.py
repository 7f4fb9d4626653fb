"""The web layer: the skill as a self-hosted HTTPS endpoint (``knee-coach serve``).

The Flask app over flask-ask-sdk (``app``), the production server (``serve``), Alexa's
request verification (``verification``, ``certcache``) and the OpenSSL workaround for the
SDK's imports (``oscrypto_compat``). It may import ``skill.alexa`` and below; only
``skill.cli`` imports it.
"""
