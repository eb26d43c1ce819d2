"""Reliable messaging: the outbox (publish after commit) and the inbox (skip duplicates).

Each service calls ``messaging_tables(Base.metadata)`` in its models and mixes
``OutboxRelay`` into its service class.
"""
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from nameko.amqp.publish import Publisher, UndeliverableMessage
from nameko.constants import AMQP_URI_CONFIG_KEY, PERSISTENT
from nameko.dependency_providers import Config
from nameko.events import get_event_exchange
from nameko.timer import timer
from sqlalchemy import (JSON, Boolean, Column, DateTime, Index, Integer, MetaData, String, Table,
                        Uuid, select, text, update)

from pedatt_common.db import utcnow
from pedatt_common.logs import request_id_var

log = logging.getLogger(__name__)

UNROUTED_GIVE_UP_AFTER = timedelta(seconds=60)
"""An event nobody is bound to is retried this long, then marked published-unrouted. Consumer
queues are durable, so "unrouted" only happens before a consumer's first start (covered by
this window when a stack starts) or for an event nobody consumes (which must not pile up)."""

UNROUTED_RETRY_SECONDS = 1.0
"""How often the oldest unrouted event of a type is tried again; meanwhile later events of
that type wait behind it and events of other types go on."""


IDLE_POLL_SECONDS = 2.0
"""Without a commit of its own instance that wrote events, the relay reads the outbox this often:
events of another instance of the service that died before relaying them wait at most this
long, and an idle service does not query its database five times a second."""


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table


def messaging_tables(metadata: MetaData) -> MessagingTables:
    outbox = Table(
        "outbox", metadata,
        Column("id", Uuid, primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("payload", JSON, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("unrouted", Boolean, nullable=False, server_default=text("false")),
        Index("ix_outbox_pending", "created_at", postgresql_where=text("published_at IS NULL")),
    )
    inbox = Table(
        "processed_messages", metadata,
        Column("event_id", String(64), primary_key=True),
        Column("handler", String(200), primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False),
    )
    return MessagingTables(outbox, inbox)


class OutboxRelay:
    """Mixin for a service class with a ``db: Database`` dependency.

    Publishes pending outbox rows in order, with publisher confirms, persistent and
    mandatory: an event that reaches no queue stays pending (consumers may not have
    declared their queues yet) instead of vanishing. Order is kept per event type (each
    consumer queue is bound to one type): an unrouted event holds back later events of its
    own type only, never those of other types.
    """

    config = Config()
    relay_batch = 100
    _publisher = None

    def _outbox_publisher(self):
        cls = type(self)
        if cls._publisher is None:
            cls._publisher = Publisher(self.config[AMQP_URI_CONFIG_KEY], use_confirms=True,
                                       delivery_mode=PERSISTENT)
        return cls._publisher

    def _held_event_types(self) -> dict:
        """Event type -> monotonic time of the next attempt of its oldest (unrouted) event."""
        cls = type(self)
        if "_held_types" not in cls.__dict__:
            cls._held_types = {}
        return cls._held_types

    @timer(interval=0.2)
    def relay_outbox(self):
        if not getattr(self.db, "relay", True):  # a service test on one shared connection
            return
        signal = self.db.outbox_signal
        held = self._held_event_types()
        now = time.monotonic()
        if not signal.take() and not held and now < signal.next_poll:
            return
        signal.next_poll = now + IDLE_POLL_SECONDS
        try:
            if self._publish_pending(held, now) == self.relay_batch:
                signal.set()  # a full batch: more may be waiting
        except Exception:
            signal.set()  # try again at the next tick
            raise

    def _publish_pending(self, held: dict, now: float) -> int:
        outbox = self.db.messaging.outbox
        exchange = get_event_exchange(self.name, self.config)
        publisher = self._outbox_publisher()
        query = select(outbox).where(outbox.c.published_at.is_(None))
        waiting = [event_type for event_type, retry_at in held.items() if retry_at > now]
        if waiting:
            query = query.where(outbox.c.event_type.not_in(waiting))
        blocked = set()
        with self.db as uow:
            rows = uow.session.execute(
                query.order_by(outbox.c.created_at).limit(self.relay_batch)
                .with_for_update(skip_locked=True)).all()
            for row in rows:
                if row.event_type in blocked:
                    continue  # keep per-type order: do not overtake an unrouted event
                request_id_var.set(row.payload.get("request_id"))
                try:
                    publisher.publish(row.payload, exchange=exchange, routing_key=row.event_type,
                                      mandatory=True, declare=[exchange])
                    values = {"published_at": utcnow()}
                    held.pop(row.event_type, None)
                except UndeliverableMessage:
                    if utcnow() - row.created_at < UNROUTED_GIVE_UP_AFTER:
                        values = {"attempts": row.attempts + 1}
                        blocked.add(row.event_type)
                        held[row.event_type] = now + UNROUTED_RETRY_SECONDS
                    else:
                        log.warning("event %s reached no queue; giving up", row.event_type)
                        values = {"published_at": utcnow(), "unrouted": True}
                        held.pop(row.event_type, None)
                uow.session.execute(update(outbox).where(outbox.c.id == row.id).values(**values))
        return len(rows)
