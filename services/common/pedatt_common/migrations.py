"""The body of every service's alembic ``env.py``: online migrations on its own database."""
from alembic import context
from sqlalchemy import create_engine, pool

from pedatt_common.config import database_url


def run_migrations(service: str, metadata) -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:  # handed in by the test fixtures
        _migrate(connection, metadata)
        return
    url = context.config.get_main_option("sqlalchemy.url") or database_url(service)
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        _migrate(connection, metadata)


def _migrate(connection, metadata) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def create_messaging_tables() -> None:
    """Version 1 of the outbox and inbox tables (see ``pedatt_common.messaging``).

    Called from each service's first revision; a change to these tables gets a new
    function here and a new revision in every service, never an edit of this one.
    """
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("unrouted", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_pending", "outbox", ["created_at"],
                    postgresql_where=sa.text("published_at IS NULL"))
    op.create_table(
        "processed_messages",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("handler", sa.String(length=200), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "handler", name=op.f("pk_processed_messages")),
    )


def drop_messaging_tables() -> None:
    from alembic import op

    op.drop_table("processed_messages")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")
