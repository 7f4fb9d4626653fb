"""What the requesting device can do, read from the request envelope.

Kept apart from :mod:`skill.alexa.apl` so that voice-only requests (most of them) can ask
"does this device have a screen?" without loading the APL machinery.
"""

from __future__ import annotations

from typing import Any


def _apl_interface(envelope: Any) -> Any:
    system = getattr(getattr(envelope, "context", None), "system", None)
    interfaces = getattr(getattr(system, "device", None), "supported_interfaces", None)
    return getattr(interfaces, "alexa_presentation_apl", None)


def supports_apl(envelope: Any) -> bool:
    """Whether the device said it renders APL; anything missing means it does not."""
    return _apl_interface(envelope) is not None


def apl_max_version(envelope: Any) -> str | None:
    """The newest APL version the device's runtime supports ("2023.3"), if it said."""
    runtime = getattr(_apl_interface(envelope), "runtime", None)
    version = getattr(runtime, "max_version", None)
    return version if isinstance(version, str) else None
