"""Organizations (platform administrator) and the settings module (organization administrator)."""
from marshmallow import Schema, fields

from gateway.api import api
from gateway.routes.reference import RuSchema
from gateway.rpc import rpc
from pedatt_common.errors import PermissionDenied


class PersonInSchema(RuSchema):
    iin = fields.String(required=True, metadata={"description": "12 digits, checksum validated"})
    email = fields.String(allow_none=True)
    last_name = fields.String(required=True)
    first_name = fields.String(required=True)
    middle_name = fields.String(allow_none=True)
    password = fields.String(allow_none=True, load_only=True,
                             metadata={"description": "omit: a temporary password is returned"})


class OrganizationCreateSchema(RuSchema):
    bin = fields.String(required=True, metadata={"description": "12 digits, checksum validated"})
    name_ru = fields.String(required=True)
    name_kk = fields.String(required=True)
    type = fields.String(required=True, metadata={"enum": ["school", "kindergarten", "college",
                                                           "additional_education"]})
    region = fields.String(required=True, metadata={"description": "code from /reference"})
    district = fields.String(allow_none=True)
    address = fields.String(required=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    admin = fields.Nested(PersonInSchema, required=True,
                          metadata={"description": "the first administrator"})


class OrganizationUpdateSchema(RuSchema):
    bin = fields.String()
    name_ru = fields.String()
    name_kk = fields.String()
    type = fields.String()
    region = fields.String()
    district = fields.String(allow_none=True)
    address = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    director_user_id = fields.String(allow_none=True,
                                     metadata={"description": "a staff member; gets the director role"})


class DirectorSchema(Schema):
    user_id = fields.String()
    iin = fields.String()
    full_name = fields.String()


class AttestationSettingsSchema(Schema):
    commission_categories = fields.List(fields.String(), required=True)
    allowed_commission_categories = fields.List(fields.String(), dump_only=True)


class AttestationSettingsInSchema(RuSchema):
    commission_categories = fields.List(fields.String(), required=True)


class OrganizationSchema(Schema):
    id = fields.String()
    bin = fields.String()
    name_ru = fields.String()
    name_kk = fields.String()
    type = fields.String()
    type_title = fields.String(allow_none=True)
    region = fields.String()
    region_title = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    address = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    director = fields.Nested(DirectorSchema, allow_none=True)
    attestation_settings = fields.Nested(AttestationSettingsSchema)
    is_active = fields.Boolean()
    created_at = fields.String()
    admin = fields.Dict(metadata={"description": "on creation: the first administrator (with "
                                                 "temporary_password when none was given)"})


class OrganizationPageSchema(Schema):
    items = fields.List(fields.Nested(OrganizationSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class PageQuerySchema(RuSchema):
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


@api.route("/organizations", "POST", body=OrganizationCreateSchema, response=OrganizationSchema,
           status=201, tag="organizations", errors=(403, 409, 422))
def create_organization(actor, body):
    """Create an organization and its first administrator (platform administrator only)."""
    return rpc.call("organizations", "create_organization", actor.to_rpc(), body)


@api.route("/organizations", query=PageQuerySchema, response=OrganizationPageSchema,
           tag="organizations", errors=(403,))
def list_organizations(actor, query):
    """All organizations (platform administrator only)."""
    return rpc.call("organizations", "list_organizations", actor.to_rpc(), query["page"],
                    query["per_page"])


@api.route("/organizations/<organization_id>", response=OrganizationSchema, tag="organizations",
           errors=(404,))
def get_organization(actor, organization_id):
    """One organization: its members and platform administrators; others get 404."""
    return rpc.call("organizations", "get_organization", actor.to_rpc(), organization_id)


@api.route("/organization", response=OrganizationSchema, tag="settings", errors=(403,))
def get_current_organization(actor):
    """The caller's active organization (X-Organization-Id or the first membership)."""
    if not actor.organization_id:
        raise PermissionDenied("Выберите организацию: вы не состоите ни в одной")
    return rpc.call("organizations", "get_organization", actor.to_rpc(), actor.organization_id)


@api.route("/organization", "PATCH", body=OrganizationUpdateSchema, response=OrganizationSchema,
           tag="settings", errors=(403, 409, 422))
def update_current_organization(actor, body):
    """Settings module: edit the organization's fields, contacts and director (org_admin)."""
    return rpc.call("organizations", "update_organization", actor.to_rpc(), body)


@api.route("/organization/attestation-settings", response=AttestationSettingsSchema,
           tag="settings", errors=(403,))
def get_attestation_settings(actor):
    """Which categories the organization's own commission handles."""
    return rpc.call("organizations", "get_attestation_settings", actor.to_rpc())


@api.route("/organization/attestation-settings", "PUT", body=AttestationSettingsInSchema,
           response=AttestationSettingsSchema, tag="settings", errors=(403, 422))
def update_attestation_settings(actor, body):
    """Set the organization-level commission's categories (by the rules: педагог-модератор)."""
    return rpc.call("organizations", "update_attestation_settings", actor.to_rpc(), body)
