"""Brute-force limiting of logins: failures per account and per client within a window."""
import math
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from identity.models import LoginThrottle


def account_key(login: str) -> str:
    return "acct:" + login.strip().lower()[:290]


def client_key(client: str | None) -> str | None:
    return ("client:" + client[:290]) if client else None


def retry_after(session, keys, now: datetime) -> int | None:
    """Seconds until the longest lock among ``keys`` ends, or None when none is locked."""
    keys = [k for k in keys if k]
    rows = session.execute(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).scalars()
    waits = [(r.locked_until - now).total_seconds() for r in rows
             if r.locked_until and r.locked_until > now]
    return max(1, math.ceil(max(waits))) if waits else None


def record_failure(session, key: str | None, limit: int, window: int, lock: int,
                   now: datetime) -> None:
    if not key:
        return
    session.execute(pg_insert(LoginThrottle).values(key=key, failures=0, window_started_at=now)
                    .on_conflict_do_nothing())
    row = session.execute(select(LoginThrottle).where(LoginThrottle.key == key)
                          .with_for_update()).scalar_one()
    if row.window_started_at + timedelta(seconds=window) < now:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    if row.failures >= limit:
        row.locked_until = now + timedelta(seconds=lock)
        row.failures, row.window_started_at = 0, now


def clear(session, key: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def purge(session, now: datetime, grace: timedelta = timedelta(days=1)) -> dict:
    """Housekeeping: forget throttle rows whose window and lock are long over, and refresh
    tokens that expired (or were revoked) more than ``grace`` ago."""
    from sqlalchemy import or_

    from identity.models import RefreshToken
    cutoff = now - grace
    throttles = session.execute(delete(LoginThrottle).where(
        LoginThrottle.window_started_at < cutoff,
        or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < cutoff))).rowcount
    tokens = session.execute(delete(RefreshToken).where(or_(
        RefreshToken.expires_at < cutoff, RefreshToken.revoked_at < cutoff))).rowcount
    return {"throttle_rows": throttles, "refresh_tokens": tokens}
