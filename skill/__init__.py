"""Knee Coach: a hands-free Alexa voice coach for knee self-massage."""

__version__ = "0.1.0"
