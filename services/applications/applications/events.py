"""Events the applications service publishes: its public contract (names and payload fields).
Envelope (``UnitOfWork.publish``): event_id, event_type, occurred_at, version, request_id, data."""

APPLICATION_CREATED = "application_created"
APPLICATION_SUBMITTED = "application_submitted"
APPLICATION_STATUS_CHANGED = "application_status_changed"
APPLICATION_REMARKS_ADDED = "application_remarks_added"
PORTFOLIO_DOCUMENT_HEAD_SIGNED = "portfolio_document_head_signed"

PAYLOAD_FIELDS = {
    APPLICATION_CREATED: ("application_id", "organization_id", "teacher_id", "target_category",
                          "edition_code"),
    APPLICATION_SUBMITTED: ("application_id", "organization_id", "teacher_id", "target_category",
                            "submission_number", "canonical_sha256", "signature_kind"),
    APPLICATION_STATUS_CHANGED: ("application_id", "organization_id", "teacher_id", "target_category",
                                 "from_status", "to_status", "action", "actor_user_id", "comment",
                                 "transition_id"),
    APPLICATION_REMARKS_ADDED: ("application_id", "organization_id", "teacher_id", "remarks"),
    PORTFOLIO_DOCUMENT_HEAD_SIGNED: ("application_id", "organization_id", "teacher_id",
                                     "portfolio_document_id", "item_code", "document_id", "signer_iin"),
}
