"""Dependency providers of the documents service."""
from pedatt_common.db import Database

from documents.models import messaging


def database() -> Database:
    return Database(messaging=messaging)
