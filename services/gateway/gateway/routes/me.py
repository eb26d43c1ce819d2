"""The caller: user, memberships and roles."""
from marshmallow import Schema, fields

from gateway.api import api
from gateway.rpc import rpc


class MembershipSchema(Schema):
    organization_id = fields.String(required=True)
    organization_name = fields.String(allow_none=True)
    roles = fields.List(fields.String(), required=True)
    is_active = fields.Boolean(required=True)


class MeSchema(Schema):
    id = fields.String(required=True)
    iin = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    last_name = fields.String()
    first_name = fields.String()
    middle_name = fields.String(allow_none=True)
    full_name = fields.String()
    must_change_password = fields.Boolean()
    platform_roles = fields.List(fields.String())
    memberships = fields.List(fields.Nested(MembershipSchema))
    active_organization_id = fields.String(allow_none=True)
    roles = fields.List(fields.String(), metadata={"description": "roles in the active organization"})


@api.route("/me", response=MeSchema, tag="auth")
def me(actor):
    """Who I am: the user, every membership with its roles, the active organization."""
    data = rpc.call("identity", "get_me", actor.to_rpc())
    names = {}
    org_ids = [m["organization_id"] for m in data["memberships"]]
    if org_ids:
        try:
            names = rpc.call("organizations", "get_organization_names", org_ids)
        except Exception:  # noqa: BLE001 - names are a convenience; /me works without them
            names = {}
    for m in data["memberships"]:
        m["organization_name"] = names.get(m["organization_id"])
    data["active_organization_id"] = actor.organization_id
    data["roles"] = list(actor.roles)
    return data
