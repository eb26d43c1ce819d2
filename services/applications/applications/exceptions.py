"""Errors of the applications service (subclasses of the common ones, each with its own code)."""
from nameko.exceptions import deserialize_to_instance

from pedatt_common.errors import EXPECTED as COMMON_EXPECTED
from pedatt_common.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, Unprocessable


@deserialize_to_instance
class ApplicationNotFound(NotFound):
    code = "APPLICATION_NOT_FOUND"


@deserialize_to_instance
class VersionConflict(Conflict):
    """The client edited a stale copy; ``details.current_version`` is the one to reload."""
    code = "VERSION_CONFLICT"


@deserialize_to_instance
class NotEligible(Unprocessable):
    """``details.reasons``: every reason, not just the first."""
    code = "NOT_ELIGIBLE"


@deserialize_to_instance
class RulesNotAcknowledged(Unprocessable):
    code = "RULES_NOT_ACKNOWLEDGED"


@deserialize_to_instance
class NotComplete(Unprocessable):
    """``details.reasons``: missing items and scans without the head's signature."""
    code = "NOT_COMPLETE"


@deserialize_to_instance
class SignatureRejected(Unprocessable):
    """``details``: reason_code / reason from the documents service's report."""
    code = "SIGNATURE_REJECTED"


@deserialize_to_instance
class DocumentNotAccepted(Unprocessable):
    """A file of the wrong type, not uploaded yet, or not the teacher's own."""
    code = "DOCUMENT_NOT_ACCEPTED"


@deserialize_to_instance
class NotYourDocument(PermissionDenied):
    code = "DOCUMENT_NOT_YOURS"


EXPECTED = COMMON_EXPECTED + (IllegalTransition,)
