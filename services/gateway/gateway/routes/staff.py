"""HR module (organization administrator): staff, roles, role history, password reset."""
from marshmallow import Schema, fields

from gateway.api import api
from gateway.routes.reference import RuSchema
from gateway.rpc import rpc


class EducationSchema(RuSchema):
    institution = fields.String(required=True)
    specialty = fields.String(allow_none=True)
    qualification = fields.String(allow_none=True)
    graduation_year = fields.Integer(allow_none=True)
    diploma_number = fields.String(allow_none=True)


class ProfileInSchema(RuSchema):
    position_code = fields.String(allow_none=True, metadata={"description": "code from /reference"})
    subjects = fields.List(fields.String())
    total_experience_years = fields.Integer(allow_none=True)
    teaching_experience_years = fields.Integer(allow_none=True)
    education = fields.List(fields.Nested(EducationSchema))
    category_code = fields.String(allow_none=True, metadata={"enum": [
        "pedagog_stazher", "pedagog", "pedagog_moderator", "pedagog_expert",
        "pedagog_issledovatel", "pedagog_master"]})
    category_order_number = fields.String(allow_none=True)
    category_order_date = fields.String(allow_none=True, metadata={"format": "date"})
    category_valid_until = fields.String(allow_none=True, metadata={"format": "date"})
    phone = fields.String(allow_none=True)


class StaffCreateSchema(ProfileInSchema):
    iin = fields.String(required=True)
    email = fields.String(allow_none=True)
    last_name = fields.String(required=True)
    first_name = fields.String(required=True)
    middle_name = fields.String(allow_none=True)
    password = fields.String(allow_none=True, load_only=True,
                             metadata={"description": "omit: a temporary password is returned once"})
    roles = fields.List(fields.String(), metadata={"description": "default [\"teacher\"]"})


class StaffUpdateSchema(ProfileInSchema):
    last_name = fields.String()
    first_name = fields.String()
    middle_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class StaffSchema(Schema):
    user_id = fields.String()
    organization_id = fields.String()
    iin = fields.String()
    last_name = fields.String()
    first_name = fields.String()
    middle_name = fields.String(allow_none=True)
    full_name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    is_active = fields.Boolean()
    deactivated_at = fields.String(allow_none=True)
    position_code = fields.String(allow_none=True)
    position_title = fields.String(allow_none=True)
    subjects = fields.List(fields.String())
    total_experience_years = fields.Integer(allow_none=True)
    teaching_experience_years = fields.Integer(allow_none=True)
    education = fields.List(fields.Dict())
    category_code = fields.String(allow_none=True)
    category_title = fields.String(allow_none=True)
    category_order_number = fields.String(allow_none=True)
    category_order_date = fields.String(allow_none=True)
    category_valid_until = fields.String(allow_none=True)
    updated_at = fields.String(allow_none=True)
    iin_warnings = fields.List(fields.String(), metadata={
        "description": "on creation: an odd birth date or century digit in the IIN (not an error)"})
    user_created = fields.Boolean(metadata={"description": "on creation: a new person was created"})
    temporary_password = fields.String(allow_none=True,
                                       metadata={"description": "on creation: shown once"})


