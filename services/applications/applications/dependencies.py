"""Dependency providers of the applications service."""
from pedatt_common.db import Database

from applications.models import messaging


def database() -> Database:
    # UTC sessions: timestamps aggregated to JSON by PostgreSQL read like Python's isoformat()
    return Database(messaging=messaging, connect_args={"options": "-c timezone=UTC"})
