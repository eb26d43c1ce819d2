"""Values as they cross RPC: ISO-8601 strings for moments, UUIDs parsed with a business error."""
import uuid
from collections.abc import Callable

from pedatt_common.errors import ServiceError


def iso(value):
    """A datetime/date as ISO-8601; None and already-serialized strings pass through."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def parse_uuid(value, error: Callable[[], ServiceError]) -> uuid.UUID:
    """``value`` as a UUID, or raise ``error()`` (the caller decides: 400 for a field, 404 for a path)."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise error() from None


def valid_uuids(values) -> list[uuid.UUID]:
    """The values that are UUIDs (an internal look-up skips the others rather than failing)."""
    out = []
    for value in values or []:
        try:
            out.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return out
