"""Marshmallow schemas for the RPC inputs (validated again in the service, not only at the edge)."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from applications.domain import STATUSES

MAX_PAGE = 100


class CreateApplicationSchema(Schema):
    target_category = fields.String(required=True, validate=validate.Length(1, 50))
    declared_achievements = fields.Integer(load_default=None, allow_none=True,
                                           validate=validate.Range(0, 1000))


class ListApplicationsSchema(Schema):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(STATUSES))
    target_category = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 50))
    teacher_id = fields.UUID(load_default=None, allow_none=True)
    organization_id = fields.UUID(load_default=None, allow_none=True)
    cursor = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))
    limit = fields.Integer(load_default=20, validate=validate.Range(1, MAX_PAGE))


class FormChangesSchema(Schema):
    email = fields.Email(validate=validate.Length(max=200))
    position = fields.String(validate=validate.Length(1, 200))


class ItemFlagSchema(Schema):
    in_state_systems = fields.Boolean(required=True)


class UpdateApplicationSchema(Schema):
    form = fields.Nested(FormChangesSchema)
    item_flags = fields.Dict(keys=fields.String(validate=validate.Length(1, 60)),
                             values=fields.Nested(ItemFlagSchema))


class SubmitSchema(Schema):
    signature = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(1, 2_000_000))
    paper_scan_document_id = fields.UUID(load_default=None, allow_none=True)

    @validates_schema
    def exactly_one(self, data, **kwargs):
        if bool(data.get("signature")) == bool(data.get("paper_scan_document_id")):
            raise ValidationError("Приложите либо ЭЦП-подпись, либо скан подписанного заявления",
                                  "signature")


class RemarkSchema(Schema):
    item_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 60))
    text = fields.String(required=True, validate=validate.Length(1, 4000))


class RemarksSchema(Schema):
    remarks = fields.List(fields.Nested(RemarkSchema), required=True,
                          validate=validate.Length(1, 200))
