"""Tables the documents service owns (its own database)."""
import uuid
from datetime import datetime

from sqlalchemy import (JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer,
                        LargeBinary, String, UniqueConstraint, Uuid)
from sqlalchemy.orm import Mapped, mapped_column

from pedatt_common.db import make_base, new_id, utcnow
from pedatt_common.messaging import messaging_tables

Base = make_base()
messaging = messaging_tables(Base.metadata)


class Document(Base):
    """A logical document of an owner about a subject; its bytes are in ``DocumentVersion``s."""
    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_subject", "organization_id", "subject_type", "subject_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(String(64), index=True)
    organization_id: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|active|deleted
    current_version: Mapped[int | None] = mapped_column(Integer)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DocumentVersion(Base):
    """One upload: pending (an upload slot) → stored (version number given) | rejected; the
    bytes of rejected, expired or deleted-and-retained versions are purged later."""
    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "version"),
                      Index("ix_document_versions_status", "status", "created_at"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                                   index=True)
    version: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|stored|rejected
    object_key: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(255))
    declared_type: Mapped[str] = mapped_column(String(100))
    declared_size: Mapped[int | None] = mapped_column(BigInteger)
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    uploaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rejected_reason: Mapped[str | None] = mapped_column(String(40))
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Signature(Base):
    """A CMS attached to one stored version, with the verification report and its evidence."""
    __tablename__ = "signatures"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                                   index=True)
    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("document_versions.id",
                                                             ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    cms: Mapped[bytes] = mapped_column(LargeBinary)
    valid: Mapped[bool] = mapped_column(Boolean)
    reason_code: Mapped[str] = mapped_column(String(40))
    report: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RevocationEvidence(Base):
    """A CRL or OCSP response used by a verification, stored once (reports refer to its sha256)."""
    __tablename__ = "revocation_evidence"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # crl | ocsp
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
