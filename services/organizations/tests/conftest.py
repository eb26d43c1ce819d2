import pytest
from nameko.testing.utils import get_extension

from pedatt_common.db import Database
from pedatt_common.testing import migrated_engine


@pytest.fixture(scope="session")
def service_name():
    return "organizations"


@pytest.fixture
def identity_engine(_migrated_engines):
    """The identity service's own test database (organizations calls it over RPC)."""
    return migrated_engine(_migrated_engines, "identity", "_for_organizations")


@pytest.fixture
def identity_connection(identity_engine):
    connection = identity_engine.connect()
    transaction = connection.begin()
    try:
        yield connection
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def both_services(identity_connection, container_factory, start_service, amqp_config, rpc_client):
    """The real identity and organizations services, each on its own rolled-back database."""
    from identity.service import IdentityService
    from organizations.service import OrganizationsService
    identity = container_factory(IdentityService, amqp_config)
    get_extension(identity, Database).bind_to(identity_connection)
    identity.start()
    organizations = start_service(OrganizationsService)
    yield rpc_client
    # stop the containers before the rolled-back connections are closed (a timer worker that
    # still uses a connection while the test rolls it back hangs psycopg2's green wait)
    for container in (organizations, identity):
        container.stop()
