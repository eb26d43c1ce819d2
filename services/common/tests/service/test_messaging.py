"""The outbox relay and the inbox of ``pedatt_common`` against real RabbitMQ and PostgreSQL.

Two small services defined here, each with its own real database (``<prefix>msgtest_pub`` and
``<prefix>msgtest_sub``), whose outbox/inbox tables are created by the same migration function
the services' first revision calls. Nothing is bound to a rolled-back test connection: the
relay commits for real, so the tests see exactly what production would.
"""
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from kombu import Connection
from nameko.events import event_handler
from nameko.rpc import rpc
from sqlalchemy import (Column, Integer, MetaData, String, Table, create_engine, func, insert,
                        select, text, update)

from pedatt_common.config import amqp_uri, database_url
from pedatt_common.db import NAMING_CONVENTION, Database
from pedatt_common.dbadmin import ensure_database
from pedatt_common.errors import InvalidInput
from pedatt_common.messaging import messaging_tables
from pedatt_common.migrations import create_messaging_tables
from pedatt_common.service import ServiceBase

PUB, SUB = "msgtest_pub", "msgtest_sub"

metadata = MetaData(naming_convention=NAMING_CONVENTION)
messaging = messaging_tables(metadata)
notes = Table("notes", metadata, Column("id", Integer, primary_key=True),
              Column("text", String(100), nullable=False))
received = Table("received", metadata, Column("event_id", String(64), primary_key=True),
                 Column("event_type", String(100), nullable=False),
                 Column("text", String(100), nullable=False))

HANDLER_QUEUES = [f"evt-{PUB}-note_created--{SUB}.on_note_created",
                  f"evt-{PUB}-note_archived--{SUB}.on_note_archived"]
CALLS: list[tuple[str, str]] = []  # (event_type, event_id) of every handler invocation
REQUEST_IDS: list[str] = []  # the handler worker's request id (from the event's envelope)


class PublisherService(ServiceBase):
    name = PUB
    db = Database(messaging=messaging)

    @rpc(expected_exceptions=InvalidInput)
    def create_note(self, note_text, event_type="note_created", fail=False):
        """Writes a note and its event in one transaction; ``fail`` rolls both back."""
        with self.db as uow:
            uow.session.execute(insert(notes).values(text=note_text))
            envelope = uow.publish(event_type, {"text": note_text})
            if fail:
                raise InvalidInput("Заметка отклонена", {"text": "отклонено"})
        return envelope


class SubscriberService(ServiceBase):
    name = SUB
    db = Database(messaging=messaging)

    def _record(self, event, handler):
        CALLS.append((event["event_type"], event["event_id"]))
        REQUEST_IDS.append(self.request_id)
        with self.db as uow:
            if uow.is_duplicate(event, handler):
                return
            uow.session.execute(insert(received).values(
                event_id=event["event_id"], event_type=event["event_type"],
                text=event["data"]["text"]))

    @event_handler(PUB, "note_created")
    def on_note_created(self, event):
        self._record(event, "on_note_created")


class LateSubscriberService(ServiceBase):
    """Declares its queue only when started: the consumer that is not there yet."""
    name = SUB
    db = Database(messaging=messaging)
    _record = SubscriberService._record

    @event_handler(PUB, "note_archived")
    def on_note_archived(self, event):
        self._record(event, "on_note_archived")


# -- fixtures ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def engines():
    engines = {}
    for service in (PUB, SUB):
        url = database_url(service)
        ensure_database(url)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            with Operations.context(MigrationContext.configure(conn)):
                create_messaging_tables()  # what every service's revision 0001 runs
            metadata.create_all(conn)  # only the test tables: outbox/inbox already exist
        engines[service] = engine
    yield engines
    for engine in engines.values():
        engine.dispose()


def _delete_handler_queues():
    with Connection(amqp_uri(), connect_timeout=5) as conn:
        channel = conn.channel()
        for queue in HANDLER_QUEUES:
            channel.queue_delete(queue)
        channel.close()


@pytest.fixture
def clean(engines):
    _delete_handler_queues()  # no queue left over from an earlier run: "no consumer" is real
    for engine in engines.values():
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE outbox, processed_messages, notes, received"))
    CALLS.clear()
    REQUEST_IDS.clear()
    yield engines
    _delete_handler_queues()


@pytest.fixture
def start(container_factory, amqp_config, clean):
    def start(service_cls):
        container = container_factory(service_cls, dict(amqp_config))
        container.start()
        return container
    return start


def wait_until(check, timeout=8.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def rows(engine, table, *where):
    with engine.connect() as conn:
        return conn.execute(select(table).where(*where)).all()


def received_ids(engines):
    return [r.event_id for r in rows(engines[SUB], received)]


# -- tests ------------------------------------------------------------------------------

def test_the_migration_creates_exactly_the_messaging_tables_of_the_metadata(engines):
    only_messaging = MetaData(naming_convention=NAMING_CONVENTION)
    messaging_tables(only_messaging)
    with engines[PUB].connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(context, only_messaging)
                if not (d[0] == "remove_table" and d[1].name in ("notes", "received"))]
    assert diff == []


