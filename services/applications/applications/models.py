"""Tables the applications service owns (its own database). Created only by migrations."""
import uuid
from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from pedatt_common.db import make_base
from pedatt_common.messaging import messaging_tables

Base = make_base()
messaging = messaging_tables(Base.metadata)

TZ = DateTime(timezone=True)


class RulesAcknowledgement(Base):
    """Who read which rules edition, and when (required before the first application)."""
    __tablename__ = "rules_acknowledgements"
    __table_args__ = (UniqueConstraint("user_id", "edition_code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    organization_id: Mapped[uuid.UUID | None]
    edition_code: Mapped[str] = mapped_column(String(50), nullable=False)
    acknowledged_at: Mapped[datetime] = mapped_column(TZ, nullable=False)


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        # the admin list: keyset pagination newest first, optionally by status / category / teacher
        Index("ix_applications_org_created", "organization_id", text("created_at DESC"), text("id DESC")),
        Index("ix_applications_org_status_created", "organization_id", "status",
              text("created_at DESC"), text("id DESC")),
        Index("ix_applications_org_category_created", "organization_id", "target_category",
              text("created_at DESC"), text("id DESC")),
        Index("ix_applications_teacher_created", "teacher_id", text("created_at DESC")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    teacher_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    teacher_name: Mapped[str] = mapped_column(String(300), nullable=False, server_default="")
    edition_code: Mapped[str] = mapped_column(String(50), nullable=False)
    target_category: Mapped[str] = mapped_column(String(50), nullable=False)
    current_category: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(30), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    form: Mapped[dict] = mapped_column(JSONB, nullable=False)
    item_flags: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    early: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    declared_achievements: Mapped[int | None] = mapped_column(Integer)
    rules_acknowledged_at: Mapped[datetime | None] = mapped_column(TZ)
    submission_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    last_submission: Mapped[dict | None] = mapped_column(JSONB)
    canonical_sha256: Mapped[str | None] = mapped_column(String(64))
    signature_kind: Mapped[str | None] = mapped_column(String(10))
    signature_sha256: Mapped[str | None] = mapped_column(String(64))
    signature_report: Mapped[dict | None] = mapped_column(JSONB)
    paper_scan_document_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(TZ, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(TZ, nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(TZ)


class PortfolioDocument(Base):
    """A documents-service file attached to a checklist item of an application."""
    __tablename__ = "portfolio_documents"
    __table_args__ = (
        UniqueConstraint("application_id", "document_id"),
        Index("ix_portfolio_documents_application_item", "application_id", "item_code"),
        Index("ix_portfolio_documents_head_queue", "organization_id", "added_at",
              postgresql_where=text("needs_head AND head_signed_at IS NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), nullable=False)
    organization_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    item_code: Mapped[str] = mapped_column(String(60), nullable=False)
    document_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    subject_type: Mapped[str | None] = mapped_column(String(100))
    subject_id: Mapped[str | None] = mapped_column(String(200))
    document_version: Mapped[int] = mapped_column(Integer, nullable=False)
    filename: Mapped[str] = mapped_column(String(300), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    needs_head: Mapped[bool] = mapped_column(Boolean, nullable=False)
    head_signed_at: Mapped[datetime | None] = mapped_column(TZ)
    head_signer_iin: Mapped[str | None] = mapped_column(String(12))
    head_signature_id: Mapped[str | None] = mapped_column(String(64))
    added_by: Mapped[uuid.UUID] = mapped_column(nullable=False)
    added_at: Mapped[datetime] = mapped_column(TZ, nullable=False)


class Remark(Base):
    """A reviewer's remark on an item (or on the whole application: item_code NULL)."""
    __tablename__ = "remarks"
    __table_args__ = (Index("ix_remarks_application", "application_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), nullable=False)
    item_code: Mapped[str | None] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text, nullable=False)
    round: Mapped[int] = mapped_column(Integer, nullable=False)
    author_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(TZ, nullable=False)


class StatusTransition(Base):
    """Every status change: who, when, from, to, why."""
    __tablename__ = "status_transitions"
    __table_args__ = (Index("ix_status_transitions_application", "application_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30), nullable=False)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    actor_user_id: Mapped[uuid.UUID | None]
    actor_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZ, nullable=False)


class Notification(Base):
    """The in-app feed, fed by the service's events."""
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_created", "user_id", text("created_at DESC")),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    kind: Mapped[str] = mapped_column(String(50), nullable=False)
    application_id: Mapped[uuid.UUID | None]
    title: Mapped[str] = mapped_column(Text, nullable=False)
    data: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    event_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZ, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(TZ)
