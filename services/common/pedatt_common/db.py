"""SQLAlchemy base with a constraint naming convention, the engine, and the unit of work."""
import json
import uuid
from datetime import datetime, timezone

from nameko.extensions import DependencyProvider
from sqlalchemy import MetaData, create_engine, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from pedatt_common.config import database_url
from pedatt_common.logs import request_id_var

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def make_base() -> type[DeclarativeBase]:
    """A fresh declarative base per service: each service owns its own metadata and database."""

    class Base(DeclarativeBase):
        metadata = MetaData(naming_convention=NAMING_CONVENTION)

    return Base


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def make_engine(url: str, **kwargs):
    _make_psycopg2_green_if_eventlet()
    # No per-checkout ping (a round trip on every unit of work, ~5% of a list request's cost):
    # a dropped connection fails the calls in flight, SQLAlchemy then invalidates the whole
    # pool, and recycling bounds a connection's age.
    kwargs.setdefault("pool_pre_ping", False)
    kwargs.setdefault("pool_recycle", 300)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


def _make_psycopg2_green_if_eventlet():
    """psycopg2 is a blocking C driver; under eventlet it must wait cooperatively."""
    try:
        from eventlet import patcher
    except ImportError:  # pragma: no cover
        return
    if patcher.is_monkey_patched("socket"):
        from psycogreen.eventlet import patch_psycopg
        patch_psycopg()


class OutboxSignal:
    """Set when a commit of this service instance wrote events: its outbox relay then reads the
    table at the next tick instead of waiting for its idle poll."""

    def __init__(self):
        self.written = True  # events may be waiting from before the start
        self.next_poll = 0.0  # monotonic time of the next poll without a signal

    def set(self) -> None:
        self.written = True

    def take(self) -> bool:
        written, self.written = self.written, False
        return written


class UnitOfWork:
    """One transaction: ``with uow:`` commits on success and rolls back on any error.

    Events go to the outbox in the same transaction (``publish``); event handlers call
    ``is_duplicate`` first so a redelivered event is skipped (the inbox).
    """

    def __init__(self, session_factory, messaging=None, lock=None, relay=True, outbox_signal=None):
        self._session_factory = session_factory
        self.messaging = messaging
        self._lock = lock
        self.relay = relay  # False in service tests: the outbox relay leaves the rows alone
        self.outbox_signal = outbox_signal
        self._wrote_events = False
        self.session: Session | None = None

    def __enter__(self) -> "UnitOfWork":
        if self.session is not None:
            raise RuntimeError("unit of work is not re-entrant")
        if self._lock is not None:
            self._lock.acquire()
        self.session = self._session_factory()
        self._wrote_events = False
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.session.commit()
                if self._wrote_events and self.outbox_signal is not None:
                    self.outbox_signal.set()
            else:
                self.session.rollback()
        finally:
            self.session.close()
            self.session = None
            if self._lock is not None:
                self._lock.release()

    def publish(self, event_type: str, data: dict) -> dict:
        """Record an event in the outbox; the relay publishes it after commit."""
        envelope = {
            "event_id": str(new_id()),
            "event_type": event_type,
            "occurred_at": utcnow().isoformat(),
            "version": 1,
            "request_id": request_id_var.get(),
            "data": data,
        }
        outbox = self.messaging.outbox
        self._wrote_events = True
        self.session.execute(insert(outbox).values(
            id=uuid.UUID(envelope["event_id"]), event_type=event_type,
            payload=json.loads(json.dumps(envelope, default=str)), created_at=utcnow()))
        return envelope

    def is_duplicate(self, event: dict, handler: str) -> bool:
        """Record ``event``'s id for ``handler``; True when it was processed before."""
        inbox = self.messaging.inbox
        result = self.session.execute(
            pg_insert(inbox).values(event_id=event["event_id"], handler=handler,
                                    processed_at=utcnow())
            .on_conflict_do_nothing().returning(inbox.c.event_id))
        return result.first() is None


class Database(DependencyProvider):
    """Gives each worker a fresh ``UnitOfWork`` on the service's own database.

    ``messaging`` is the service's ``MessagingTables`` (outbox/inbox). Tests call
    ``bind_to(connection)`` before the container starts to run inside a rolled-back
    transaction.
    """

    def __init__(self, messaging=None, **engine_options):
        self.messaging = messaging
        self.engine_options = engine_options
        self._bound_connection = None
        self._bound_lock = None
        self.engine = None
        self.session_factory = None
        self.outbox_signal = OutboxSignal()

    def bind_to(self, connection) -> None:
        """Share one test connection; workers take turns on it (a connection is not concurrent).

        The outbox relay is off while bound: the test itself reads the shared connection
        (e.g. the outbox rows a call wrote) outside the workers' lock, and the relay's timer
        would use it concurrently. The relay is tested with real commits in pedatt_common.
        """
        import threading  # green under eventlet's monkey patching
        self._bound_connection = connection
        self._bound_lock = threading.Lock()

    def setup(self):
        if self._bound_connection is not None:
            self.session_factory = sessionmaker(
                bind=self._bound_connection, expire_on_commit=False,
                join_transaction_mode="create_savepoint")
            return
        self.engine = make_engine(database_url(self.container.service_name), **self.engine_options)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)

    def stop(self):
        if self.engine is not None:
            self.engine.dispose()

    def get_dependency(self, worker_ctx):
        return UnitOfWork(self.session_factory, self.messaging, self._bound_lock,
                          relay=self._bound_connection is None, outbox_signal=self.outbox_signal)

