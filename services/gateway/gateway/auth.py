"""Authentication at the edge: the caller's access token becomes an ``Actor``.

Access tokens are JWTs (HS256) issued by the identity service and verified here locally with
the shared secret ``PEDATT_JWT_SECRET`` (no RPC per request); a token issued before a change of
the user's access is refused within seconds (``gateway.access``). The token lists the user's active
memberships; the request picks one with the ``X-Organization-Id`` header (default: the first),
and the Actor carries that membership's roles. A token whose user must change the password is
accepted only by the routes in ``PASSWORD_CHANGE_ROUTES``.
"""
import os
import uuid

import jwt
from flask import request

from gateway.access import AccessVersions, recheck_seconds
from gateway.api import api
from gateway.errors import ApiError
from gateway.rpc import rpc
from pedatt_common.actor import Actor
from pedatt_common.logs import request_id_var

DEV_JWT_SECRET = "pedatt-dev-only-jwt-secret-change-me-in-production"
JWT_ISSUER = "pedatt-identity"
JWT_AUDIENCE = "pedatt"
ORG_HEADER = "X-Organization-Id"
PASSWORD_CHANGE_ROUTES = {"/api/v1/auth/change-password", "/api/v1/me", "/api/v1/auth/logout"}


def _secret() -> str:
    return os.environ.get("PEDATT_JWT_SECRET") or DEV_JWT_SECRET


def _unauthorized(message="Требуется вход в систему", code="UNAUTHORIZED"):
    return ApiError(401, code, message, headers={"WWW-Authenticate": "Bearer"})


def decode(token: str) -> dict:
    try:
        claims = jwt.decode(token, _secret(), algorithms=["HS256"], audience=JWT_AUDIENCE,
                            issuer=JWT_ISSUER, leeway=10,
                            options={"require": ["exp", "iat", "sub"]})
    except jwt.ExpiredSignatureError:
        raise _unauthorized("Срок действия токена истёк; обновите его или войдите снова",
                            "TOKEN_EXPIRED") from None
    except jwt.InvalidTokenError:
        raise _unauthorized("Недействительный токен доступа", "INVALID_TOKEN") from None
    if claims.get("typ") != "access":
        raise _unauthorized("Недействительный токен доступа", "INVALID_TOKEN")
    return claims


def actor_from_claims(claims: dict, selected: str | None) -> Actor:
    memberships = [m for m in claims.get("mbr") or [] if isinstance(m, dict) and m.get("org")]
    if selected:
        try:
            selected = str(uuid.UUID(selected))
        except ValueError:
            raise ApiError(400, "INVALID_INPUT", "Некорректный идентификатор организации",
                           {"fields": {ORG_HEADER: ["Ожидается UUID"]}}) from None
        chosen = next((m for m in memberships if m["org"] == selected), None)
        if chosen is None:
            raise ApiError(403, "PERMISSION_DENIED",
                           "Вы не состоите в этой организации или доступ к ней заблокирован",
                           {"organization_id": selected})
    else:
        chosen = memberships[0] if memberships else None
    return Actor(user_id=claims["sub"],
                 organization_id=chosen["org"] if chosen else None,
                 roles=tuple(chosen.get("roles") or ()) if chosen else (),
                 platform_roles=tuple(claims.get("pr") or ()),
                 request_id=request_id_var.get())


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized()
    return token.strip()


access_versions = AccessVersions(
    lambda user_ids: rpc.call("identity", "get_access_versions", user_ids), recheck_seconds())


def authenticate() -> Actor:
    claims = decode(bearer_token())
    if access_versions.is_stale(claims["sub"], int(claims.get("av") or 0)):
        raise _unauthorized("Ваши права доступа изменились: обновите токен или войдите снова",
                            "TOKEN_STALE")
    if claims.get("pcr") and request.path not in PASSWORD_CHANGE_ROUTES:
        raise ApiError(403, "PASSWORD_CHANGE_REQUIRED",
                       "Смените пароль: администратор выдал временный пароль")
    return actor_from_claims(claims, request.headers.get(ORG_HEADER))


api.authenticate = authenticate
