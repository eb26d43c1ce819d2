from applications.service import ApplicationsService


def test_ping_answers_over_real_rabbitmq_and_postgres(start_service, rpc_client):
    start_service(ApplicationsService)
    assert rpc_client.applications.ping() == {"service": "applications", "ok": True}
