"""Identity settings from the environment (read when used, so tests can override them)."""
import os

DEV_JWT_SECRET = "pedatt-dev-only-jwt-secret-change-me-in-production"
JWT_ISSUER = "pedatt-identity"
JWT_AUDIENCE = "pedatt"


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def jwt_secret() -> str:
    return os.environ.get("PEDATT_JWT_SECRET") or DEV_JWT_SECRET


def access_ttl() -> int:
    return _int("PEDATT_ACCESS_TTL", 900)


def refresh_ttl() -> int:
    return _int("PEDATT_REFRESH_TTL", 14 * 24 * 3600)


def throttle_settings(config: dict | None = None) -> dict:
    """Brute-force limits; nameko config keys (tests) win over the environment."""
    config = config or {}

    def pick(key, env, default):
        return int(config.get(key) or os.environ.get(env, default))

    return {
        "account_limit": pick("LOGIN_ACCOUNT_LIMIT", "PEDATT_LOGIN_ACCOUNT_LIMIT", 5),
        "client_limit": pick("LOGIN_CLIENT_LIMIT", "PEDATT_LOGIN_CLIENT_LIMIT", 200),
        "window": pick("LOGIN_WINDOW_SECONDS", "PEDATT_LOGIN_WINDOW_SECONDS", 900),
        "lock": pick("LOGIN_LOCK_SECONDS", "PEDATT_LOGIN_LOCK_SECONDS", 300),
    }
