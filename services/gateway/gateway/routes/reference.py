"""Reference lists (positions, categories, regions, organization types, roles) and the
Russian-message schema base shared by the identity/organizations route modules."""
from marshmallow import INCLUDE, Schema, fields

from gateway.api import api
from gateway.rpc import rpc

_BY_TYPE = [
    (fields.Boolean, "Ожидается true или false"),
    (fields.Integer, "Ожидается целое число"),
    (fields.Date, "Ожидается дата в формате ГГГГ-ММ-ДД"),
    (fields.UUID, "Ожидается UUID"),
    (fields.List, "Ожидается список"),
    (fields.Nested, "Ожидается объект"),
    (fields.Dict, "Ожидается объект"),
    (fields.String, "Ожидается строка"),
]


def _translate(field):
    for cls, message in _BY_TYPE:
        if isinstance(field, cls):
            for key in ("invalid", "type", "invalid_uuid", "format"):
                field.error_messages[key] = message
            break
    field.error_messages.update({"required": "Обязательное поле",
                                 "null": "Поле не может быть пустым",
                                 "validator_failed": "Недопустимое значение"})
    if getattr(field, "inner", None) is not None:
        _translate(field.inner)


class RuSchema(Schema):
    """Edge schema: types and required fields with Russian messages; the owning service
    validates the rest (checksums, reference codes, lengths) and answers in Russian too."""
    error_messages = {"unknown": "Неизвестное поле", "type": "Ожидается JSON-объект"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _translate(field)


class OpenSchema(Schema):
    """Response schema that passes through fields it does not list."""
    class Meta:
        unknown = INCLUDE


class CodeTitleSchema(Schema):
    code = fields.String(required=True)
    title_ru = fields.String(required=True)
    title_kk = fields.String()


class CategorySchema(CodeTitleSchema):
    rank = fields.Integer()
    commission_level = fields.String(allow_none=True)


class ReferenceSchema(Schema):
    positions = fields.List(fields.Nested(CodeTitleSchema))
    categories = fields.List(fields.Nested(CategorySchema))
    regions = fields.List(fields.Nested(CodeTitleSchema))
    organization_types = fields.List(fields.Nested(CodeTitleSchema))
    roles = fields.List(fields.Nested(CodeTitleSchema))


@api.route("/reference", response=ReferenceSchema, auth=False, tag="reference")
def get_reference():
    """Reference lists: teacher positions, qualification categories (codes), regions, types, roles."""
    return rpc.call("organizations", "get_reference")
