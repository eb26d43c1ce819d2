"""What the gateway and the documents service both need to know of S3 answers."""

MISSING_OBJECT_CODES = ("NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound")


def is_missing_object(exc: Exception) -> bool:
    """True for storage's "no such object" answer (an ``S3Error``), as opposed to storage being
    unreachable or refusing for another reason."""
    return getattr(exc, "code", None) in MISSING_OBJECT_CODES
