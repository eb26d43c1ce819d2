"""Marshmallow schemas of the documents service's RPC inputs."""
from marshmallow import EXCLUDE, Schema, fields, validate

SAFE_REF = validate.Regexp(r"^[\w.:\-/@]+$", error="Недопустимые символы")


class UploadSlotIn(Schema):
    class Meta:
        unknown = EXCLUDE

    # required unless document_id names an existing document (a new version inherits them)
    subject_type = fields.String(load_default=None, allow_none=True,
                                 validate=[validate.Length(1, 64), SAFE_REF])
    subject_id = fields.String(load_default=None, allow_none=True,
                               validate=[validate.Length(1, 200), SAFE_REF])
    kind = fields.String(load_default=None, allow_none=True,
                         validate=[validate.Length(1, 64), SAFE_REF])
    filename = fields.String(required=True, validate=validate.Length(1, 1000))
    content_type = fields.String(load_default=None, allow_none=True)
    size = fields.Integer(load_default=None, allow_none=True, strict=False)
    document_id = fields.UUID(load_default=None, allow_none=True)


def missing_subject(data: dict) -> dict:
    if data.get("document_id"):
        return {}
    return {k: ["Обязательное поле"] for k in ("subject_type", "subject_id", "kind")
            if not data.get(k)}


class ExpectIn(Schema):
    class Meta:
        unknown = EXCLUDE

    signer_iin = fields.String(load_default=None, allow_none=True,
                               validate=validate.Regexp(r"^\d{12}$", error="ИИН — 12 цифр"))
    director_of_bin = fields.String(load_default=None, allow_none=True,
                                    validate=validate.Regexp(r"^\d{12}$", error="БИН — 12 цифр"))
