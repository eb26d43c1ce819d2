"""Errors of the assessment service (subclasses of the common ones)."""
