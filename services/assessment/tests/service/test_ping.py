from assessment.service import AssessmentService


def test_ping_answers_over_real_rabbitmq_and_postgres(start_service, rpc_client):
    start_service(AssessmentService)
    assert rpc_client.assessment.ping() == {"service": "assessment", "ok": True}
