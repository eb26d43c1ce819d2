"""Marshmallow schemas of the identity service's RPC inputs and outputs."""
import re

from marshmallow import Schema, ValidationError, fields, validate

from pedatt_common import kz_ids

NAME = validate.Length(min=1, max=100, error="Длина должна быть от {min} до {max} символов")
ROLE_CHOICES = ("org_admin", "teacher", "director", "assessor")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def validate_iin(value):
    if not kz_ids.is_valid(value):
        raise ValidationError("Некорректный ИИН: 12 цифр с верной контрольной суммой")


def validate_email(value):
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValidationError("Некорректный адрес электронной почты")


class UserInputSchema(Schema):
    iin = fields.String(required=True, validate=validate_iin)
    email = fields.String(load_default=None, allow_none=True, validate=validate_email)
    last_name = fields.String(required=True, validate=NAME)
    first_name = fields.String(required=True, validate=NAME)
    middle_name = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=100, error="Не длиннее {max} символов"))
    password = fields.String(load_default=None, allow_none=True)
    must_change_password = fields.Boolean(load_default=True)


class UserUpdateSchema(Schema):
    email = fields.String(allow_none=True, validate=validate_email)
    last_name = fields.String(validate=NAME)
    first_name = fields.String(validate=NAME)
    middle_name = fields.String(allow_none=True,
                                validate=validate.Length(max=100, error="Не длиннее {max} символов"))


class MembershipInputSchema(Schema):
    user_id = fields.UUID(required=True)
    organization_id = fields.UUID(required=True)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLE_CHOICES, error="Неизвестная роль")),
                        required=True)
    is_active = fields.Boolean(load_default=True)


def full_name(user) -> str:
    return " ".join(p for p in (user.last_name, user.first_name, user.middle_name) if p)


def dump_user(user) -> dict:
    return {
        "id": str(user.id),
        "iin": user.iin,
        "email": user.email,
        "last_name": user.last_name,
        "first_name": user.first_name,
        "middle_name": user.middle_name,
        "full_name": full_name(user),
        "is_active": user.is_active,
        "must_change_password": user.must_change_password,
        "platform_roles": list(user.platform_roles or []),
    }


def dump_membership(m) -> dict:
    return {"organization_id": str(m.organization_id), "roles": list(m.roles or []),
            "is_active": m.is_active}
