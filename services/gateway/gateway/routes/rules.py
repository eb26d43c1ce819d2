"""Rules editions of the attestation and the teacher's acknowledgement (applications service)."""
from marshmallow import Schema, fields, validate

from gateway.api import api
from gateway.rpc import rpc


class RulesCategorySchema(Schema):
    code = fields.String()
    rank = fields.Integer()
    title_ru = fields.String()
    title_kk = fields.String()
    attestable = fields.Boolean()
    previous_category = fields.String(allow_none=True)
    min_experience_years = fields.Integer(allow_none=True)
    test_pass_percent = fields.Integer(allow_none=True)
    portfolio_points = fields.Integer(allow_none=True)
    commission_level = fields.String(allow_none=True)
    course_hours = fields.Integer(allow_none=True)
    early_min_achievements = fields.Integer(allow_none=True)


class RulesChecklistItemSchema(Schema):
    code = fields.String()
    title_ru = fields.String()
    title_kk = fields.String()
    requirement = fields.String(metadata={"enum": ["mandatory", "if_any", "if_not_in_state_systems",
                                                   "if_has_category"]})
    head_certification = fields.Boolean()
    accepted_types = fields.List(fields.String())


class RulesEditionSchema(Schema):
    code = fields.String()
    title_ru = fields.String()
    title_kk = fields.String()
    order_number = fields.String()
    order_date = fields.String()
    issuer_ru = fields.String(allow_none=True)
    url = fields.String()
    effective_from = fields.String()
    amended_by_ru = fields.String(allow_none=True)
    category_validity_years = fields.Integer()
    early_attestation_min_years = fields.Integer()
    categories = fields.List(fields.Nested(RulesCategorySchema))
    checklist = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(RulesChecklistItemSchema)))


class AcknowledgeRulesSchema(Schema):
    edition_code = fields.String(required=True, validate=validate.Length(1, 50))


class RulesAcknowledgementSchema(Schema):
    edition_code = fields.String()
    acknowledged = fields.Boolean()
    acknowledged_at = fields.String(allow_none=True)


@api.route("/rules/current", auth=False, response=RulesEditionSchema, tag="rules")
def current_rules():
    """The current edition of the attestation rules with categories and document checklists."""
    return rpc.call("applications", "get_current_rules_edition")


@api.route("/rules/<code>", auth=False, response=RulesEditionSchema, tag="rules", errors=(404,))
def rules_edition(code):
    """One edition of the attestation rules."""
    return rpc.call("applications", "get_rules_edition", code)


@api.route("/rules/acknowledgement", auth=True, response=RulesAcknowledgementSchema, tag="rules")
def my_acknowledgement(actor):
    """Whether I have acknowledged the current rules edition."""
    return rpc.call("applications", "get_rules_acknowledgement", actor.to_rpc())


@api.route("/rules/acknowledgement", "POST", body=AcknowledgeRulesSchema, response=RulesAcknowledgementSchema,
           status=201, tag="rules", errors=(403,))
def acknowledge(actor, body):
    """Confirm that I have read the rules edition (stored: who, when, which edition)."""
    return rpc.call("applications", "acknowledge_rules", actor.to_rpc(), body["edition_code"])
