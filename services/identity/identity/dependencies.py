"""Dependency providers of the identity service."""
from pedatt_common.db import Database

from identity.models import messaging


def database() -> Database:
    return Database(messaging=messaging)
