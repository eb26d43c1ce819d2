"""Forwarding to the state service (assessment service): delivery state for the organization,
manual resend, and the working-day calendar the state service's term is counted on."""
from marshmallow import Schema, fields, validate

from gateway.api import api
from gateway.rpc import rpc

TAG = "state-service"
STATES = ("queued", "sent", "state_accepted", "state_refused", "failed")


def call(method, *args, **kwargs):
    return rpc.call("assessment", method, *args, **kwargs)


class DeliveryQuerySchema(Schema):
    state = fields.String(load_default=None, validate=validate.OneOf(STATES))
    overdue = fields.Boolean(load_default=None, metadata={"description": "only answers later than the term"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class ReasonSchema(Schema):
    code = fields.String()
    message = fields.String()
    item_code = fields.String(allow_none=True)
    document_id = fields.String(allow_none=True)


class DeliverySchema(Schema):
    id = fields.String()
    application_id = fields.String()
    organization_id = fields.String()
    submission_number = fields.Integer()
    message_id = fields.String()
    correlation_id = fields.String(allow_none=True)
    state = fields.String(metadata={"enum": list(STATES)})
    attempts = fields.Integer()
    next_attempt_at = fields.String(allow_none=True)
    last_error = fields.String(allow_none=True)
    resends = fields.Integer()
    reasons = fields.List(fields.Nested(ReasonSchema))
    queued_at = fields.String()
    sent_at = fields.String(allow_none=True)
    due_at = fields.String(allow_none=True)
    result_at = fields.String(allow_none=True)
    overdue = fields.Boolean()
    documents = fields.Integer()


class DeliveryDetailSchema(DeliverySchema):
    history = fields.List(fields.Dict())


class DeliveryPageSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema))
    total = fields.Integer()


class DueQuerySchema(Schema):
    filed_at = fields.String(load_default=None, metadata={"description": "ISO-8601 with offset; default now"})
    term_days = fields.Integer(load_default=1, validate=validate.Range(1, 60))


class DueSchema(Schema):
    filed_at = fields.String()
    receipt_day = fields.String()
    term_days = fields.Integer()
    due_at = fields.String()


class CalendarSchema(Schema):
    year = fields.Integer()
    weekend = fields.List(fields.Integer())
    holidays = fields.List(fields.Dict())
    transfers = fields.List(fields.Dict())


@api.route("/state-deliveries", query=DeliveryQuerySchema, response=DeliveryPageSchema, tag=TAG,
           errors=(403,))
def deliveries(actor, query):
    """Packages sent (or being sent) to the state service: state, attempts, errors, due dates."""
    return call("list_deliveries", actor.to_rpc(), **query)


@api.route("/state-deliveries/<delivery_id>", response=DeliveryDetailSchema, tag=TAG,
           errors=(403, 404))
def delivery(actor, delivery_id):
    """One package with the history of its attempts."""
    return call("get_delivery", actor.to_rpc(), delivery_id)


@api.route("/state-deliveries/<delivery_id>/resend", "POST", response=DeliverySchema, tag=TAG,
           errors=(403, 404, 409))
def resend(actor, delivery_id):
    """Resend a package that gave up after the retry limit (organization admin; same messageId)."""
    return call("resend_delivery", actor.to_rpc(), delivery_id)


class FilingSchema(Schema):
    application_id = fields.String()
    state = fields.String(metadata={"enum": list(STATES)})
    queued_at = fields.String()
    sent_at = fields.String(allow_none=True)
    due_at = fields.String(allow_none=True)
    result_at = fields.String(allow_none=True)
    overdue = fields.Boolean()
    reasons = fields.List(fields.Nested(ReasonSchema))
    correlation_id = fields.String(allow_none=True)


@api.route("/applications/<application_id>/state-filing", response=FilingSchema, tag=TAG,
           errors=(404,))
def filing(actor, application_id):
    """My application at the state service: sent when, due when, the verdict and its reasons."""
    return call("get_application_filing", actor.to_rpc(), application_id)


@api.route("/calendar/due-date", query=DueQuerySchema, response=DueSchema, tag=TAG, errors=(422,))
def due_date(actor, query):
    """When the state service's answer is due (Kazakhstan working days, after-hours rule)."""
    return call("get_due_date", query["filed_at"], query["term_days"])


@api.route("/calendar/<year>", response=CalendarSchema, tag=TAG, errors=(404,))
def calendar(actor, year):
    """Non-working days of a year in Kazakhstan (holidays and transfers; weekends implicit)."""
    return call("get_calendar", year)
