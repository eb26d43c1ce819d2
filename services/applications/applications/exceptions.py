"""Errors of the applications service (subclasses of the common ones)."""
