"""End-to-end fixtures: the real system (services, gateway, S3 server) started once per session."""
import pytest
import requests

from deploy.stack import Stack
from pedatt_common.testing import TEST_DB_PREFIX, TEST_SLOT, TEST_VHOST

E2E_GATEWAY_PORT = 18000 + 10 * int(TEST_SLOT or 0)
E2E_S3_PORT = 19000 + 10 * int(TEST_SLOT or 0)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    stack = Stack(gateway_port=E2E_GATEWAY_PORT, s3_port=E2E_S3_PORT,
                  amqp_uri=f"amqp://guest:guest@127.0.0.1:5672/{TEST_VHOST}_e2e",  # apart from service tests
                  db_prefix=f"{TEST_DB_PREFIX}e2e_", document_instances=2,
                  log_dir=tmp_path_factory.mktemp("stack-logs"),
                  # every request checks the token against the user's access at once (5 s in
                  # production): what a test changed is in force at its next request
                  extra_env={"PEDATT_RPC_TIMEOUT": "5", "PEDATT_DEV_PKI": "1",
                             "PEDATT_ACCESS_RECHECK_SECONDS": "0"})
    try:
        stack.drop_databases()
        stack.start(seed=True)
        yield stack
    finally:
        stack.stop()


class Gateway(requests.Session):
    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 30)
        return super().request(method, self.base_url + url, *args, **kwargs)


@pytest.fixture
def gateway(stack):
    with Gateway(stack.gateway_url) as session:
        yield session
