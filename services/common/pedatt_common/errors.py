"""Typed errors that cross nameko RPC intact.

Every class is registered with nameko's ``deserialize_to_instance`` so a caller gets the
real class back (not a ``RemoteError``). Constructor arguments must stay JSON-friendly:
``(message, details)`` only.
"""
from nameko.exceptions import deserialize_to_instance


class ServiceError(Exception):
    code = "SERVICE_ERROR"
    http_status = 500

    def __init__(self, message: str = "", details=None):
        super().__init__(message, details)
        self.message = message
        self.details = details

    def __str__(self):
        return self.message

    def to_dict(self):
        return {"error": self.code, "message": self.message, "details": self.details}



@deserialize_to_instance
class InvalidInput(ServiceError):
    """Input that fails validation; ``details`` maps field names to messages."""
    code = "INVALID_INPUT"
    http_status = 400


@deserialize_to_instance
class Unprocessable(ServiceError):
    """Well-formed input that the rules refuse (e.g. an ineligible application)."""
    code = "UNPROCESSABLE"
    http_status = 422


@deserialize_to_instance
class Unauthorized(ServiceError):
    code = "UNAUTHORIZED"
    http_status = 401


@deserialize_to_instance
class PermissionDenied(ServiceError):
    code = "PERMISSION_DENIED"
    http_status = 403


@deserialize_to_instance
class NotFound(ServiceError):
    code = "NOT_FOUND"
    http_status = 404


@deserialize_to_instance
class Conflict(ServiceError):
    code = "CONFLICT"
    http_status = 409


@deserialize_to_instance
class IllegalTransition(Conflict):
    code = "ILLEGAL_TRANSITION"


@deserialize_to_instance
class PayloadTooLarge(ServiceError):
    code = "PAYLOAD_TOO_LARGE"
    http_status = 413


@deserialize_to_instance
class RateLimited(ServiceError):
    """``details`` carries ``retry_after`` in seconds."""
    code = "RATE_LIMITED"
    http_status = 429


@deserialize_to_instance
class DependencyUnavailable(ServiceError):
    """An external system (object storage, the state service) could not be reached."""
    code = "DEPENDENCY_UNAVAILABLE"
    http_status = 503


EXPECTED = (InvalidInput, Unprocessable, Unauthorized, PermissionDenied, NotFound,
            Conflict, PayloadTooLarge, RateLimited, DependencyUnavailable)
"""Pass as ``@rpc(expected_exceptions=EXPECTED)``: business errors, not bugs."""


def invalid_from_marshmallow(err, message="Проверьте введённые данные") -> InvalidInput:
    return InvalidInput(message, {"fields": err.messages})
