"""What the requesting device can do, read from the request envelope.

Kept apart from :mod:`skill.apl` so that voice-only requests (most of them) can ask
"does this device have a screen?" without loading the APL machinery.
"""

from __future__ import annotations

from typing import Any


def supports_apl(envelope: Any) -> bool:
    """Whether the device said it renders APL; anything missing means it does not."""
    system = getattr(getattr(envelope, "context", None), "system", None)
    interfaces = getattr(getattr(system, "device", None), "supported_interfaces", None)
    return getattr(interfaces, "alexa_presentation_apl", None) is not None
