from organizations.service import OrganizationsService


def test_ping_answers_over_real_rabbitmq_and_postgres(start_service, rpc_client):
    start_service(OrganizationsService)
    assert rpc_client.organizations.ping() == {"service": "organizations", "ok": True}
