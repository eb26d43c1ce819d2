"""The organization's review of applications (assessment service): the queue, taking an
application, marking checklist items, returning for rework and accepting."""
from marshmallow import Schema, fields, validate

from gateway.api import api
from gateway.rpc import rpc

TAG = "review"
STATUSES = ("submitted", "under_review", "returned_for_rework", "accepted",
            "sent_to_state_service", "state_accepted", "state_refused", "withdrawn")


def call(method, *args, **kwargs):
    return rpc.call("assessment", method, *args, **kwargs)


class QueueQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    assessor_id = fields.String(load_default=None, validate=validate.Length(1, 64),
                                metadata={"description": "a user id, or `me`"})
    target_category = fields.String(load_default=None, validate=validate.Length(1, 64))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class ReviewSchema(Schema):
    application_id = fields.String()
    organization_id = fields.String()
    teacher_id = fields.String(allow_none=True)
    teacher_name = fields.String(allow_none=True)
    target_category = fields.String(allow_none=True)
    status = fields.String()
    submission_number = fields.Integer()
    assessor_id = fields.String(allow_none=True)
    assigned_at = fields.String(allow_none=True)
    submitted_at = fields.String(allow_none=True)
    updated_at = fields.String(allow_none=True)


class QueuePageSchema(Schema):
    items = fields.List(fields.Nested(ReviewSchema))
    total = fields.Integer()


class AssignSchema(Schema):
    assessor_id = fields.String(required=True, validate=validate.Length(1, 64))


class MarkBodySchema(Schema):
    verdict = fields.String(required=True, validate=validate.OneOf(("ok", "remark")))
    text = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class MarkSchema(Schema):
    item_code = fields.String()
    verdict = fields.String()
    text = fields.String(allow_none=True)
    marked_by = fields.String(allow_none=True)
    submission_number = fields.Integer()


class DecisionBodySchema(Schema):
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))


class DecisionSchema(Schema):
    application_id = fields.String()
    decision = fields.String(metadata={"enum": ["return_for_rework", "accept"]})
    status = fields.String()
    remarks = fields.List(fields.Dict())
    submission_number = fields.Integer()


class ReviewSheetSchema(Schema):
    application = fields.Dict()
    review = fields.Nested(ReviewSchema, allow_none=True)
    items = fields.List(fields.Dict(), metadata={
        "description": "checklist items: code, title, required, head_certification, mark, "
                       "documents (with sha256, size and the signature reports)"})
    blockers = fields.List(fields.Dict(), metadata={"description": "what stops an acceptance"})
    decisions = fields.List(fields.Dict())
    log = fields.List(fields.Dict())
    delivery = fields.Dict(allow_none=True)


@api.route("/reviews", query=QueueQuerySchema, response=QueuePageSchema, tag=TAG, errors=(403,))
def queue(actor, query):
    """The review queue of the organization (submitted and under review by default), oldest first."""
    return call("list_review_queue", actor.to_rpc(), **query)


@api.route("/reviews/<application_id>", response=ReviewSheetSchema, tag=TAG, errors=(403, 404))
def sheet(actor, application_id):
    """The review sheet: items with documents, signature reports, marks; decisions; log; delivery."""
    return call("get_review", actor.to_rpc(), application_id)


@api.route("/reviews/<application_id>/take", "POST", response=ReviewSchema, tag=TAG,
           errors=(403, 404, 409))
def take(actor, application_id):
    """Take a submitted application for review (it becomes `under_review`, assigned to me)."""
    return call("take_application", actor.to_rpc(), application_id)


@api.route("/reviews/<application_id>/assign", "POST", body=AssignSchema, response=ReviewSchema,
           tag=TAG, errors=(403, 404, 409))
def assign(actor, application_id, body):
    """The organization admin reassigns the application to another assessor."""
    return call("assign_reviewer", actor.to_rpc(), application_id, body["assessor_id"])


@api.route("/reviews/<application_id>/items/<item_code>", "PUT", body=MarkBodySchema,
           response=MarkSchema, tag=TAG, errors=(403, 404, 409))
def mark(actor, application_id, item_code, body):
    """Mark a checklist item `ok` or `remark` (a remark needs text)."""
    return call("mark_item", actor.to_rpc(), application_id, item_code, body["verdict"],
                body["text"])


@api.route("/reviews/<application_id>/return", "POST", body=DecisionBodySchema,
           response=DecisionSchema, tag=TAG, errors=(403, 404, 409, 422))
def return_for_rework(actor, application_id, body):
    """Return for rework with this round's remarks (at least one)."""
    return call("return_for_rework", actor.to_rpc(), application_id, body["comment"])


@api.route("/reviews/<application_id>/accept", "POST", body=DecisionBodySchema,
           response=DecisionSchema, tag=TAG, errors=(403, 404, 409, 422))
def accept(actor, application_id, body):
    """Accept and queue the portfolio for the state service (422 lists every blocker)."""
    return call("accept_application", actor.to_rpc(), application_id, body["comment"])
