"""Events the assessment service publishes: its public contract (names and payload fields).
Envelope (``UnitOfWork.publish``): event_id, event_type, occurred_at, version, request_id, data."""

REVIEW_TAKEN = "review_taken"
REVIEW_DECIDED = "review_decided"
STATE_PACKAGE_SENT = "state_package_sent"
STATE_DELIVERY_FAILED = "state_delivery_failed"
STATE_SERVICE_RESULT_RECEIVED = "state_service_result_received"

PAYLOAD_FIELDS = {
    REVIEW_TAKEN: ("application_id", "organization_id", "assessor_id"),
    REVIEW_DECIDED: ("application_id", "organization_id", "submission_number", "decision",
                     "remarks", "actor_user_id"),
    STATE_PACKAGE_SENT: ("application_id", "organization_id", "delivery_id", "message_id",
                         "correlation_id", "due_at"),
    STATE_DELIVERY_FAILED: ("application_id", "organization_id", "delivery_id", "error"),
    STATE_SERVICE_RESULT_RECEIVED: ("application_id", "organization_id", "delivery_id", "accepted",
                                    "reasons", "correlation_id"),
}
