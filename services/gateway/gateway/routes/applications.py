"""Attestation applications: eligibility, the application and its portfolio, signing and
submission, the organization's list, the director's queue (applications service)."""
import base64

from flask import Response
from marshmallow import Schema, fields, validate

from gateway.api import api
from gateway.rpc import rpc

STATUSES = ("draft", "submitted", "under_review", "returned_for_rework", "accepted",
            "sent_to_state_service", "state_accepted", "state_refused", "withdrawn")
TAG = "applications"

# ----------------------------------------------------------------------------- schemas


class EligibilityReasonSchema(Schema):
    code = fields.String()
    message = fields.String()
    details = fields.Dict(allow_none=True)
    item_code = fields.String(allow_none=True)
    portfolio_document_id = fields.String(allow_none=True)


class EligibilityQuerySchema(Schema):
    target_category = fields.String(required=True, validate=validate.Length(1, 50))
    declared_achievements = fields.Integer(load_default=None, validate=validate.Range(0, 1000))


class EligibilitySchema(Schema):
    eligible = fields.Boolean()
    early = fields.Boolean()
    reasons = fields.List(fields.Nested(EligibilityReasonSchema))
    warnings = fields.List(fields.Nested(EligibilityReasonSchema))
    form = fields.Dict()
    edition_code = fields.String()


class CreateApplicationSchema(Schema):
    target_category = fields.String(required=True, validate=validate.Length(1, 50))
    declared_achievements = fields.Integer(load_default=None, allow_none=True,
                                           validate=validate.Range(0, 1000))


class ApplicationSummarySchema(Schema):
    id = fields.String()
    organization_id = fields.String()
    teacher_id = fields.String()
    teacher_name = fields.String()
    edition_code = fields.String()
    target_category = fields.String()
    current_category = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": list(STATUSES)})
    status_title = fields.String()
    version = fields.Integer()
    submission_count = fields.Integer()
    created_at = fields.String()
    updated_at = fields.String()
    submitted_at = fields.String(allow_none=True)


class ApplicationTransitionSchema(Schema):
    id = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    action = fields.String()
    actor_user_id = fields.String(allow_none=True)
    actor_kind = fields.String()
    comment = fields.String(allow_none=True)
    created_at = fields.String()


class ApplicationSchema(ApplicationSummarySchema):
    form = fields.Dict()
    item_flags = fields.Dict()
    early = fields.Boolean()
    declared_achievements = fields.Integer(allow_none=True)
    rules_edition = fields.Dict()
    rules_acknowledged_at = fields.String(allow_none=True)
    portfolio = fields.List(fields.Dict(), metadata={"description": "checklist items with their documents and remarks"})
    completeness = fields.Dict(metadata={"description": "complete, missing_items, awaiting_head_signature, reasons"})
    remarks = fields.List(fields.Dict())
    changes_since_last_submission = fields.Dict(allow_none=True)
    submission = fields.Dict(allow_none=True)
    allowed_actions = fields.List(fields.String())
    timeline = fields.List(fields.Nested(ApplicationTransitionSchema))


class ApplicationListQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    target_category = fields.String(load_default=None, validate=validate.Length(1, 50))
    teacher_id = fields.UUID(load_default=None)
    organization_id = fields.UUID(load_default=None)
    cursor = fields.String(load_default=None, validate=validate.Length(1, 200))
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class ApplicationPageSchema(Schema):
    items = fields.List(fields.Nested(ApplicationSummarySchema))
    next_cursor = fields.String(allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True,
                         metadata={"description": "per status, on the first page (no cursor) only"})
    total = fields.Integer(allow_none=True)


class ApplicationFormChangesSchema(Schema):
    email = fields.Email(validate=validate.Length(max=200))
    position = fields.String(validate=validate.Length(1, 200))


class PortfolioItemFlagSchema(Schema):
    in_state_systems = fields.Boolean(required=True)


class UpdateApplicationSchema(Schema):
    version = fields.Integer(required=True)
    form = fields.Nested(ApplicationFormChangesSchema)
    item_flags = fields.Dict(keys=fields.String(validate=validate.Length(1, 60)),
                             values=fields.Nested(PortfolioItemFlagSchema))


class AddPortfolioDocumentSchema(Schema):
    version = fields.Integer(required=True)
    item_code = fields.String(required=True, validate=validate.Length(1, 60))
    document_id = fields.UUID(required=True)


class ApplicationVersionQuerySchema(Schema):
    version = fields.Integer(required=True)


class CanonicalDocumentSchema(Schema):
    media_type = fields.String()
    sha256 = fields.String()
    content_base64 = fields.String()
    submission_number = fields.Integer()


class SubmitApplicationSchema(Schema):
    version = fields.Integer(required=True)
    signature = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 2_000_000),
                              metadata={"description": "CMS (base64/PEM) over the canonical bytes"})
    paper_scan_document_id = fields.UUID(load_default=None, allow_none=True)


class WithdrawApplicationSchema(Schema):
    version = fields.Integer(required=True)
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))


class DirectorQueueItemSchema(Schema):
    id = fields.String()
    application_id = fields.String()
    teacher_name = fields.String()
    application_status = fields.String()
    target_category = fields.String()
    item_code = fields.String()
    item_title_ru = fields.String(allow_none=True)
    document_id = fields.String()
    document_version = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    needs_head_signature = fields.Boolean()
    head_signed = fields.Boolean()
    head_signed_at = fields.String(allow_none=True)
    head_signer_iin = fields.String(allow_none=True)
    added_at = fields.String()


class HeadSignatureSchema(Schema):
    signature = fields.String(required=True, validate=validate.Length(1, 2_000_000),
                              metadata={"description": "CMS (base64/PEM) over the scan's stored bytes"})


