"""Tables the organizations service owns (its own database)."""
import uuid
from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Integer, String,
                        UniqueConstraint, Uuid)
from sqlalchemy.orm import Mapped, mapped_column

from pedatt_common.db import make_base, new_id, utcnow
from pedatt_common.messaging import messaging_tables

Base = make_base()
messaging = messaging_tables(Base.metadata)


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    bin: Mapped[str] = mapped_column(String(12), unique=True)
    name_ru: Mapped[str] = mapped_column(String(300))
    name_kk: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(40))
    district: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    director_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    attestation_settings: Mapped[dict] = mapped_column(JSON, default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Staff(Base):
    """A person's employment in one organization: HR data, roles and the teacher's profile."""
    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("organization_id", "user_id"),
                      UniqueConstraint("organization_id", "iin"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    iin: Mapped[str] = mapped_column(String(12))
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    roles: Mapped[list] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    position_code: Mapped[str | None] = mapped_column(String(60))
    subjects: Mapped[list] = mapped_column(JSON, default=list)
    total_experience_years: Mapped[int | None] = mapped_column(Integer)
    teaching_experience_years: Mapped[int | None] = mapped_column(Integer)
    education: Mapped[list] = mapped_column(JSON, default=list)
    category_code: Mapped[str | None] = mapped_column(String(40))
    category_order_number: Mapped[str | None] = mapped_column(String(60))
    category_order_date: Mapped[date | None] = mapped_column(Date)
    category_valid_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class RoleChange(Base):
    """The HR audit trail: who changed whose roles or status, when, and what."""
    __tablename__ = "role_changes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    action: Mapped[str] = mapped_column(String(40))
    role: Mapped[str | None] = mapped_column(String(40))
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
