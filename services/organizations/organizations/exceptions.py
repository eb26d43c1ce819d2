"""Errors of the organizations service (subclasses of the common ones)."""
