"""Pytest fixtures the services share (loaded as the ``pedatt`` pytest plugin).

A service's ``tests/conftest.py`` defines the ``service_name`` fixture; then:

- ``db_connection``: a connection to the service's test database, migrated once per session
  with alembic, inside a transaction that is rolled back after the test;
- ``amqp_config``: nameko config for the test vhost of the real RabbitMQ;
- ``start_service(ServiceClass)``: a real nameko container bound to ``db_connection``.
"""
import os

import pytest
from nameko.testing.utils import get_extension
from sqlalchemy import create_engine, text

from pedatt_common import config
from pedatt_common.db import Database
from pedatt_common.dbadmin import ensure_database, migrate

# PEDATT_TEST_SLOT lets several test runs share one machine (separate databases, vhost, ports).
TEST_SLOT = os.environ.get("PEDATT_TEST_SLOT", "")
TEST_DB_PREFIX = f"pedatt_test{TEST_SLOT}_"
TEST_VHOST = f"pedatt_test{TEST_SLOT}"


def pytest_configure(config):  # noqa: ARG001 - pytest hook signature
    os.environ.setdefault("PEDATT_DB_PREFIX", TEST_DB_PREFIX)
    os.environ.setdefault("PEDATT_AMQP_URI", f"amqp://guest:guest@127.0.0.1:5672/{TEST_VHOST}")


@pytest.fixture(scope="session")
def _migrated_engines():
    engines = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


def migrated_engine(engines: dict, service: str, database_suffix: str = ""):
    """The engine of ``service``'s test database, dropped and migrated once per session."""
    key = (service, database_suffix)
    if key not in engines:
        url = config.database_url(service) + database_suffix
        ensure_database(url)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        with engine.begin() as conn:
            migrate(service, connection=conn)
        engines[key] = engine
    return engines[key]


@pytest.fixture
def db_engine(_migrated_engines, service_name):
    # not session-scoped: ``service_name`` differs per service directory within one run
    return migrated_engine(_migrated_engines, service_name)


@pytest.fixture
def db_connection(db_engine):
    connection = db_engine.connect()
    transaction = connection.begin()
    try:
        yield connection
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def amqp_config():
    return {"AMQP_URI": config.amqp_uri()}


@pytest.fixture
def start_service(db_connection, container_factory, amqp_config):
    """Containers are stopped *before* the test connection is rolled back: a timer worker (the
    outbox relay) still using the shared connection during the rollback hangs psycopg2."""
    started = []

    def start(service_cls, extra_config=None):
        container = container_factory(service_cls, {**amqp_config, **(extra_config or {})})
        get_extension(container, Database).bind_to(db_connection)
        container.start()
        started.append(container)
        return container
    yield start
    for container in reversed(started):
        container.stop()


@pytest.fixture
def rpc_client(amqp_config):
    from nameko.standalone.rpc import ClusterRpcProxy
    with ClusterRpcProxy(amqp_config, timeout=10) as proxy:
        yield proxy
