"""Dependency providers of the assessment service."""
from pedatt_common.db import Database

from assessment.models import messaging


def database() -> Database:
    return Database(messaging=messaging)
