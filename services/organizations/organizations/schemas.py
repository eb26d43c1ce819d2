"""Marshmallow schemas of the organizations service's RPC inputs and outputs."""
import re
from datetime import date

from marshmallow import ValidationError, fields, validate

from pedatt_common import kz_ids

from organizations import reference
from organizations.ru import RuSchema

ROLE_CODES = ("org_admin", "teacher", "director", "assessor")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()\-]{5,30}$")


def length(lo, hi):
    return validate.Length(min=lo, max=hi, error=f"Длина должна быть от {lo} до {hi} символов")


def _not_blank(value):
    if isinstance(value, str) and not value.strip():
        raise ValidationError("Поле не может быть пустым")


def validate_iin(value):
    if not kz_ids.is_valid(value):
        raise ValidationError("Некорректный ИИН: нужно 12 цифр с верной контрольной суммой")


def validate_bin(value):
    if not kz_ids.is_valid(value):
        raise ValidationError("Некорректный БИН: нужно 12 цифр с верной контрольной суммой")


def validate_email(value):
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValidationError("Некорректный адрес электронной почты")


def validate_phone(value):
    if not _PHONE.match(value):
        raise ValidationError("Некорректный номер телефона")


def one_of_codes(items_fn, message):
    def check(value):
        if value not in reference.by_code(items_fn()):
            raise ValidationError(message)
    return check


validate_position = one_of_codes(reference.positions, "Неизвестная должность: выберите из справочника")
validate_category = one_of_codes(reference.categories, "Неизвестная категория: выберите из справочника")
validate_region = one_of_codes(reference.regions, "Неизвестный регион: выберите из справочника")
validate_org_type = one_of_codes(reference.organization_types,
                                 "Неизвестный тип организации: школа, детский сад, колледж или организация дополнительного образования")
validate_role = validate.OneOf(ROLE_CODES, error="Неизвестная роль: org_admin, teacher, director или assessor")


def Name(required=True):  # noqa: N802 - a field factory
    return fields.String(required=required, validate=[length(1, 100), _not_blank])


class PersonSchema(RuSchema):
    iin = fields.String(required=True, validate=validate_iin)
    email = fields.String(load_default=None, allow_none=True, validate=validate_email)
    last_name = Name()
    first_name = Name()
    middle_name = fields.String(load_default=None, allow_none=True, validate=length(0, 100))
    password = fields.String(load_default=None, allow_none=True, validate=length(1, 128),
                             load_only=True)


class OrganizationCreateSchema(RuSchema):
    bin = fields.String(required=True, validate=validate_bin)
    name_ru = fields.String(required=True, validate=[length(1, 300), _not_blank])
    name_kk = fields.String(required=True, validate=[length(1, 300), _not_blank])
    type = fields.String(required=True, validate=validate_org_type)
    region = fields.String(required=True, validate=validate_region)
    district = fields.String(load_default=None, allow_none=True, validate=length(0, 200))
    address = fields.String(required=True, validate=[length(1, 500), _not_blank])
    phone = fields.String(load_default=None, allow_none=True, validate=validate_phone)
    email = fields.String(load_default=None, allow_none=True, validate=validate_email)
    website = fields.String(load_default=None, allow_none=True, validate=length(0, 300))
    admin = fields.Nested(PersonSchema, required=True)


class OrganizationUpdateSchema(RuSchema):
    bin = fields.String(validate=validate_bin)
    name_ru = fields.String(validate=[length(1, 300), _not_blank])
    name_kk = fields.String(validate=[length(1, 300), _not_blank])
    type = fields.String(validate=validate_org_type)
    region = fields.String(validate=validate_region)
    district = fields.String(allow_none=True, validate=length(0, 200))
    address = fields.String(validate=[length(1, 500), _not_blank])
    phone = fields.String(allow_none=True, validate=validate_phone)
    email = fields.String(allow_none=True, validate=validate_email)
    website = fields.String(allow_none=True, validate=length(0, 300))
    director_user_id = fields.UUID(allow_none=True)


class AttestationSettingsSchema(RuSchema):
    commission_categories = fields.List(fields.String(validate=validate_category), required=True,
                                        validate=validate.Length(max=6, error="Слишком много значений"))


class EducationSchema(RuSchema):
    institution = fields.String(required=True, validate=[length(1, 300), _not_blank])
    specialty = fields.String(load_default=None, allow_none=True, validate=length(0, 300))
    qualification = fields.String(load_default=None, allow_none=True, validate=length(0, 300))
    graduation_year = fields.Integer(load_default=None, allow_none=True,
                                     validate=validate.Range(min=1940, max=2100,
                                                             error="Год должен быть от {min} до {max}"))
    diploma_number = fields.String(load_default=None, allow_none=True, validate=length(0, 60))


class ProfileSchema(RuSchema):
    """What the teacher edits in their own profile (all optional: a partial update)."""
    position_code = fields.String(allow_none=True, validate=validate_position)
    subjects = fields.List(fields.String(validate=[length(1, 100), _not_blank]),
                           validate=validate.Length(max=10, error="Не более {max} предметов"))
    total_experience_years = fields.Integer(allow_none=True, validate=validate.Range(
        min=0, max=70, error="Стаж должен быть от {min} до {max} лет"))
    teaching_experience_years = fields.Integer(allow_none=True, validate=validate.Range(
        min=0, max=70, error="Стаж должен быть от {min} до {max} лет"))
    education = fields.List(fields.Nested(EducationSchema),
                            validate=validate.Length(max=10, error="Не более {max} записей"))
    category_code = fields.String(allow_none=True, validate=validate_category)
    category_order_number = fields.String(allow_none=True, validate=length(0, 60))
    category_order_date = fields.Date(allow_none=True)
    category_valid_until = fields.Date(allow_none=True)
    phone = fields.String(allow_none=True, validate=validate_phone)


class StaffCreateSchema(PersonSchema, ProfileSchema):
    roles = fields.List(fields.String(validate=validate_role), load_default=lambda: ["teacher"],
                        validate=validate.Length(min=1, max=4, error="Укажите от {min} до {max} ролей"))


class StaffUpdateSchema(ProfileSchema):
    """What the administrator edits (names, e-mail and every profile field)."""
    last_name = Name(required=False)
    first_name = Name(required=False)
    middle_name = fields.String(allow_none=True, validate=length(0, 100))
    email = fields.String(allow_none=True, validate=validate_email)


class RoleSchema(RuSchema):
    role = fields.String(required=True, validate=validate_role)


class StaffQuerySchema(RuSchema):
    q = fields.String(load_default=None, validate=length(0, 100))
    role = fields.String(load_default=None, validate=validate_role)
    position_code = fields.String(load_default=None, validate=validate_position)
    active = fields.Boolean(load_default=None, allow_none=True)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000, error="Страница от {min}"))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100, error="От {min} до {max} на странице"))


def check_profile_consistency(data: dict, current=None) -> dict:
    """Rules across fields; returns field → messages (empty when consistent)."""
    def value(key):
        if key in data:
            return data[key]
        return getattr(current, key, None) if current is not None else None

    errors = {}
    total, teaching = value("total_experience_years"), value("teaching_experience_years")
    if total is not None and teaching is not None and teaching > total:
        errors["teaching_experience_years"] = ["Педагогический стаж не может превышать общий"]
    order_date, valid_until = value("category_order_date"), value("category_valid_until")
    if order_date and valid_until and valid_until <= order_date:
        errors["category_valid_until"] = ["Срок действия должен быть позже даты приказа"]
    if order_date and order_date > date.today():
        errors["category_order_date"] = ["Дата приказа не может быть в будущем"]
    return errors
