from identity.service import IdentityService


def test_ping_answers_over_real_rabbitmq_and_postgres(start_service, rpc_client):
    start_service(IdentityService)
    assert rpc_client.identity.ping() == {"service": "identity", "ok": True}
