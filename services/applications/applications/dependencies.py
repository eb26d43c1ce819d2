"""Dependency providers of the applications service."""
from pedatt_common.db import Database

from applications.models import messaging


def database() -> Database:
    return Database(messaging=messaging)
