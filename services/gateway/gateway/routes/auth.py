"""Login, token refresh, logout and the caller's own password."""
from flask import request
from marshmallow import Schema, fields, validate

from gateway.api import api
from gateway.rpc import rpc


class LoginSchema(Schema):
    login = fields.String(required=True, validate=validate.Length(min=1, max=254),
                          metadata={"description": "e-mail or IIN"})
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class RefreshSchema(Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=512))


class ChangePasswordSchema(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class TokensSchema(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})
    must_change_password = fields.Boolean(required=True)


def client_address() -> str:
    return request.remote_addr or "unknown"


@api.route("/auth/login", "POST", body=LoginSchema, response=TokensSchema, auth=False,
           tag="auth", errors=(401, 403, 429))
def login(body):
    """Log in with e-mail or IIN and password."""
    return rpc.call("identity", "login", body["login"], body["password"], client_address())


@api.route("/auth/refresh", "POST", body=RefreshSchema, response=TokensSchema, auth=False,
           tag="auth", errors=(401,))
def refresh(body):
    """Exchange a refresh token for new tokens (rotation; a reused token ends the session)."""
    return rpc.call("identity", "refresh", body["refresh_token"])


@api.route("/auth/logout", "POST", body=RefreshSchema, auth=False, status=204, tag="auth")
def logout(body):
    """End the session of this refresh token."""
    rpc.call("identity", "logout", body["refresh_token"])
    return None


@api.route("/auth/change-password", "POST", body=ChangePasswordSchema, response=TokensSchema,
           tag="auth", errors=(400,))
def change_password(actor, body):
    """Change the caller's password; other sessions end; returns fresh tokens."""
    return rpc.call("identity", "change_password", actor.to_rpc(), body["current_password"],
                    body["new_password"])
