"""Dependency providers of the organizations service."""
from pedatt_common.db import Database

from organizations.models import messaging


def database() -> Database:
    return Database(messaging=messaging)