class StaffPageSchema(Schema):
    items = fields.List(fields.Nested(StaffSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()


class StaffQuerySchema(RuSchema):
    q = fields.String(metadata={"description": "search by name, IIN or e-mail"})
    role = fields.String()
    position_code = fields.String()
    active = fields.Boolean()
    page = fields.Integer()
    per_page = fields.Integer()


class RoleInSchema(RuSchema):
    role = fields.String(required=True, metadata={"enum": ["org_admin", "teacher", "director",
                                                           "assessor"]})


class RoleChangeSchema(Schema):
    id = fields.String()
    user_id = fields.String()
    user_full_name = fields.String(allow_none=True)
    action = fields.String(metadata={"enum": ["staff_added", "role_assigned", "role_revoked",
                                              "staff_deactivated", "staff_activated"]})
    role = fields.String(allow_none=True)
    actor_user_id = fields.String(allow_none=True)
    actor_full_name = fields.String(allow_none=True)
    at = fields.String()


class RoleHistoryPageSchema(Schema):
    items = fields.List(fields.Nested(RoleChangeSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class HistoryQuerySchema(RuSchema):
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


class TemporaryPasswordSchema(Schema):
    user_id = fields.String()
    temporary_password = fields.String()


@api.route("/staff", query=StaffQuerySchema, response=StaffPageSchema, tag="hr", errors=(403,))
def list_staff(actor, query):
    """Staff list with search (name/IIN/e-mail), filters (role, position, active) and pages."""
    return rpc.call("organizations", "list_staff", actor.to_rpc(), query)


@api.route("/staff", "POST", body=StaffCreateSchema, response=StaffSchema, status=201, tag="hr",
           errors=(403, 409, 422))
def add_staff(actor, body):
    """Add a staff member (creates the person or links the existing one by IIN)."""
    return rpc.call("organizations", "add_staff", actor.to_rpc(), body)


@api.route("/staff/<user_id>", response=StaffSchema, tag="hr", errors=(404,))
def get_staff(actor, user_id):
    """A staff member with the profile (org_admin, director, assessor, or the person)."""
    return rpc.call("organizations", "get_staff", actor.to_rpc(), user_id)


@api.route("/staff/<user_id>", "PATCH", body=StaffUpdateSchema, response=StaffSchema, tag="hr",
           errors=(403, 404, 409, 422))
def update_staff(actor, user_id, body):
    """Edit a staff member's names, e-mail and profile (org_admin)."""
    return rpc.call("organizations", "update_staff", actor.to_rpc(), user_id, body)


@api.route("/staff/<user_id>/deactivate", "POST", response=StaffSchema, tag="hr",
           errors=(403, 404, 422))
def deactivate_staff(actor, user_id):
    """Deactivate: history kept, login to this organization blocked (org_admin)."""
    return rpc.call("organizations", "deactivate_staff", actor.to_rpc(), user_id)


@api.route("/staff/<user_id>/activate", "POST", response=StaffSchema, tag="hr", errors=(403, 404))
def activate_staff(actor, user_id):
    """Re-activate a deactivated staff member (org_admin)."""
    return rpc.call("organizations", "activate_staff", actor.to_rpc(), user_id)


@api.route("/staff/<user_id>/roles", "POST", body=RoleInSchema, response=StaffSchema, tag="hr",
           errors=(403, 404))
def assign_role(actor, user_id, body):
    """Assign a role (org_admin); recorded in the role history."""
    return rpc.call("organizations", "assign_role", actor.to_rpc(), user_id, body["role"])


@api.route("/staff/<user_id>/roles/<role>", "DELETE", response=StaffSchema, tag="hr",
           errors=(403, 404, 422))
def revoke_role(actor, user_id, role):
    """Revoke a role (org_admin); recorded in the role history."""
    return rpc.call("organizations", "revoke_role", actor.to_rpc(), user_id, role)


@api.route("/staff/<user_id>/role-history", query=HistoryQuerySchema,
           response=RoleHistoryPageSchema, tag="hr", errors=(403, 404))
def staff_role_history(actor, user_id, query):
    """Who changed this person's roles or status, and when (org_admin)."""
    return rpc.call("organizations", "list_role_history", actor.to_rpc(), user_id,
                    query["page"], query["per_page"])


@api.route("/role-history", query=HistoryQuerySchema, response=RoleHistoryPageSchema, tag="hr",
           errors=(403,))
def role_history(actor, query):
    """The organization's whole role history, newest first (org_admin)."""
    return rpc.call("organizations", "list_role_history", actor.to_rpc(), None,
                    query["page"], query["per_page"])


@api.route("/staff/<user_id>/reset-password", "POST", response=TemporaryPasswordSchema, tag="hr",
           errors=(403, 404, 422))
def reset_password(actor, user_id):
    """A temporary password for a staff member, to be changed at next login (org_admin)."""
    return rpc.call("organizations", "reset_staff_password", actor.to_rpc(), user_id)
