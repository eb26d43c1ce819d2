"""Errors of the documents service (subclasses of the common ones)."""