# ----------------------------------------------------------------------------- routes

def call(method, *args, **kwargs):
    return rpc.call("applications", method, *args, **kwargs)


@api.route("/applications/eligibility", query=EligibilityQuerySchema, response=EligibilitySchema,
           tag=TAG, errors=(403,))
def eligibility(actor, query):
    """Can I apply for this category? Every reason when not, and the form snapshot."""
    return call("check_eligibility", actor.to_rpc(), query["target_category"],
                query["declared_achievements"])


@api.route("/applications", "POST", body=CreateApplicationSchema, response=ApplicationSchema, status=201,
           tag=TAG, errors=(403, 422))
def create(actor, body):
    """Create a draft application for a target category (after acknowledging the rules)."""
    return call("create_application", actor.to_rpc(), body["target_category"],
                body["declared_achievements"])


@api.route("/applications/mine", response=ApplicationSummarySchema, many=True, tag=TAG)
def mine(actor):
    """My applications with their statuses."""
    return call("list_my_applications", actor.to_rpc())


@api.route("/applications", query=ApplicationListQuerySchema, response=ApplicationPageSchema, tag=TAG, errors=(403,))
def organization_list(actor, query):
    """The organization's applications: filters, keyset pages (newest first), counts per status."""
    filters = {k: (str(v) if k in ("teacher_id", "organization_id") and v else v)
               for k, v in query.items()}
    return call("list_applications", actor.to_rpc(), **filters)


@api.route("/applications/<application_id>", response=ApplicationSchema, tag=TAG, errors=(404,))
def get(actor, application_id):
    """One application with its portfolio, completeness, remarks and timeline."""
    return call("get_application", actor.to_rpc(), application_id)


@api.route("/applications/<application_id>", "PATCH", body=UpdateApplicationSchema, response=ApplicationSchema,
           tag=TAG, errors=(403, 404, 409))
def update(actor, application_id, body):
    """Edit the form (e-mail, position) or mark items as available in state systems."""
    changes = {k: v for k, v in body.items() if k != "version"}
    return call("update_application", actor.to_rpc(), application_id, body["version"], changes)


@api.route("/applications/<application_id>/documents", "POST", body=AddPortfolioDocumentSchema,
           response=ApplicationSchema, status=201, tag=TAG, errors=(403, 404, 409, 422))
def add_document(actor, application_id, body):
    """Attach an uploaded document (documents service) to a checklist item."""
    return call("add_portfolio_document", actor.to_rpc(), application_id, body["version"],
                body["item_code"], str(body["document_id"]))


@api.route("/applications/<application_id>/documents/<portfolio_document_id>", "DELETE",
           query=ApplicationVersionQuerySchema, response=ApplicationSchema, tag=TAG, errors=(403, 404, 409))
def remove_document(actor, application_id, portfolio_document_id, query):
    """Detach a document from the portfolio."""
    return call("remove_portfolio_document", actor.to_rpc(), application_id, query["version"],
                portfolio_document_id)


@api.route("/applications/<application_id>/canonical", response=CanonicalDocumentSchema, tag=TAG, errors=(404,))
def canonical(actor, application_id):
    """The canonical document to sign (base64 of the exact bytes, and their SHA-256)."""
    return call("get_canonical_document", actor.to_rpc(), application_id)


@api.route("/applications/<application_id>/submit", "POST", body=SubmitApplicationSchema,
           response=ApplicationSchema, tag=TAG, errors=(403, 404, 409, 422))
def submit(actor, application_id, body):
    """Sign and submit: an EDS signature over the canonical bytes, or a scan of the paper form."""
    scan = body.get("paper_scan_document_id")
    return call("submit_application", actor.to_rpc(), application_id, body["version"],
                signature=body.get("signature"), paper_scan_document_id=str(scan) if scan else None)


@api.route("/applications/<application_id>/withdraw", "POST", body=WithdrawApplicationSchema,
           response=ApplicationSchema, tag=TAG, errors=(403, 404, 409))
def withdraw(actor, application_id, body):
    """Withdraw the application (before the organization's decision)."""
    return call("withdraw_application", actor.to_rpc(), application_id, body["version"], body["comment"])


@api.route("/applications/<application_id>/timeline", response=ApplicationTransitionSchema, many=True, tag=TAG,
           errors=(404,))
def timeline(actor, application_id):
    """Every status change: who, when, from, to, comment."""
    return call("get_timeline", actor.to_rpc(), application_id)


@api.route("/director/queue", response=DirectorQueueItemSchema, many=True, tag=TAG, errors=(403,))
def director_queue(actor):
    """Scans of the organization's applications that need the head's EDS signature."""
    return call("list_director_queue", actor.to_rpc())


@api.route("/director/queue/<portfolio_document_id>/signature", "POST", body=HeadSignatureSchema,
           response=DirectorQueueItemSchema, status=201, tag=TAG, errors=(403, 404, 409, 422))
def director_sign(actor, portfolio_document_id, body):
    """The director signs a scan (verified: the organization's director, its BIN)."""
    return call("sign_portfolio_document", actor.to_rpc(), portfolio_document_id, body["signature"])


@api.route("/applications/<application_id>/canonical.json", tag=TAG, errors=(403, 404),
           produces="application/json")
def canonical_raw(actor, application_id):
    """The exact bytes to sign, for signing tools that take a file (NCALayer signs base64)"""
    data = call("get_canonical_document", actor.to_rpc(), application_id)
    return Response(base64.b64decode(data["content_base64"]), mimetype="application/json",
                    headers={"X-Content-SHA256": data["sha256"]})
