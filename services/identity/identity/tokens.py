"""Access tokens (JWT, HS256) and opaque refresh tokens.

Access token claims: ``iss`` pedatt-identity, ``aud`` pedatt, ``sub`` user id, ``iat``, ``exp``,
``jti``, ``typ`` "access", ``pr`` platform roles, ``mbr`` active memberships
``[{"org": organization id, "roles": [...]}]``, ``pcr`` true when the password must be changed,
``av`` the user's access version (a token with an older one is refused by the gateway).
The gateway verifies them locally with the shared ``PEDATT_JWT_SECRET``.
"""
import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

import jwt

from identity import settings


def make_access_token(user_id, platform_roles, memberships, must_change_password: bool,
                      now: datetime, access_version: int = 0) -> tuple[str, int]:
    ttl = settings.access_ttl()
    claims = {
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
        "sub": str(user_id),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl)).timestamp()),
        "jti": uuid.uuid4().hex,
        "typ": "access",
        "pr": list(platform_roles or []),
        "mbr": [{"org": str(m["organization_id"]), "roles": list(m["roles"])}
                for m in memberships],
        "pcr": bool(must_change_password),
        "av": int(access_version or 0),
    }
    return jwt.encode(claims, settings.jwt_secret(), algorithm="HS256"), ttl


def decode_access_token(token: str) -> dict:
    return jwt.decode(token, settings.jwt_secret(), algorithms=["HS256"],
                      audience=settings.JWT_AUDIENCE, issuer=settings.JWT_ISSUER,
                      options={"require": ["exp", "iat", "sub"]})


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
