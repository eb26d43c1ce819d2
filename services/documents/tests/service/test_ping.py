from documents.service import DocumentsService


def test_ping_answers_over_real_rabbitmq_and_postgres(start_service, rpc_client):
    start_service(DocumentsService)
    assert rpc_client.documents.ping() == {"service": "documents", "ok": True}
