"""Errors of the identity service (subclasses of the common ones)."""
