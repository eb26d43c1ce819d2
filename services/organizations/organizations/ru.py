"""Russian default messages for marshmallow schemas (field names stay machine-readable)."""
from marshmallow import Schema, fields

_BY_TYPE = [
    (fields.Boolean, {"invalid": "Ожидается true или false"}),
    (fields.Integer, {"invalid": "Ожидается целое число", "too_large": "Слишком большое число"}),
    (fields.Date, {"invalid": "Ожидается дата в формате ГГГГ-ММ-ДД",
                   "format": "Ожидается дата в формате ГГГГ-ММ-ДД"}),
    (fields.UUID, {"invalid_uuid": "Ожидается UUID", "invalid": "Ожидается UUID"}),
    (fields.List, {"invalid": "Ожидается список"}),
    (fields.Nested, {"type": "Ожидается объект"}),
    (fields.Dict, {"invalid": "Ожидается объект"}),
    (fields.String, {"invalid": "Ожидается строка", "invalid_utf8": "Недопустимые символы"}),
]
_COMMON = {"required": "Обязательное поле", "null": "Поле не может быть пустым",
           "validator_failed": "Недопустимое значение"}


def _translate(field):
    for cls, messages in _BY_TYPE:
        if isinstance(field, cls):
            field.error_messages.update({k: v for k, v in messages.items()
                                         if k in field.error_messages or k == "invalid"})
            break
    field.error_messages.update(_COMMON)
    inner = getattr(field, "inner", None)
    if inner is not None:
        _translate(inner)


class RuSchema(Schema):
    error_messages = {"unknown": "Неизвестное поле", "type": "Ожидается JSON-объект"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _translate(field)
