"""Errors of the applications service.

Only the common classes cross RPC (every caller, the gateway included, can deserialize them
without importing this package); the specific case travels as ``details["reason"]``, e.g.
``Conflict`` with ``{"reason": "VERSION_CONFLICT", "current_version": 3}``. The functions below
build them under the names the service code uses.
"""
from pedatt_common.errors import EXPECTED as COMMON_EXPECTED
from pedatt_common.errors import (Conflict, IllegalTransition, NotFound, PermissionDenied,
                                  Unprocessable)

REASONS = ("APPLICATION_NOT_FOUND", "VERSION_CONFLICT", "NOT_ELIGIBLE", "RULES_NOT_ACKNOWLEDGED",
           "NOT_COMPLETE", "SIGNATURE_REJECTED", "DOCUMENT_NOT_ACCEPTED", "DOCUMENT_NOT_YOURS")


def _with(reason, details):
    return {"reason": reason, **(details or {})}


def ApplicationNotFound(message, details=None):  # noqa: N802 - reads like the error it builds
    return NotFound(message, _with("APPLICATION_NOT_FOUND", details))


def VersionConflict(message, details=None):  # noqa: N802
    """The client edited a stale copy; ``details.current_version`` is the one to reload."""
    return Conflict(message, _with("VERSION_CONFLICT", details))


def NotEligible(message, details=None):  # noqa: N802
    """``details.reasons``: every reason, not just the first."""
    return Unprocessable(message, _with("NOT_ELIGIBLE", details))


def RulesNotAcknowledged(message, details=None):  # noqa: N802
    return Unprocessable(message, _with("RULES_NOT_ACKNOWLEDGED", details))


def NotComplete(message, details=None):  # noqa: N802
    """``details.reasons``: missing items and scans without the head's signature."""
    return Unprocessable(message, _with("NOT_COMPLETE", details))


def SignatureRejected(message, details=None):  # noqa: N802
    """``details.signature_reason``: the documents service's reason code (WRONG_CONTENT, …)."""
    return Unprocessable(message, _with("SIGNATURE_REJECTED", details))


def DocumentNotAccepted(message, details=None):  # noqa: N802
    """A file of the wrong type, not uploaded yet, or deleted."""
    return Unprocessable(message, _with("DOCUMENT_NOT_ACCEPTED", details))


def NotYourDocument(message, details=None):  # noqa: N802
    return PermissionDenied(message, _with("DOCUMENT_NOT_YOURS", details))


EXPECTED = COMMON_EXPECTED + (IllegalTransition,)