def test_rolled_back_event_is_never_published_and_committed_one_exactly_once(start, rpc_client,
                                                                          clean):
    start(PublisherService)
    start(SubscriberService)

    with pytest.raises(InvalidInput):
        getattr(rpc_client, PUB).create_note("rolled back", fail=True)
    envelope = getattr(rpc_client, PUB).create_note("committed")

    assert set(envelope) == {"event_id", "event_type", "occurred_at", "version", "request_id",
                             "data"}
    assert envelope["event_type"] == "note_created" and envelope["version"] == 1
    wait_until(lambda: received_ids(clean) == [envelope["event_id"]], what="the committed event")
    time.sleep(1.0)  # five more relay rounds: nothing else may arrive

    assert CALLS == [("note_created", envelope["event_id"])]
    assert envelope["request_id"] and REQUEST_IDS == [envelope["request_id"]]  # follows the event
    assert [r.text for r in rows(clean[PUB], notes)] == ["committed"]
    (row,) = rows(clean[PUB], messaging.outbox)
    assert str(row.id) == envelope["event_id"]
    assert row.published_at is not None and not row.unrouted and row.attempts == 0
    assert rows(clean[SUB], received)[0].text == "committed"


def test_event_with_no_bound_queue_stays_pending_until_a_consumer_exists(start, rpc_client,
                                                                        clean):
    start(PublisherService)
    envelope = getattr(rpc_client, PUB).create_note("early", event_type="note_archived")

    outbox = messaging.outbox
    wait_until(lambda: rows(clean[PUB], outbox, outbox.c.attempts >= 2),
               what="the relay to retry the unrouted event")
    (row,) = rows(clean[PUB], outbox)
    assert row.published_at is None and not row.unrouted

    start(LateSubscriberService)  # declares and binds its queue
    wait_until(lambda: received_ids(clean) == [envelope["event_id"]], what="the late delivery")
    (row,) = rows(clean[PUB], outbox)
    assert row.published_at is not None and not row.unrouted
    time.sleep(0.6)
    assert CALLS == [("note_archived", envelope["event_id"])]


def test_an_unrouted_event_does_not_hold_back_events_of_other_types(start, rpc_client, clean):
    start(PublisherService)
    start(SubscriberService)  # consumes note_created only; nobody consumes note_archived yet
    proxy = getattr(rpc_client, PUB)
    orphan = proxy.create_note("nobody listens", event_type="note_archived")
    first = proxy.create_note("one")
    second = proxy.create_note("two")

    wait_until(lambda: len(received_ids(clean)) == 2, what="the routable events")
    assert [c[1] for c in CALLS] == [first["event_id"], second["event_id"]]  # in order
    outbox = messaging.outbox
    (pending,) = rows(clean[PUB], outbox, outbox.c.published_at.is_(None))
    assert str(pending.id) == orphan["event_id"]


def test_later_events_of_an_unrouted_type_keep_their_order(start, rpc_client, clean):
    start(PublisherService)
    proxy = getattr(rpc_client, PUB)
    events = [proxy.create_note(f"n{i}", event_type="note_archived")["event_id"]
              for i in range(3)]
    outbox = messaging.outbox
    wait_until(lambda: rows(clean[PUB], outbox, outbox.c.attempts >= 1), what="a retry")
    # only the oldest one is being retried; the younger ones wait behind it
    attempted = rows(clean[PUB], outbox, outbox.c.attempts > 0)
    assert [str(r.id) for r in attempted] == events[:1]

    start(LateSubscriberService)
    wait_until(lambda: len(received_ids(clean)) == 3, what="all three events")
    assert [c[1] for c in CALLS] == events


def test_a_redelivered_event_is_skipped_by_the_inbox(start, rpc_client, clean):
    start(PublisherService)
    start(SubscriberService)
    envelope = getattr(rpc_client, PUB).create_note("once")
    wait_until(lambda: received_ids(clean) == [envelope["event_id"]], what="the first delivery")

    # the relay crashed after publishing but before its commit: the row is pending again
    outbox = messaging.outbox
    with clean[PUB].begin() as conn:
        conn.execute(update(outbox).values(published_at=None))
    wait_until(lambda: len(CALLS) == 2, what="the redelivery")
    wait_until(lambda: rows(clean[PUB], outbox, outbox.c.published_at.is_not(None)),
               what="the relay to mark the row again")

    assert CALLS == [("note_created", envelope["event_id"])] * 2
    assert received_ids(clean) == [envelope["event_id"]]  # handled once
    with clean[SUB].connect() as conn:
        inbox = messaging.inbox
        assert conn.execute(select(func.count()).select_from(inbox)).scalar() == 1
        (entry,) = conn.execute(select(inbox)).all()
    assert (entry.event_id, entry.handler) == (envelope["event_id"], "on_note_created")


