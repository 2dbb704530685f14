"""Clinics and their patients: who is enrolled, who opted out, what they answered."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base
from bot.timeutil import utcnow
from bot.vocabulary import EnrollmentStatus


class Clinic(Base):
    __tablename__ = "clinics"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    # Team-specific numbers (lifting limit, sitting limit, brace, surgeon name) used by content placeholders.
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Enrollment(Base):
    __tablename__ = "enrollments"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id"))
    first_name: Mapped[str] = mapped_column(String(100))
    # Identity (issue 16): the right patient on the phone. Required at enrollment; empty only for
    # patients enrolled before migration 0006.
    last_name: Mapped[str | None] = mapped_column(String(100))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    record_number: Mapped[str | None] = mapped_column(String(64), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    surgery_date: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    pathway: Mapped[str] = mapped_column(String(64))
    # bot.vocabulary.EnrollmentStatus
    status: Mapped[str] = mapped_column(String(16), default=EnrollmentStatus.ACTIVE)
    # Set when Twilio rejects the number for good (21211 invalid, 21614 not mobile); a coordinator fixes it.
    phone_problem: Mapped[str | None] = mapped_column(String(100))
    # Last post-op day already written to the outbox, and when the planner should look again.
    planned_through_day: Mapped[int] = mapped_column(Integer, default=-1)
    plan_next_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Per-patient options (issue 14, bot/options.py): brace, hip graft, approach, limits. They
    # override the clinic's and the pathway's settings.
    options: Mapped[dict | None] = mapped_column(JSON, default=dict)
    clinic: Mapped[Clinic | None] = relationship()

    __table_args__ = (
        # Planner's "who needs more rows" scan must stay cheap with 100,000 patients.
        Index("ix_enrollments_plan_next", "plan_next_at"),
        # At most one live enrollment per phone: replies must map to exactly one patient.
        Index("uq_enrollments_live_phone", "phone", unique=True,
              sqlite_where=text("status IN ('active', 'paused')"),
              postgresql_where=text("status IN ('active', 'paused')")),
    )


class OptOut(Base):
    """A number that sent STOP (or that Twilio reported as unsubscribed, 21610). Never texted while here."""
    __tablename__ = "opt_outs"
    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(32))


class Observation(Base):
    """A structured check-in answer: pain 6 at 09:14, red-flag screen 'no'."""
    __tablename__ = "observations"
    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(32))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound.id"))
    observed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
