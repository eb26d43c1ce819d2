import pytest
from nameko.testing.utils import get_extension

from pedatt_common.db import Database


@pytest.fixture(scope="session")
def service_name():
    return "identity"


@pytest.fixture
def start_service(db_connection, container_factory, amqp_config):
    """Like pedatt_common.testing's, but stops the containers *before* the test connection is
    rolled back: a timer worker (the outbox relay) still using the shared connection during the
    rollback hangs psycopg2's green wait."""
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


_ENGINES = {}


@pytest.fixture
def db_engine(service_name):
    """pedatt_common.testing's ``db_engine`` is session-scoped and ignores that ``service_name``
    differs per service directory: in one pytest run over several services the first
    service's database would be reused for all. Cache per service instead."""
    if service_name not in _ENGINES:
        from sqlalchemy import create_engine as _create_engine, text as _text

        from pedatt_common import config as _config
        from pedatt_common.dbadmin import ensure_database as _ensure, migrate as _migrate
        url = _config.database_url(service_name)
        _ensure(url)
        engine = _create_engine(url)
        with engine.begin() as conn:
            conn.execute(_text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        with engine.begin() as conn:
            _migrate(service_name, connection=conn)
        _ENGINES[service_name] = engine
    return _ENGINES[service_name]
