"""The care team and its work: coordinators, on-call shifts and overrides, escalations, the review queue."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base
from bot.timeutil import utcnow
from bot.vocabulary import EscalationStatus


class Coordinator(Base):
    __tablename__ = "coordinators"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id"))
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    email: Mapped[str] = mapped_column(String(200))
    on_call_rank: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class OnCallShift(Base):
    """A weekly shift of a clinic, in the clinic's time zone: on `days` from `starts` to `ends` (an
    end at or before the start runs past midnight), who is paged in which order (`ladder`: coordinator
    ids, first paged first). bot/oncall.py reads it."""
    __tablename__ = "oncall_shifts"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # Weekdays as digits, Monday 0: "01234" is Mon-Fri.
    days: Mapped[str] = mapped_column(String(7))
    starts: Mapped[str] = mapped_column(String(5))  # HH:MM local
    ends: Mapped[str] = mapped_column(String(5))
    ladder: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OnCallOverride(Base):
    """A one-off change ("Dana covers tonight"): from starts_at to ends_at (UTC) this ladder is paged
    instead of the scheduled one."""
    __tablename__ = "oncall_overrides"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    ladder: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Escalation(Base):
    __tablename__ = "escalations"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id"), index=True)
    # Whose coordinators are paged and may acknowledge: the patient's clinic (the default clinic
    # for a sender we do not know).
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id"))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound.id"))
    tier: Mapped[str] = mapped_column(String(16))
    flags: Mapped[list] = mapped_column(JSON, default=list)
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    # bot.vocabulary.EscalationStatus
    status: Mapped[str] = mapped_column(String(16), default=EscalationStatus.OPEN)
    ladder_rank: Mapped[int] = mapped_column(Integer, default=0)
    page_round: Mapped[int] = mapped_column(Integer, default=0)
    next_page_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolution_note: Mapped[str | None] = mapped_column(Text)


class ReviewItem(Base):
    """Something a person must read by a deadline (bot/review.py): every reply not positively benign,
    routine questions, silence, bad numbers. Past due_at it pages the on-call ladder (escalation_id)."""
    __tablename__ = "review_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id"), index=True)
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound.id"))
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The low-priority escalation opened when the item went past due (one per item).
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    # How it was closed: the coordinator's note, or the answer texted to the patient (issue 16).
    resolution_note: Mapped[str | None] = mapped_column(Text)
    answer_outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))

    __table_args__ = (
        # The overdue watchdog looks only at open items not yet paged for.
        Index("ix_review_items_due", "due_at",
              sqlite_where=text("resolved_at IS NULL AND escalation_id IS NULL"),
              postgresql_where=text("resolved_at IS NULL AND escalation_id IS NULL")),
    )
