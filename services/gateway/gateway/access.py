"""Access tokens issued before a change of the user's access (roles, memberships, deactivation,
a password reset) are refused within seconds, not at their expiry.

Identity bumps a user's access version on every such change and access tokens carry the version
they were issued with (claim ``av``). Each gateway process remembers the versions it has asked
for during ``PEDATT_ACCESS_RECHECK_SECONDS`` (default 5): one RPC per active user per period,
none per request.
"""
import logging
import os
import threading
import time

log = logging.getLogger(__name__)

MAX_REMEMBERED = 100_000


class AccessVersions:
    def __init__(self, fetch, ttl: float):
        self._fetch = fetch  # [user id] -> {user id: version} (users unknown or inactive left out)
        self._ttl = ttl
        self._seen: dict[str, tuple[int | None, float]] = {}
        self._lock = threading.Lock()

    def is_stale(self, user_id: str, token_version: int) -> bool:
        now = time.monotonic()
        entry = self._seen.get(user_id)
        if entry is None or now - entry[1] >= self._ttl:
            try:
                version = self._fetch([user_id]).get(user_id)
            except Exception as exc:  # noqa: BLE001
                # fail open: the token's signature and expiry still hold; identity being away
                # must not take every other service's routes down with it
                log.warning("access version of %s unknown (%s); the token is trusted", user_id,
                            type(exc).__name__)
                return False
            entry = (version, now)
            with self._lock:
                if len(self._seen) >= MAX_REMEMBERED:
                    self._seen.clear()
                self._seen[user_id] = entry
        version = entry[0]
        return version is None or token_version < version


def recheck_seconds() -> float:
    return float(os.environ.get("PEDATT_ACCESS_RECHECK_SECONDS", "5"))
