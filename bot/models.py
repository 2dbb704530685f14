"""Database tables. Times are naive UTC everywhere; conversion to patient-local time happens at the edge."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.outbox.states import Kind, Status
from bot.timeutil import utcnow
from bot.vocabulary import EnrollmentStatus, EscalationStatus, Role


class Base(DeclarativeBase):
    pass


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


class Outbox(Base):
    """Every text the service will send, is sending, or sent. The truth; the scheduler only wakes dispatch."""
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique per (enrollment, step, occurrence) for programme texts; per event for replies and pages.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id"), index=True)
    to_phone: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(16), default=Kind.PROGRAMME)
    # The escalation a page is about (pages of an acknowledged escalation are cancelled through it).
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"), index=True)
    step: Mapped[str | None] = mapped_column(String(100))
    day: Mapped[int | None] = mapped_column(Integer)
    content_key: Mapped[str | None] = mapped_column(String(100))
    # What an answer to this text means (pain_score, redflag_list, yes_no), if it asks something; it
    # stays open until answered or asked again (bot/conversation.py).
    expects: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[str | None] = mapped_column(Text)
    # Safety texts and pages jump the queue and ignore quiet hours and pacing.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime] = mapped_column(DateTime)
    # Changed only through bot.outbox
    status: Mapped[str] = mapped_column(String(16), default=Status.PLANNED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The dispatch pass that holds the claim, and until when; only that pass may send or write status.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    # When the first request to Twilio began: every message-log search starts there.
    first_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    # An attempt may have created the message (timeout, dropped connection, 5xx, expired claim):
    # Twilio's log is searched before any further attempt.
    in_doubt: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    twilio_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    twilio_status: Mapped[str | None] = mapped_column(String(32))
    segments: Mapped[int | None] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(16))
    error_message: Mapped[str | None] = mapped_column(String(300))
    # For questions (expects set): when the patient replied, and whether the silence check saw it.
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    silence_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        # Dispatch only ever looks at the due end of the live states; a partial index keeps that scan
        # proportional to what is due, not to the history of every text ever sent. Its order is the
        # claim's order (safety first, then oldest), so claiming never sorts the backlog.
        Index("ix_outbox_due", urgent.desc(), "due_at",
              sqlite_where=text("status = 'planned'"), postgresql_where=text("status = 'planned'")),
        Index("ix_outbox_sending", "lease_until",
              sqlite_where=text("status = 'sending'"), postgresql_where=text("status = 'sending'")),
        # The silence check walks only questions it has not looked at yet.
        Index("ix_outbox_unchecked_questions", "sent_at",
              sqlite_where=text("expects IS NOT NULL AND NOT silence_checked"),
              postgresql_where=text("expects IS NOT NULL AND NOT silence_checked")),
    )


class SenderPace(Base):
    """Next free send slot per sender, shared by every dispatcher so the rate holds across machines."""
    __tablename__ = "sender_pace"
    sender: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float, default=0.0)


class Inbound(Base):
    """Every text a patient (or anyone) sent us, stored before anything acts on it."""
    __tablename__ = "inbound"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    # Twilio's I-Twilio-Idempotency-Token header: the same across Twilio's retries of one webhook,
    # a second de-duplication key beside MessageSid.
    idempotency_token: Mapped[str | None] = mapped_column(String(64))
    from_phone: Mapped[str] = mapped_column(String(20), index=True)
    to_phone: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text, default="")
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # bot.vocabulary.HandledAs
    handled_as: Mapped[str | None] = mapped_column(String(32))
    tier: Mapped[str | None] = mapped_column(String(16))
    flags: Mapped[list] = mapped_column(JSON, default=list)
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    # What we answered (the text itself goes out through the outbox).
    reply_body: Mapped[str | None] = mapped_column(Text)
    # Stored by the webhook, acted on by the processor right after; a crash in between leaves
    # processed_at empty and the clock's sweeper picks it up. attempts counts failed processing runs.
    processed_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Who is processing it, until when: the webhook's worker and the clock's sweep never both do.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        Index("uq_inbound_idempotency_token", "idempotency_token", unique=True),
        Index("ix_inbound_unprocessed", "id",
              sqlite_where=text("processed_at IS NULL"), postgresql_where=text("processed_at IS NULL")),
    )


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


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class User(Base):
    """A dashboard account (coordinator or admin)."""
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id"))
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default=Role.COORDINATOR)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class LoginSession(Base):
    """A dashboard sign-in, kept on the server: logging out ends it here, so a copied cookie is
    worthless afterwards. Only a hash of the token in the cookie is stored."""
    __tablename__ = "login_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id"))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    # Space-separated extra rights; "phones:read" lets the caller ask for unmasked phone numbers.
    scopes: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Heartbeat(Base):
    """When each clock job last ran; /healthz reports its age."""
    __tablename__ = "heartbeats"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