def test_a_handler_that_fails_leaves_no_inbox_entry(engines, clean):
    """The inbox row is part of the handler's transaction: an error rolls it back too."""
    db = Database(messaging=messaging)
    db.container = type("C", (), {"service_name": SUB})()
    db.setup()
    try:
        event = {"event_id": "e-1", "event_type": "note_created", "data": {"text": "x"}}
        with pytest.raises(ZeroDivisionError):
            with db.get_dependency(None) as uow:
                assert not uow.is_duplicate(event, "h")
                1 / 0
        with db.get_dependency(None) as uow:
            assert not uow.is_duplicate(event, "h")  # first time for real
        with db.get_dependency(None) as uow:
            assert uow.is_duplicate(event, "h")
            assert not uow.is_duplicate(event, "other handler")  # per handler
    finally:
        db.stop()


def test_an_event_nobody_consumes_is_given_up_and_marked_unrouted(start, rpc_client, clean,
                                                                   monkeypatch):
    from datetime import timedelta

    import pedatt_common.messaging as messaging_module
    monkeypatch.setattr(messaging_module, "UNROUTED_GIVE_UP_AFTER", timedelta(0))
    start(PublisherService)
    proxy = getattr(rpc_client, PUB)
    events = [proxy.create_note(f"n{i}", event_type="note_archived")["event_id"]
              for i in range(2)]
    outbox = messaging.outbox
    done = wait_until(lambda: len(rows(clean[PUB], outbox, outbox.c.published_at.is_not(None)))
                      == 2, what="both events given up")
    assert done
    assert all(r.unrouted for r in rows(clean[PUB], outbox))
    assert sorted(str(r.id) for r in rows(clean[PUB], outbox)) == sorted(events)


def test_rpc_requests_and_replies_are_transient_and_events_persistent(start, rpc_client, clean):
    start(PublisherService)
    start(SubscriberService)
    with Connection(amqp_uri(), connect_timeout=5) as conn:
        channel = conn.channel()
        # copies of everything on the RPC exchange (requests and replies) and of the event
        channel.queue_declare("msgtest-spy-rpc", exclusive=True)
        channel.queue_bind("msgtest-spy-rpc", "nameko-rpc", "#")
        channel.queue_declare("msgtest-spy-events", exclusive=True)
        channel.queue_bind("msgtest-spy-events", f"{PUB}.events", "note_created")

        envelope = getattr(rpc_client, PUB).create_note("spied")
        wait_until(lambda: received_ids(clean) == [envelope["event_id"]], what="the event")

        def drain(queue):
            modes = {}
            while (message := channel.basic_get(queue, no_ack=True)) is not None:
                key = message.delivery_info["routing_key"]
                kind = "request" if key == f"{PUB}.create_note" else "reply"
                modes.setdefault(kind, set()).add(message.properties.get("delivery_mode"))
            return modes

        assert drain("msgtest-spy-rpc") == {"request": {1}, "reply": {1}}
        published = channel.basic_get("msgtest-spy-events", no_ack=True)
        assert published is not None and published.properties["delivery_mode"] == 2
        channel.close()


def test_an_idle_relay_polls_seldom_yet_relays_rows_it_was_not_told_about(start, rpc_client,
                                                                          clean, monkeypatch):
    import uuid

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    import pedatt_common.messaging as messaging_module
    IDLE_POLL_SECONDS = 2.0
    monkeypatch.setattr(messaging_module, "IDLE_POLL_SECONDS", IDLE_POLL_SECONDS)
    start(SubscriberService)
    start(PublisherService)
    # the relays polled as they started; their next idle poll is 2 s away, but a commit of
    # their own wakes them at the next tick (0.2 s)
    envelope = getattr(rpc_client, PUB).create_note("told")
    wait_until(lambda: received_ids(clean) == [envelope["event_id"]], timeout=1.0,
               what="the event of the relay's own commit, at the next tick")

    polls = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT") and "FROM outbox" in statement:
            polls.append(time.monotonic())
    event.listen(Engine, "before_cursor_execute", count)
    try:
        time.sleep(IDLE_POLL_SECONDS + 1)  # each relay polls once or twice
        idle_polls = len(polls)
        # a row committed by another instance of the service (say, one that died before relaying)
        orphan = {"event_id": str(uuid.uuid4()), "event_type": "note_created",
                  "occurred_at": "2026-12-04T00:00:00+00:00", "version": 1, "request_id": None,
                  "data": {"text": "orphan"}}
        with clean[PUB].begin() as conn:
            conn.execute(insert(messaging.outbox).values(
                id=uuid.UUID(orphan["event_id"]), event_type="note_created", payload=orphan,
                created_at=func.now()))
        wait_until(lambda: orphan["event_id"] in received_ids(clean),
                   timeout=IDLE_POLL_SECONDS + 2, what="the row nobody signalled")
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    # two relays (both services) ticking every 0.2 s: 30 reads if they polled at every tick
    assert 2 <= idle_polls <= 4
